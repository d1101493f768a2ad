package dev.coda.tests.errors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.coda.Task;
import dev.coda.tests.support.SourceLines;
import dev.coda.tests.support.Events;
import java.io.IOException;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Exceptions through real rewritten classes: identity, checked exceptions, stack traces, join(). */
class ExceptionsTest {
    private static final SourceLines SOURCE = new SourceLines("src/test/java/dev/coda/tests/errors/Failing.java");

    @BeforeEach
    void reset() {
        Events.take();
    }

    private static int line(String name) {
        return SOURCE.line(name);
    }

    private static void assertFrame(StackTraceElement frame, String method, int line) {
        assertEquals(Failing.class.getName(), frame.getClassName(), frame.toString());
        assertEquals(method, frame.getMethodName(), frame.toString());
        assertEquals("Failing.java", frame.getFileName(), frame.toString());
        assertEquals(line, frame.getLineNumber(), frame.toString());
    }

    @Test
    void awaitedRuntimeFailureIsCaughtAsTheSameInstance() {
        IllegalArgumentException error = new IllegalArgumentException("bad");
        StackTraceElement[] before = error.getStackTrace().clone();
        CompletableFuture<String> f = new CompletableFuture<>();
        Task<Throwable> t = Failing.catchAwaited(f);
        f.completeExceptionally(error);
        assertSame(error, t.join());
        assertEquals(List.of(before), List.of(error.getStackTrace()).subList(0, before.length),
                "the exception's own frames stay first, unchanged (the async frames follow them)");
    }

    @Test
    void failureOfADependentStageIsUnwrappedFromCompletionException() {
        IllegalStateException error = new IllegalStateException("source");
        CompletableFuture<String> source = new CompletableFuture<>();
        Task<Throwable> t = Failing.catchAwaited(source.thenApply(s -> s + "!"));
        source.completeExceptionally(error);
        assertSame(error, t.join());
    }

    @Test
    void uncaughtFailureAndErrorPropagateUnwrapped() {
        UnsupportedOperationException error = new UnsupportedOperationException("x");
        CompletableFuture<String> f = new CompletableFuture<>();
        Task<String> t = Failing.propagate(f);
        f.completeExceptionally(error);
        assertSame(error, assertThrows(UnsupportedOperationException.class, t::join));

        StackOverflowError err = new StackOverflowError("not really");
        CompletableFuture<String> g = new CompletableFuture<>();
        Task<String> u = Failing.propagate(g);
        g.completeExceptionally(err);
        assertSame(err, assertThrows(StackOverflowError.class, u::join));
    }

    @Test
    void checkedExceptionOfAnAwaitedFutureIsCaughtAsItself() {
        IOException error = new IOException("disk");
        CompletableFuture<String> f = new CompletableFuture<>();
        Task<IOException> t = Failing.catchChecked(f);
        assertFalse(t.isDone());
        f.completeExceptionally(error);
        assertSame(error, t.join());
        assertEquals(List.of("caught disk"), Events.take());
    }

    @Test
    void checkedExceptionThrownAfterResumingFailsTheTaskUnwrapped() throws Exception {
        CompletableFuture<String> f = new CompletableFuture<>();
        Task<String> t = Failing.throwCheckedAfterResuming(f);
        f.complete("");
        CompletionException joined = assertThrows(CompletionException.class, t::join, "join wraps a checked exception");
        IOException error = (IOException) joined.getCause();
        assertEquals("empty after resuming", error.getMessage());
        ExecutionException got = assertThrows(ExecutionException.class, () -> t.toCompletableFuture().get());
        assertSame(error, got.getCause());
        assertEquals("caught IOException " + System.identityHashCode(error), Failing.awaitTheCheckedFailure(t).join(),
                "awaiting it in async code gives the same instance, unwrapped");
    }

    @Test
    void exceptionBeforeTheFirstAwaitFailsTheTaskInsteadOfEscapingTheCall() {
        CompletableFuture<String> f = new CompletableFuture<>();
        Task<String> t = Failing.failBeforeAnyAwait(null, f);
        assertTrue(t.isDone());
        assertThrows(NullPointerException.class, t::join);
        assertEquals(List.of("entered"), Events.take());
        assertFalse(f.isDone());
    }

