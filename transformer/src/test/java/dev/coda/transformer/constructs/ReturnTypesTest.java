package dev.coda.transformer.constructs;

import static dev.coda.transformer.constructs.Driver.*;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.coda.Task;
import dev.coda.transformer.support.Instrumented;
import java.io.IOException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import org.junit.jupiter.api.Test;

/** Task, CompletableFuture and CompletionStage results, and every way an async function can end. */
class ReturnTypesTest {

    @Test
    void taskReturningCompletedValue() throws Throwable {
        Instrumented code = program("RetTask", """
                @Async public static Task<String> go() { return Task.completed("v" + await(later(1))); }
                """);
        Task<String> t = start(code, "RetTask", "go");
        assertEquals("p.RetTask$$Coda$go", t.getClass().getName(), "the state machine is the returned Task");
        run();
        assertEquals("v1", t.join());
    }

    @Test
    void completableFutureReturningMethod() throws Throwable {
        Instrumented code = program("RetCf", """
                @Async public static CompletableFuture<Integer> go(int a) {
                    int b = await(later(2));
                    return CompletableFuture.completedFuture(a * b);
                }
                """);
        Object r = code.call("p.RetCf", "go", 21);
        assertInstanceOf(CompletableFuture.class, r);
        CompletableFuture<?> f = (CompletableFuture<?>) r;
        assertFalse(f.isDone());
        run();
        assertEquals(42, f.get());
    }

    @Test
    void completionStageReturningMethod() throws Throwable {
        Instrumented code = program("RetStage", """
                @Async public static CompletionStage<String> go() {
                    String s = await(later("stage"));
                    return CompletableFuture.completedFuture(s.toUpperCase());
                }
                """);
        CompletionStage<?> st = (CompletionStage<?>) code.call("p.RetStage", "go");
        CompletableFuture<?> f = st.toCompletableFuture();
        assertFalse(f.isDone());
        run();
        assertEquals("STAGE", f.get());
    }

    @Test
    void returningAnotherPendingTaskAdoptsItsOutcome() throws Throwable {
        Instrumented code = program("RetOther", """
                @Async public static Task<String> go(Task<String> other) {
                    log("before " + await(later(1)));
                    return other;
                }
                """);
        CompletableFuture<String> source = new CompletableFuture<>();
        Task<String> t = start(code, "RetOther", "go", Task.from(source));
        run();
        assertFalse(t.isDone(), "still waiting for the returned task");
        source.complete("adopted");
        assertTrue(t.isDone());
        assertEquals("adopted", t.join());
        assertLog("before 1");
    }

    @Test
    void returningAnotherPendingTaskThatFailsFailsWithTheSameException() throws Throwable {
        Instrumented code = program("RetOtherFails", """
                @Async public static Task<String> go(Task<String> other) {
                    await(later(0));
                    return other;
                }
                """);
        CompletableFuture<String> source = new CompletableFuture<>();
        Task<String> t = start(code, "RetOtherFails", "go", Task.from(source));
        run();
        IllegalStateException e = new IllegalStateException("other failed");
        source.completeExceptionally(e);
        assertSame(e, failure(t));
    }

    @Test
    void returningTheResultOfAnotherAsyncCall() throws Throwable {
        Instrumented code = program("RetCall", """
                @Async static Task<Integer> inner(int x) { return Task.completed(x + await(later(100))); }
                @Async public static Task<Integer> go(int x) {
                    int y = await(later(x));
                    return inner(y * 2);
                }
                """);
        assertEquals(110, (int) drive(code, "RetCall", "go", 5));
    }

    @Test
    void taskDoneGivesNull() throws Throwable {
        Instrumented code = program("RetDone", """
                @Async public static Task<Void> go() {
                    log("ran " + await(later("x")));
                    return Task.done();
                }
                """);
        assertNull(drive(code, "RetDone", "go"));
        assertLog("ran x");
    }

    @Test
    void returningAFailedTaskFailsWithThatException() throws Throwable {
        Instrumented code = program("RetFailed", """
                @Async public static Task<String> go(RuntimeException e) {
                    await(later(0));
                    return Task.failed(e);
                }
                """);
        IllegalArgumentException e = new IllegalArgumentException("failed on purpose");
        Task<String> t = start(code, "RetFailed", "go", e);
        run();
        IllegalArgumentException thrown = assertThrows(IllegalArgumentException.class, t::join);
        assertSame(e, thrown);
    }

