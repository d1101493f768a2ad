package dev.coda.transformer.constructs;

import static dev.coda.transformer.constructs.Driver.*;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.coda.Task;
import dev.coda.transformer.support.Instrumented;
import java.io.IOException;
import java.io.UncheckedIOException;
import org.junit.jupiter.api.Test;

/** Awaits in try blocks, catch blocks and finally blocks, on normal and exceptional paths. */
class TryCatchFinallyTest {

    @Test
    void awaitedFailureCaughtInTheSameMethod() throws Throwable {
        Instrumented code = program("CatchAwaited", """
                @Async public static Task<String> go(RuntimeException e) {
                    String where = "before";
                    try {
                        where = "inside";
                        int v = await(failLater(e));
                        return Task.completed("no " + v);
                    } catch (IllegalStateException caught) {
                        return Task.completed(where + " caught " + caught.getMessage() + " same=" + (caught == e));
                    }
                }
                """);
        assertEquals("inside caught boom same=true", drive(code, "CatchAwaited", "go", new IllegalStateException("boom")));
        IllegalArgumentException other = new IllegalArgumentException("not caught");
        assertSame(other, driveToFailure(code, "CatchAwaited", "go", other));
    }

    @Test
    void awaitInsideCatchBlock() throws Throwable {
        Instrumented code = program("AwaitInCatch", """
                @Async public static Task<String> go(String in) {
                    try {
                        return Task.completed("parsed " + Integer.parseInt(in));
                    } catch (NumberFormatException e) {
                        String fallback = await(later("fallback"));
                        return Task.completed(fallback + " for " + e.getMessage().contains(in));
                    }
                }
                """);
        assertEquals("fallback for true", drive(code, "AwaitInCatch", "go", "xyz"));
        assertEquals("parsed 12", start(code, "AwaitInCatch", "go", "12").join());
    }

    @Test
    void awaitInsideFinallyOnNormalPath() throws Throwable {
        Instrumented code = program("FinallyNormal", """
                @Async public static Task<Integer> go() {
                    int x = 1;
                    try {
                        x += await(later(10));
                        log("try " + x);
                    } finally {
                        x += await(later(100));
                        log("finally " + x);
                    }
                    log("after " + x);
                    return Task.completed(x);
                }
                """);
        assertEquals(111, (int) drive(code, "FinallyNormal", "go"));
        assertLog("try 11", "finally 111", "after 111");
    }

    @Test
    void awaitInsideFinallyOnExceptionalPathThenRethrow() throws Throwable {
        Instrumented code = program("FinallyThrow", """
                @Async public static Task<Integer> go(RuntimeException e) {
                    try {
                        log("try");
                        await(failLater(e));
                        log("unreachable");
                    } finally {
                        log("finally " + await(later("f")));
                    }
                    return Task.completed(0);
                }
                """);
        IllegalStateException e = new IllegalStateException("x");
        Task<Integer> t = start(code, "FinallyThrow", "go", e);
        assertTrue(step());
        assertFalse(t.isDone(), "the finally block awaits a pending future before the failure completes the task");
        assertTrue(step());
        assertSame(e, failure(t));
        assertLog("try", "finally f");
    }

    @Test
    void returnFromTryRunsAwaitingFinallyBeforeCompletion() throws Throwable {
        Instrumented code = program("ReturnThroughFinally", """
                @Async public static Task<String> go() {
                    String s = "a";
                    try {
                        s += await(later("b"));
                        return Task.completed(s);
                    } finally {
                        s += "!";
                        log("finally saw " + s + await(later("c")));
                    }
                }
                """);
        assertEquals("ab", drive(code, "ReturnThroughFinally", "go"));
        assertLog("finally saw ab!c");
    }

    @Test
    void returnInFinallyOverridesException() throws Throwable {
        Instrumented code = program("FinallyReturn", """
                @SuppressWarnings("finally")
                @Async public static Task<String> go() {
                    try {
                        await(failLater(new IllegalStateException("lost")));
                        return Task.completed("try");
                    } finally {
                        return Task.completed("finally " + await(later(1)));
                    }
                }
                """);
        assertEquals("finally 1", drive(code, "FinallyReturn", "go"));
    }

    @Test
    void nestedTriesInnerFinallyOuterCatch() throws Throwable {
        Instrumented code = program("Nested", """
                @Async public static Task<String> go() {
                    try {
                        try {
                            log("inner " + await(later(1)));
                            throw new IllegalArgumentException("inner-failure");
                        } finally {
                            log("inner finally " + await(later(2)));
                        }
                    } catch (IllegalArgumentException e) {
                        log("outer catch " + e.getMessage() + " " + await(later(3)));
                        return Task.completed("recovered");
                    } finally {
                        log("outer finally");
                    }
                }
                """);
        assertEquals("recovered", drive(code, "Nested", "go"));
        assertLog("inner 1", "inner finally 2", "outer catch inner-failure 3", "outer finally");
    }