    @Test
    void stackTraceOfAThrowAfterResumingPointsAtTheSourceLine() {
        CompletableFuture<Integer> f = new CompletableFuture<>();
        Task<Integer> t = Failing.throwAfterResuming(f);
        f.complete(3);
        IllegalStateException e = assertThrows(IllegalStateException.class, t::join);
        assertEquals("after resuming 3", e.getMessage());
        assertFrame(e.getStackTrace()[0], "throwAfterResuming", line("afterResuming"));
    }

    @Test
    void stackTraceOfAHelperFailingAfterTwoResumptionsNamesBothSourceLines() {
        CompletableFuture<Integer> f = new CompletableFuture<>();
        CompletableFuture<Integer> g = new CompletableFuture<>();
        Task<Integer> t = Failing.helperFailsAfterResuming(f, g);
        f.complete(1);
        g.complete(0);
        ArithmeticException e = assertThrows(ArithmeticException.class, t::join);
        assertFrame(e.getStackTrace()[0], "divide", line("divide"));
        assertFrame(e.getStackTrace()[1], "helperFailsAfterResuming", line("callsDivide"));
    }

    @Test
    void stackTraceOfAnAsyncLambdaFailingAfterResumingPointsAtItsLine() {
        CompletableFuture<String> f = new CompletableFuture<>();
        Task<String> t = Failing.lambdaFailingAfterResuming(f).get();
        f.complete("a,b");
        ArrayIndexOutOfBoundsException e = assertThrows(ArrayIndexOutOfBoundsException.class, t::join);
        StackTraceElement top = e.getStackTrace()[0];
        assertEquals(Failing.class.getName(), top.getClassName());
        assertTrue(top.getMethodName().startsWith("lambda$lambdaFailingAfterResuming$"), top.toString());
        assertEquals("Failing.java", top.getFileName());
        assertEquals(line("lambda"), top.getLineNumber());
    }

    @Test
    void failureThroughAChainOfAsyncCallsRunsEachFinallyInnermostFirst() {
        CompletableFuture<String> f = new CompletableFuture<>();
        Task<String> t = Failing.level1(f);
        assertEquals(List.of(), Events.take());
        IllegalStateException error = new IllegalStateException("deep");
        f.completeExceptionally(error);
        assertSame(error, assertThrows(IllegalStateException.class, t::join));
        assertEquals(List.of("finally 3", "finally 2", "finally 1"), Events.take());
        assertEquals(0, error.getSuppressed().length);
    }

    @Test
    void joinBlocksUntilAnotherThreadCompletesAndRethrowsAsSpecified() throws Exception {
        CompletableFuture<Integer> f = new CompletableFuture<>();
        Task<Integer> t = Failing.throwAfterResuming(f);
        CountDownLatch joining = new CountDownLatch(1);
        Thread completer = new Thread(() -> {
            try {
                joining.await(10, TimeUnit.SECONDS);
                Thread.sleep(50);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            f.complete(0);
        }, "completer");
        completer.start();
        joining.countDown();
        assertEquals(0, t.join(), "join waited for the other thread");
        completer.join();
        assertTrue(t.isDone());

        CompletableFuture<Integer> g = new CompletableFuture<>();
        Task<Integer> u = Failing.throwAfterResuming(g);
        new Thread(() -> g.complete(5), "completer2").start();
        IllegalStateException unchecked = assertThrows(IllegalStateException.class, u::join, "unchecked: as it was thrown");
        assertEquals("after resuming 5", unchecked.getMessage());
        assertNull(unchecked.getCause());
    }

    @Test
    void constructorFailingInNewWithAnAwaitedArgumentPointsAtTheNewExpression() {
        CompletableFuture<Integer> ok = new CompletableFuture<>();
        Task<Failing.Amount> fine = Failing.newWithAwaitedArgument(10L, ok);
        ok.complete(-3);
        assertEquals(7L, fine.join().value);

        CompletableFuture<Integer> delta = new CompletableFuture<>();
        Task<Failing.Amount> t = Failing.newWithAwaitedArgument(1L, delta);
        delta.complete(-2);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, t::join);
        assertEquals("negative: -1", e.getMessage());
        StackTraceElement ctor = e.getStackTrace()[0];
        assertEquals(Failing.Amount.class.getName(), ctor.getClassName());
        assertEquals("<init>", ctor.getMethodName());
        assertEquals(line("amountCtor"), ctor.getLineNumber());
        assertFrame(e.getStackTrace()[1], "newWithAwaitedArgument", line("newAmount"));
    }
}