    @Test
    void returningAFailedTaskWithCheckedExceptionKeepsItUnwrapped() throws Throwable {
        Instrumented code = program("RetChecked", """
                @Async public static Task<String> go() {
                    String m = await(later("io"));
                    return Task.failed(new java.io.IOException(m));
                }
                """);
        Task<String> t = start(code, "RetChecked", "go");
        run();
        CompletionException joined = assertThrows(CompletionException.class, t::join);
        assertInstanceOf(IOException.class, joined.getCause());
        ExecutionException viaFuture = assertThrows(ExecutionException.class, () -> t.toCompletableFuture().get());
        assertInstanceOf(IOException.class, viaFuture.getCause());
        assertEquals("io", viaFuture.getCause().getMessage());
    }

    @Test
    void completableFutureMethodReturningPendingFuture() throws Throwable {
        Instrumented code = program("RetPendingCf", """
                @Async public static CompletableFuture<String> go(CompletableFuture<String> f) {
                    String a = await(later("a"));
                    return f.thenApply(s -> a + s);
                }
                """);
        CompletableFuture<String> source = new CompletableFuture<>();
        CompletableFuture<?> r = (CompletableFuture<?>) code.call("p.RetPendingCf", "go", source);
        run();
        assertFalse(r.isDone());
        source.complete("b");
        assertEquals("ab", r.getNow(null));
    }

    @Test
    void completionStageMethodFailingWithCheckedExceptionIsUnwrapped() throws Throwable {
        Instrumented code = program("StageFails", """
                static void boom(String s) throws Exception { throw new Exception(s); }
                @Async public static CompletionStage<String> go() throws Exception {
                    boom(await(later("checked")));
                    return CompletableFuture.completedFuture("no");
                }
                """);
        CompletableFuture<?> f = ((CompletionStage<?>) code.call("p.StageFails", "go")).toCompletableFuture();
        run();
        ExecutionException e = assertThrows(ExecutionException.class, f::get);
        assertEquals(Exception.class, e.getCause().getClass());
        assertEquals("checked", e.getCause().getMessage());
    }

    @Test
    void completedNullValue() throws Throwable {
        Instrumented code = program("RetNull", """
                @Async public static Task<String> go() { await(later(1)); return Task.completed(null); }
                """);
        assertNull(drive(code, "RetNull", "go"));
    }

    @Test
    void multipleReturnPointsWithAwaitsBefore() throws Throwable {
        Instrumented code = program("MultiReturn", """
                @Async public static Task<String> go(int k) {
                    int a = await(later(k));
                    if (a < 0) return Task.completed("negative");
                    if (a == 0) { Task<String> t = Task.completed("zero"); return t; }
                    int b = await(later(a * 2));
                    if (b > 10) return Task.failed(new IllegalStateException("big " + b));
                    return Task.completed("small " + b);
                }
                """);
        assertEquals("negative", drive(code, "MultiReturn", "go", -1));
        assertEquals("zero", drive(code, "MultiReturn", "go", 0));
        assertEquals("small 4", drive(code, "MultiReturn", "go", 2));
        assertEquals("big 12", driveToFailure(code, "MultiReturn", "go", 6).getMessage());
    }

    @Test
    void asyncFunctionWithoutAwaitIsDoneOnReturn() throws Throwable {
        Instrumented code = program("NoAwait", """
                @Async public static Task<Integer> go(int x) { log("ran"); return Task.completed(x + 1); }
                """);
        Task<Integer> t = start(code, "NoAwait", "go", 1);
        assertTrue(t.isDone());
        assertEquals(2, t.join());
        assertLog("ran");
    }

    @Test
    void returningNullInsteadOfATaskFailsTheTask() throws Throwable {
        Instrumented code = program("RetNullTask", """
                @Async public static Task<String> go() { await(later(1)); return null; }
                """);
        Throwable t = driveToFailure(code, "RetNullTask", "go");
        assertInstanceOf(NullPointerException.class, t);
    }

    @Test
    void returningAPendingStageFromAStageMethod() throws Throwable {
        Instrumented code = program("RetStagePending", """
                @Async public static CompletionStage<Integer> go() {
                    int a = await(later(1));
                    return later(a + 1).thenApply(x -> x * 10);
                }
                """);
        CompletableFuture<?> f = ((CompletionStage<?>) code.call("p.RetStagePending", "go")).toCompletableFuture();
        assertFalse(f.isDone());
        assertEquals(2, run());
        assertEquals(20, f.getNow(null));
    }
}
