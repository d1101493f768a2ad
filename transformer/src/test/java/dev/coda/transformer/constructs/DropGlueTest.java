package dev.coda.transformer.constructs;

import static dev.coda.transformer.constructs.Driver.*;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.coda.Task;
import dev.coda.transformer.support.Instrumented;
import java.util.concurrent.CancellationException;
import org.junit.jupiter.api.Test;

/** Try-with-resources over AsyncCloseable: closeAsync() awaited on every exit, with drop flags. */
class DropGlueTest {
    private static final String RES = OwnedTest.RES;

    @Test
    void closesAreAwaitedInReverseOrderOnNormalExit() throws Throwable {
        Instrumented code = program("Normal", RES + """
                @Async public static Task<String> go() {
                    try (Res a = Res.of("a"); Res b = await(laterTask(Res.of("b")))) {
                        log("body " + await(later(1)));
                    }
                    log("after");
                    return Task.completed("ok");
                }
                """);
        assertEquals("ok", drive(code, "Normal", "go"));
        assertLog("open a", "open b", "body 1", "close b", "close a", "after");
    }

    @Test
    void earlyReturnAndExceptionsCloseToo() throws Throwable {
        Instrumented code = program("Exits", RES + """
                @Async public static Task<String> go(int k) {
                    try (Res a = Res.of("a")) {
                        if (k == 1) return Task.completed("early " + await(later(k)));
                        if (k == 2) throw new IllegalStateException("boom");
                        log("body");
                    }
                    return Task.completed("end");
                }
                """);
        assertEquals("early 1", drive(code, "Exits", "go", 1));
        assertLog("open a", "close a");
        reset();
        Throwable t = driveToFailure(code, "Exits", "go", 2);
        assertEquals("boom", t.getMessage());
        assertLog("open a", "close a");
    }

    @Test
    void closeFailuresFollowTheJlsRules() throws Throwable {
        Instrumented code = program("Failures", RES + """
                @Async public static Task<String> go(boolean primary) {
                    try (Res a = new Res("a", true, new IllegalStateException("a failed"));
                         Res b = new Res("b", false, new IllegalArgumentException("b failed"))) {
                        if (primary) throw new UnsupportedOperationException("primary");
                    }
                    return Task.completed("unreached");
                }
                """);
        Throwable p = driveToFailure(code, "Failures", "go", true);
        assertEquals("primary", p.getMessage());
        assertEquals(2, p.getSuppressed().length);
        assertEquals("b failed", p.getSuppressed()[0].getMessage());
        assertEquals("a failed", p.getSuppressed()[1].getMessage());
        reset();
        Throwable first = driveToFailure(code, "Failures", "go", false);
        assertEquals("b failed", first.getMessage());
        assertEquals(1, first.getSuppressed().length);
        assertEquals("a failed", first.getSuppressed()[0].getMessage());
    }

    @Test
    void aMovedResourceIsNotClosed() throws Throwable {
        Instrumented code = program("Moves", RES + """
                static Res kept;
                @Async public static Task<String> go(boolean move) {
                    try (Res a = Res.of("a")) {
                        await(later(0));
                        if (move) kept = Coda.move(a);
                    }
                    return Task.completed(kept == null ? "none" : kept.name);
                }
                """);
        assertEquals("a", drive(code, "Moves", "go", true));
        assertLog("open a");
    }

    @Test
    void cancellationClosesTheResourceAndTheTaskEndsCancelledAfterTheClose() throws Throwable {
        Instrumented code = program("Cancel", RES + """
                @Async public static Task<String> go() {
                    try (Res a = Res.of("a")) {
                        log("got " + await(later("x")));
                        return Task.completed("unreached");
                    }
                }
                """);
        Task<String> t = start(code, "Cancel", "go");
        assertTrue(t.cancel());
        assertLog("open a", "close a");
        assertFalse(t.isDone(), "not cancelled before the close finished");
        t.cancel();
        run();
        assertTrue(t.isCancelled());
        assertTrue(failure(t) instanceof CancellationException);
        assertLog("open a", "close a");
    }

    @Test
    void aCloseThatStartedIsNotCancelled() throws Throwable {
        Instrumented code = program("CloseRuns", RES + """
                @Async public static Task<String> go() {
                    try (Res a = Res.of("a")) {
                        log("body");
                    }
                    log("after close");
                    String v = await(later("next"));
                    log("unreached " + v);
                    return Task.completed(v);
                }
                """);
        Task<String> t = start(code, "CloseRuns", "go");
        assertLog("open a", "body", "close a");
        t.cancel();
        assertFalse(t.isDone());
        assertTrue(step(), "the close completes");
        assertLog("open a", "body", "close a", "after close");
        assertTrue(t.isCancelled(), "delivered at the next await");
    }

    @Test
    void aValueInTransitIsDroppedWhenTheCancellationIsDeliveredAtItsAwait() throws Throwable {
        Instrumented code = program("Transit", RES + """
                public static Task<Res> opening;
                public static Task<String> self;
                @Async public static Task<String> go() {
                    String s = await(later("s"));
                    self.cancel();
                    try (Res a = await(opening)) {
                        log("unreached");
                    }
                    return Task.completed(s);
                }
                """);
        Class<?> c = code.load("p.Transit");
        Task<String> t = start(code, "Transit", "go");
        c.getDeclaredField("self").set(null, t);
        c.getDeclaredField("opening").set(null, Task.completed(code.call("p.Transit$Res", "of", "r")));
        assertTrue(step());
        assertLog("open r", "close r");
        assertFalse(t.isDone(), "waits for the close of the value in transit");
        run();
        assertTrue(t.isCancelled());
    }
}