    @Test
    void multiCatchOfAwaitedFailures() throws Throwable {
        Instrumented code = program("MultiCatch", """
                @Async public static Task<String> go(RuntimeException e) {
                    try {
                        return Task.completed("v" + await(failLaterTask(e)));
                    } catch (IllegalStateException | UnsupportedOperationException caught) {
                        return Task.completed(caught.getClass().getSimpleName() + ":" + caught.getMessage());
                    }
                }
                """);
        assertEquals("IllegalStateException:a", drive(code, "MultiCatch", "go", new IllegalStateException("a")));
        assertEquals("UnsupportedOperationException:b", drive(code, "MultiCatch", "go", new UnsupportedOperationException("b")));
    }

    @Test
    void catchWrapsCheckedExceptionWithCause() throws Throwable {
        Instrumented code = program("Wrap", """
                static void check(String s) throws java.io.IOException { if (s.isEmpty()) throw new java.io.IOException("empty"); }
                @Async public static Task<String> go() {
                    try {
                        String s = await(later(""));
                        check(s);
                        return Task.completed(s);
                    } catch (java.io.IOException e) {
                        throw new java.io.UncheckedIOException("wrapped", e);
                    }
                }
                """);
        Throwable t = driveToFailure(code, "Wrap", "go");
        assertInstanceOf(UncheckedIOException.class, t);
        assertEquals("wrapped", t.getMessage());
        assertInstanceOf(IOException.class, t.getCause());
        assertEquals("empty", t.getCause().getMessage());
    }

    @Test
    void tryCatchInsideLoopRecoversEachIteration() throws Throwable {
        Instrumented code = program("LoopCatch", """
                @Async public static Task<String> go() {
                    StringBuilder sb = new StringBuilder();
                    for (int i = 0; i < 4; i++) {
                        try {
                            if (i % 2 == 1) await(failLater(new RuntimeException("e" + i)));
                            else sb.append(await(later(i)));
                        } catch (RuntimeException e) {
                            sb.append(e.getMessage());
                            continue;
                        } finally {
                            sb.append('/');
                        }
                        sb.append(';');
                    }
                    return Task.completed(sb.toString());
                }
                """);
        assertEquals("0/;e1/2/;e3/", drive(code, "LoopCatch", "go"));
    }

    @Test
    void exceptionThrownByCodeAfterResumeIsCaughtByEnclosingHandler() throws Throwable {
        Instrumented code = program("AfterResume", """
                @Async public static Task<String> go(String key) {
                    Map<String, String> m = new HashMap<>();
                    try {
                        String v = await(later(key));
                        return Task.completed(m.get(v).trim());
                    } catch (NullPointerException e) {
                        return Task.completed("missing " + key);
                    }
                }
                """);
        assertEquals("missing k", drive(code, "AfterResume", "go", "k"));
    }

    @Test
    void catchParameterLiveAcrossAwaitInCatch() throws Throwable {
        Instrumented code = program("CatchParam", """
                @Async public static Task<String> go() {
                    try {
                        await(failLater(new IllegalStateException("first")));
                        return Task.completed("no");
                    } catch (IllegalStateException e) {
                        String more = await(later("second"));
                        e.addSuppressed(new RuntimeException(more));
                        throw e;
                    }
                }
                """);
        Throwable t = driveToFailure(code, "CatchParam", "go");
        assertInstanceOf(IllegalStateException.class, t);
        assertEquals("first", t.getMessage());
        assertEquals(1, t.getSuppressed().length);
        assertEquals("second", t.getSuppressed()[0].getMessage());
    }

    @Test
    void localReadOnlyByTheHandlerSurvivesTheSuspension() throws Throwable {
        Instrumented code = program("HandlerOnly", """
                @Async public static Task<String> go(String ctx) {
                    String context = "ctx:" + ctx;
                    long started = 42L;
                    try {
                        String v = await(failLater(new IllegalStateException("e")));
                        return Task.completed(v);
                    } catch (IllegalStateException e) {
                        return Task.completed(context + " " + started + " " + e.getMessage());
                    }
                }
                """);
        assertEquals("ctx:a 42 e", drive(code, "HandlerOnly", "go", "a"));
    }

    @Test
    void handlerSeesTheLatestValueWrittenAfterAResumption() throws Throwable {
        Instrumented code = program("LatestValue", """
                @Async public static Task<String> go() {
                    int step = 0;
                    String trail = "";
                    try {
                        step = 1; trail += "a";
                        await(later(0));
                        step = 2; trail += "b";
                        await(failLater(new RuntimeException("x")));
                        step = 3; trail += "c";
                    } catch (RuntimeException e) {
                        return Task.completed(step + trail);
                    } finally {
                        log("finally " + step + trail);
                    }
                    return Task.completed("none");
                }
                """);
        assertEquals("2ab", drive(code, "LatestValue", "go"));
        assertLog("finally 2ab");
    }
}
