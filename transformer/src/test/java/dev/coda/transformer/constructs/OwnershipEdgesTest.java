package dev.coda.transformer.constructs;

import static dev.coda.transformer.constructs.Driver.*;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.coda.CompletableTask;
import dev.coda.Task;
import dev.coda.transformer.support.Instrumented;
import java.lang.reflect.Field;
import java.util.List;
import java.util.concurrent.CancellationException;
import org.junit.jupiter.api.Test;

/**
 * Edge cases of the documented ownership semantics (docs/ownership.md, docs/cancellation.md): closes that throw or
 * return null, abort causes, cancellation while a close is pending, values in transit, moves, jumps, nesting.
 */
class OwnershipEdgesTest {
    /**
     * A resource whose close behaves per {@code mode}: "ok" (pending until the driver runs), "sync" (done),
     * "later" (fails later), "failed" (a failed task), "throw" (throws synchronously), "null" (returns null),
     * "ct" (a CompletableTask created in the close, kept in {@code held}, whose cancel hook logs). closeAsync logs
     * "close N", abortAsync logs "abort N <cause>".
     */
    static final String RES = """
            static final List<CompletableTask<Void>> held = new ArrayList<>();
            static final class Res implements AsyncCloseable {
                final String name; final String mode;
                Res(String name, String mode) { this.name = name; this.mode = mode; log("open " + name); }
                static Res of(String name) { return new Res(name, "ok"); }
                public Task<Void> closeAsync() { log("close " + name); return finish(); }
                public Task<Void> abortAsync(Throwable cause) {
                    log("abort " + name + " " + (cause == null ? "null" : cause.getClass().getSimpleName()
                            + (cause.getMessage() == null ? "" : ":" + cause.getMessage())));
                    return finish();
                }
                private Task<Void> finish() {
                    RuntimeException f = new IllegalStateException(name + " failed");
                    switch (mode) {
                        case "ok": return laterTask(null);
                        case "sync": return Task.done();
                        case "later": return failLaterTask(f);
                        case "failed": return Task.failed(f);
                        case "throw": throw f;
                        case "null": return null;
                        case "ct": {
                            CompletableTask<Void> t = new CompletableTask<>();
                            t.onCancel(() -> log("close of " + name + " interrupted"));
                            held.add(t);
                            return t;
                        }
                        default: throw new AssertionError(mode);
                    }
                }
            }
            """;

    private static Throwable outcome(Task<?> t) {
        return failure(t);
    }

    @SuppressWarnings("unchecked")
    private static List<CompletableTask<Void>> held(Instrumented code, String cls) throws Exception {
        Field f = code.load("p." + cls).getDeclaredField("held");
        f.setAccessible(true);
        return (List<CompletableTask<Void>>) f.get(null);
    }

    // ---- closes that throw or return null -------------------------------------------------------------------

    @Test
    void aCloseThatFailsWithoutPrimaryIsTheFailureAndTheEnclosingDropsAbortWithIt() throws Throwable {
        Instrumented code = program("SyncThrow", RES + """
                @Async public static Task<String> go() {
                    @Owned Res a = Res.of("a");
                    @Owned Res b = new Res("b", "throw");
                    @Owned Res c = new Res("c", "failed");
                    log("body " + await(later(1)));
                    return Task.completed("unreached");
                }
                """);
        Throwable t = driveToFailure(code, "SyncThrow", "go");
        assertEquals("c failed", t.getMessage());
        assertEquals(1, t.getSuppressed().length, List.of(t.getSuppressed()).toString());
        assertEquals("b failed", t.getSuppressed()[0].getMessage());
        assertLog("open a", "open b", "open c", "body 1", "close c", "abort b IllegalStateException:c failed",
                "abort a IllegalStateException:c failed");
    }

    @Test
    void aCloseThatReturnsNullIsAFailedDropNamingTheClassAndTheEnclosingDropAbortsWithIt() throws Throwable {
        Instrumented code = program("NullClose", RES + """
                @Async public static Task<String> go() {
                    @Owned Res a = Res.of("a");
                    @Owned Res b = new Res("b", "null");
                    log("body " + await(later(1)));
                    return Task.completed("unreached");
                }
                """);
        Throwable t = driveToFailure(code, "NullClose", "go");
        assertInstanceOf(NullPointerException.class, t);
        assertTrue(t.getMessage() != null && t.getMessage().contains("Res") && t.getMessage().contains("closeAsync"),
                "message: " + t.getMessage());
        assertEquals(0, t.getSuppressed().length);
        assertLog("open a", "open b", "body 1", "close b",
                "abort a NullPointerException:closeAsync() of p.NullClose$Res returned null instead of a task");
    }

    @Test
    void withAnExceptionInFlightThrowingAndNullAbortsAreSuppressedInDropOrder() throws Throwable {
        Instrumented code = program("InFlight", RES + """
                @Async public static Task<String> go() {
                    try (Res a = new Res("a", "later"); Res b = new Res("b", "null")) {
                        @Owned Res c = new Res("c", "throw");
                        log("body " + await(later(1)));
                        throw new UnsupportedOperationException("primary");
                    }
                }
                """);
        Throwable t = driveToFailure(code, "InFlight", "go");
        assertEquals("primary", t.getMessage());
        Throwable[] s = t.getSuppressed();
        assertEquals(3, s.length, List.of(s).toString());
        assertEquals("c failed", s[0].getMessage());
        assertInstanceOf(NullPointerException.class, s[1]);
        assertTrue(s[1].getMessage() != null && s[1].getMessage().contains("abortAsync"), "" + s[1].getMessage());
        assertEquals("a failed", s[2].getMessage());
        assertLog("open a", "open b", "open c", "body 1",
                "abort c UnsupportedOperationException:primary",
                "abort b UnsupportedOperationException:primary",
                "abort a UnsupportedOperationException:primary");
    }

    @Test
    void anExceptionCaughtInsideTheScopeEndsItNormally() throws Throwable {
        Instrumented code = program("Caught", RES + """
                @Async public static Task<String> go() {
                    @Owned Res a = Res.of("a");
                    try {
                        @Owned Res b = Res.of("b");
                        await(failLater(new IllegalStateException("x")));
                    } catch (IllegalStateException e) {
                        log("caught");
                    }
                    return Task.completed("ok");
                }
                """);
        assertEquals("ok", drive(code, "Caught", "go"));
        // b's scope ends with the exception in flight (abort), a's normally (close).
        assertLog("open a", "open b", "abort b IllegalStateException:x", "caught", "close a");
    }

    // ---- nested try-with-resources -----------------------------------------------------------------------------

    @Test
    void nestedTryWithResourcesInnerCloseFailsOuterSucceeds() throws Throwable {
        Instrumented code = program("Nested", RES + """
                @Async public static Task<String> go(int k) {
                    try (Res outer = new Res("outer", k == 2 ? "later" : "ok")) {
                        try (Res inner = new Res("inner", "later")) {
                            log("body " + await(later(1)));
                            if (k == 3) throw new UnsupportedOperationException("primary");
                        }
                        log("between");
                    }
                    return Task.completed("unreached");
                }
                """);
        Throwable t = driveToFailure(code, "Nested", "go", 1);
        assertEquals("inner failed", t.getMessage());
        assertEquals(0, t.getSuppressed().length);
        // the outer scope ends with the inner failure in flight: abortAsync with it as the cause
        assertLog("open outer", "open inner", "body 1", "close inner", "abort outer IllegalStateException:inner failed");
        reset();
        t = driveToFailure(code, "Nested", "go", 2);
        assertEquals("inner failed", t.getMessage());
        assertEquals(1, t.getSuppressed().length);
        assertEquals("outer failed", t.getSuppressed()[0].getMessage());
        reset();
        t = driveToFailure(code, "Nested", "go", 3);
        assertEquals("primary", t.getMessage());
        assertEquals(1, t.getSuppressed().length);
        assertEquals("inner failed", t.getSuppressed()[0].getMessage());
        assertLog("open outer", "open inner", "body 1", "abort inner UnsupportedOperationException:primary",
                "abort outer UnsupportedOperationException:primary");
    }

    // ---- cancellation and pending closes --------------------------------------------------------------------

    @Test
    void aCancellationWhileTheLastDropIsPendingDoesNotInterruptItAndTheBodysValueStands() throws Throwable {
        Instrumented code = program("LastDrop", RES + """
                @Async public static Task<String> go() {
                    @Owned Res a = Res.of("a");
                    @Owned Res b = new Res("b", "ct");
                    log("body " + await(later(1)));
                    return Task.completed("done");
                }
                """);
        Task<String> t = start(code, "LastDrop", "go");
        assertTrue(step());
        assertLog("open a", "open b", "body 1", "close b");
        t.cancel();
        assertFalse(t.isDone(), "the close of b is pending");
        List<CompletableTask<Void>> held = held(code, "LastDrop");
        assertEquals(1, held.size());
        assertFalse(held.get(0).isDone(), "b's close was cancelled");
        held.get(0).complete(null);
        run();
        assertTrue(t.isDone());
        assertEquals("done", t.join(), "the body had returned: the transfer completes as its body did");
        assertLog("open a", "open b", "body 1", "close b", "close a");
    }

    @Test
    void aCancellationWhileAnInnerDropIsPendingIsDeliveredAfterItAtTheNextAwait() throws Throwable {
        Instrumented code = program("InnerDrop", RES + """
                @Async public static Task<String> go() {
                    @Owned Res a = Res.of("a");
                    {
                        @Owned Res b = new Res("b", "ct");
                        log("body " + await(later(1)));
                    }
                    log("after b");
                    log("next " + await(later(2)));
                    return Task.completed("unreached");
                }
                """);
        Task<String> t = start(code, "InnerDrop", "go");
        assertTrue(step());
        assertLog("open a", "open b", "body 1", "close b");
        assertTrue(t.cancel());
        List<CompletableTask<Void>> held = held(code, "InnerDrop");
        assertFalse(held.get(0).isDone(), "b's close was cancelled");
        assertFalse(t.isDone());
        held.get(0).complete(null);
        run();
        assertTrue(t.isCancelled());
        List<String> ev = events();
        assertEquals(List.of("open a", "open b", "body 1", "close b", "after b"), ev.subList(0, 5));
        assertEquals(6, ev.size(), ev.toString());
        assertTrue(ev.get(5).startsWith("abort a Cancelled"), ev.toString());
    }

    @Test
    void aCancellationWhileADropIsPendingWithAnExceptionInFlightKeepsTheFailure() throws Throwable {
        Instrumented code = program("DropFail", RES + """
                @Async public static Task<String> go() {
                    @Owned Res a = new Res("a", "ct");
                    log("body " + await(later(1)));
                    throw new UnsupportedOperationException("primary");
                }
                """);
        Task<String> t = start(code, "DropFail", "go");
        assertTrue(step());
        t.cancel();
        List<CompletableTask<Void>> held = held(code, "DropFail");
        assertEquals(1, held.size());
        assertFalse(held.get(0).isDone(), "a's close was cancelled");
        held.get(0).complete(null);
        run();
        assertTrue(t.isDone());
        assertFalse(t.isCancelled(), "no await left to deliver the cancellation at");
        assertEquals("primary", failure(t).getMessage());
        assertLog("open a", "body 1", "abort a UnsupportedOperationException:primary");
    }

    @Test
    void cancellationDropsAbortWithCancelledAndCloseFailuresAreSuppressedOntoTheCancellation() throws Throwable {
        Instrumented code = program("CancelFail", RES + """
                @Async public static Task<String> go(@Owned Res p) {
                    @Owned Res a = new Res("a", "throw");
                    try (Res b = new Res("b", "later")) {
                        log("waiting " + await(later("never")).length());
                    }
                    return Task.completed("unreached");
                }
                """);
        Object p = code.call("p.CancelFail$Res", "of", "p");
        Task<String> t = start(code, "CancelFail", "go", p);
        assertTrue(t.cancel());
        run();
        assertTrue(t.isCancelled());
        // Through join(), which throws the task's own CancellationException: a CompletableFuture view's getNow
        // throws a new one on JDK 25.
        Throwable c = assertThrows(CancellationException.class, t::join);
        List<String> msgs = java.util.Arrays.stream(c.getSuppressed()).map(Throwable::getMessage).toList();
        assertEquals(List.of("b failed", "a failed"), msgs);
        List<String> ev = events();
        assertEquals(6, ev.size(), ev.toString());
        assertTrue(ev.get(3).startsWith("abort b Cancelled"), ev.toString());
        assertTrue(ev.get(4).startsWith("abort a Cancelled"), ev.toString());
        assertTrue(ev.get(5).startsWith("abort p Cancelled"), ev.toString());
    }

    @Test
    void aCatchThrowableThatSwallowsTheCancellationStillEndsCancelledAndDropsOnce() throws Throwable {
        Instrumented code = program("Swallow", RES + """
                @Async public static Task<String> go() {
                    @Owned Res a = Res.of("a");
                    try {
                        @Owned Res b = Res.of("b");
                        await(later("never"));
                    } catch (Throwable th) {
                        log("swallowed " + th.getClass().getSimpleName());
                    }
                    log("after");
                    return Task.completed("swallowed");
                }
                """);
        Task<String> t = start(code, "Swallow", "go");
        assertTrue(t.cancel());
        run();
        assertTrue(t.isCancelled(), "once delivered, the outcome is cancelled");
        List<String> ev = events();
        assertEquals(List.of("open a", "open b"), ev.subList(0, 2));
        assertTrue(ev.get(2).startsWith("abort b Cancelled"), ev.toString());
        assertEquals(List.of("swallowed Cancelled", "after", "close a"), ev.subList(3, ev.size()));
    }

    // ---- values in transit ------------------------------------------------------------------------------------

    @Test
    void aValueInTransitIsAbortedWithTheCancellationAsItsCause() throws Throwable {
        Instrumented code = program("TransitCause", RES + """
                public static Task<Res> opening;
                public static Task<String> self;
                @Async public static Task<String> go() {
                    String s = await(later("s"));
                    self.cancel();
                    @Owned Res c = await(opening);
                    log("unreached");
                    return Task.completed(s);
                }
                """);
        Class<?> c = code.load("p.TransitCause");
        Task<String> t = start(code, "TransitCause", "go");
        c.getDeclaredField("self").set(null, t);
        c.getDeclaredField("opening").set(null, Task.completed(code.call("p.TransitCause$Res", "of", "r")));
        assertTrue(step());
        run();
        assertTrue(t.isCancelled());
        List<String> ev = events();
        assertEquals(2, ev.size(), ev.toString());
        assertTrue(ev.get(1).startsWith("abort r Cancelled"), ev.toString());
    }

    @Test
    void aValueAForeignProducerDeliversAfterTheCancellationIsClosedWhenItArrives() throws Throwable {
        Instrumented code = program("Foreign", RES + """
                public static CompletableTask<Res> opening;
                @Async public static Task<String> go() {
                    @Owned Res a = Res.of("a");
                    @Owned Res c = await(opening);
                    log("unreached");
                    return Task.completed("x");
                }
                """);
        CompletableTask<Object> opening = new CompletableTask<>();
        code.load("p.Foreign").getDeclaredField("opening").set(null, opening);
        Task<String> t = start(code, "Foreign", "go");
        assertTrue(t.cancel());
        run();
        assertTrue(t.isCancelled(), "stops waiting at once for a foreign task");
        assertEquals(2, events().size(), events().toString());
        assertTrue(events().get(1).startsWith("abort a Cancelled"), events().toString());
        opening.complete(code.call("p.Foreign$Res", "of", "late"));
        run();
        List<String> ev = events();
        assertEquals(4, ev.size(), "the late value must be closed when it arrives: " + ev);
        assertTrue(ev.get(3).startsWith("abort late") || ev.get(3).equals("close late"), ev.toString());
    }

    // ---- moves -----------------------------------------------------------------------------------------------

    @Test
    void aMoveIntoAnAsyncCallWhoseBodyThrowsBeforeItsFirstAwaitIsDroppedByTheCallee() throws Throwable {
        Instrumented code = program("MoveThrow", RES + """
                @Async static Task<String> consume(@Owned Res r, boolean fail) {
                    if (fail) throw new IllegalStateException("consume failed");
                    return Task.completed(r.name + await(later("!")));
                }
                @Async public static Task<String> go() {
                    @Owned Res a = Res.of("a");
                    log("body " + await(later(1)));
                    try {
                        return Task.completed(await(consume(Coda.move(a), true)));
                    } catch (IllegalStateException e) {
                        log("caught " + e.getMessage());
                    }
                    return Task.completed("end");
                }
                """);
        assertEquals("end", drive(code, "MoveThrow", "go"));
        assertLog("open a", "body 1", "abort a IllegalStateException:consume failed", "caught consume failed");
    }

    @Test
    void aMoveWhoseReceiverNeverTakesItIsNotClosedTwice() throws Throwable {
        Instrumented code = program("MoveLost", RES + """
                @Async static Task<String> consume(@Owned Res r, String s) {
                    return Task.completed(r.name + s + await(later("!")));
                }
                static String boom() { throw new IllegalStateException("boom"); }
                @Async public static Task<String> go() {
                    @Owned Res a = Res.of("a");
                    log("body " + await(later(1)));
                    return Task.completed(await(consume(Coda.move(a), boom())));
                }
                """);
        Throwable t = driveToFailure(code, "MoveLost", "go");
        assertEquals("boom", t.getMessage());
        long closes = events().stream().filter(e -> e.startsWith("close a") || e.startsWith("abort a")).count();
        assertTrue(closes <= 1, events().toString());
        log("observed " + closes);
    }

    @Test
    void anOwnedLocalReassignedAfterAMoveInALoopIsDroppedOncePerValue() throws Throwable {
        Instrumented code = program("Reassign", RES + """
                @Async static Task<String> consume(@Owned Res r) {
                    return Task.completed(r.name + await(later("")));
                }
                @Async public static Task<String> go() {
                    @Owned Res a = Res.of("a0");
                    String got = "";
                    outer:
                    for (int i = 1; i <= 4; i++) {
                        for (int j = 0; j < 2; j++) {
                            if (i == 2) {
                                got += await(consume(Coda.move(a)));
                                a = Res.of("a" + i);
                                continue outer;
                            }
                            if (i == 3 && j == 1) {
                                got += await(consume(Coda.move(a)));
                                a = i == 3 ? null : Res.of("never");
                                break;
                            }
                            if (i == 4) {
                                Res old = Coda.move(a);
                                a = Res.of("a4");
                                log("old " + old);
                                break outer;
                            }
                        }
                    }
                    return Task.completed(got);
                }
                """);
        assertEquals("a0a2", drive(code, "Reassign", "go"));
        assertLog("open a0", "close a0", "open a2", "close a2", "open a4", "old null", "close a4");
    }

    @Test
    void returningAMovedOwnedValueOutOfATryWithResourcesAndOfAnOwnedLocal() throws Throwable {
        Instrumented code = program("MoveOut", RES + """
                @Async static Task<Res> fromTwr() {
                    @Owned Res other = Res.of("other");
                    try (Res a = Res.of("a")) {
                        log("body " + await(later(1)));
                        return Task.completed(Coda.move(a));
                    } finally {
                        log("finally");
                    }
                }
                @Async static Task<Res> fromLocal(boolean move) {
                    @Owned Res b = Res.of("b");
                    log("body " + await(later(2)));
                    return Task.completed(move ? Coda.move(b) : null);
                }
                @Async public static Task<String> go() {
                    @Owned Res x = await(fromTwr());
                    @Owned Res y = await(fromLocal(true));
                    Res z = await(fromLocal(false));
                    log("got " + x.name + y.name + z);
                    return Task.completed("ok");
                }
                """);
        assertEquals("ok", drive(code, "MoveOut", "go"));
        assertLog("open other", "open a", "body 1", "finally", "close other",
                "open b", "body 2", "open b", "body 2", "close b", "got abnull", "close b", "close a");
    }

    // ---- lambdas, switch expressions, explicit close --------------------------------------------------------

    @Test
    void anOwnedParameterOfAnAsyncLambdaIsDroppedOnThrowBeforeTheFirstAwaitAndOnCancel() throws Throwable {
        Instrumented code = program("LambdaOwned", RES + """
                interface H { Task<String> h(Res r, int k); }
                static final H h = (@Owned Res r, int k) -> {
                    @Owned Res inner = Res.of("inner" + k);
                    if (k == 1) throw new IllegalStateException("early");
                    return Task.completed(r.name + await(later("never")));
                };
                public static Task<String> go(int k) { return h.h(Res.of("r" + k), k); }
                """);
        Task<String> t = start(code, "LambdaOwned", "go", 1);
        run();
        assertEquals("early", failure(t).getMessage());
        assertLog("open r1", "open inner1", "abort inner1 IllegalStateException:early",
                "abort r1 IllegalStateException:early");
        reset();
        t = start(code, "LambdaOwned", "go", 2);
        assertTrue(t.cancel());
        run();
        assertTrue(t.isCancelled());
        List<String> ev = events();
        assertEquals(4, ev.size(), ev.toString());
        assertTrue(ev.get(2).startsWith("abort inner2 Cancelled") && ev.get(3).startsWith("abort r2 Cancelled"),
                ev.toString());
    }

    @Test
    void anOwnedValueInASwitchExpressionArmThatThrowsOrIsCancelled() throws Throwable {
        Instrumented code = program("SwitchArm", RES + """
                @Async public static Task<String> go(int k) {
                    @Owned Res outer = Res.of("outer");
                    String s = "p" + switch (k) {
                        case 1 -> {
                            @Owned Res r = Res.of("r");
                            try (Res t = Res.of("t")) {
                                if (await(later(k)) == 1) throw new IllegalArgumentException("arm");
                                yield "x";
                            }
                        }
                        case 2 -> {
                            @Owned Res r = Res.of("r");
                            yield r.name + await(later("never"));
                        }
                        default -> { @Owned Res r = Res.of("d"); yield "d" + Coda.move(r).name; }
                    };
                    log("made " + s);
                    return Task.completed(s);
                }
                """);
        Throwable f = driveToFailure(code, "SwitchArm", "go", 1);
        assertEquals("arm", f.getMessage());
        assertLog("open outer", "open r", "open t", "abort t IllegalArgumentException:arm",
                "abort r IllegalArgumentException:arm", "abort outer IllegalArgumentException:arm");
        reset();
        Task<String> t = start(code, "SwitchArm", "go", 2);
        assertTrue(t.cancel());
        run();
        assertTrue(t.isCancelled());
        List<String> ev = events();
        assertEquals(4, ev.size(), ev.toString());
        assertTrue(ev.get(2).startsWith("abort r Cancelled") && ev.get(3).startsWith("abort outer Cancelled"),
                ev.toString());
        reset();
        t = start(code, "SwitchArm", "go", 3);
        run();
        assertEquals("pdd", t.join());
        assertLog("open outer", "open d", "made pdd", "close outer");
    }

    @Test
    void anExplicitCloseIsTheDropAndAThrowingExplicitCloseIsNotRetried() throws Throwable {
        Instrumented code = program("Explicit", RES + """
                @Async public static Task<String> go(boolean fail) {
                    @Owned Res a = new Res("a", fail ? "throw" : "ok");
                    @Owned Res b = Res.of("b");
                    log("body " + await(later(1)));
                    a.close();
                    log("closed a");
                    return Task.completed("ok");
                }
                """);
        assertEquals("ok", drive(code, "Explicit", "go", false));
        assertLog("open a", "open b", "body 1", "close a", "closed a", "close b");
        reset();
        Throwable t = driveToFailure(code, "Explicit", "go", true);
        assertEquals("a failed", t.getMessage());
        assertLog("open a", "open b", "body 1", "close a", "abort b IllegalStateException:a failed");
    }

    @Test
    void aBreakOutOfALabeledLoopThroughAFailingDropRunsTheOtherDropsAndFails() throws Throwable {
        Instrumented code = program("LabeledFail", RES + """
                @Async public static Task<String> go() {
                    @Owned Res top = Res.of("top");
                    outer:
                    for (int i = 0; i < 3; i++) {
                        try (Res t = Res.of("t" + i)) {
                            for (int j = 0; j < 3; j++) {
                                @Owned Res v = new Res("v" + i + j, i == 1 && j == 1 ? "later" : "sync");
                                log("step " + await(later(i * 10 + j)));
                                if (j == 0) continue;
                                if (i == 1) break outer;
                                continue outer;
                            }
                        }
                    }
                    log("after loop");
                    return Task.completed("unreached");
                }
                """);
        Throwable f = driveToFailure(code, "LabeledFail", "go");
        assertEquals("v11 failed", f.getMessage());
        assertEquals(0, f.getSuppressed().length);
        assertLog("open top", "open t0", "open v00", "step 0", "close v00", "open v01", "step 1", "close v01",
                "close t0", "open t1", "open v10", "step 10", "close v10", "open v11", "step 11", "close v11",
                "abort t1 IllegalStateException:v11 failed", "abort top IllegalStateException:v11 failed");
    }

    @Test
    void twoResourcesOfOneTryWithResourcesAreBothAbortedWithThePrimary() throws Throwable {
        Instrumented code = program("TwoRes", RES + """
                @Async public static Task<String> go() {
                    try (Res a = Res.of("a"); Res b = Res.of("b")) {
                        log("body " + await(later(1)));
                        throw new UnsupportedOperationException("primary");
                    }
                }
                """);
        Throwable t = driveToFailure(code, "TwoRes", "go");
        assertEquals("primary", t.getMessage());
        assertLog("open a", "open b", "body 1", "abort b UnsupportedOperationException:primary",
                "abort a UnsupportedOperationException:primary");
    }

    /** A break and a continue leave one finally from one loop body: javac writes both copies into one gap. */
    @Test
    void aBreakAndAContinueLeavingOneFinallyFromOneLoopBodyEachDropTheInnerLocal() throws Throwable {
        Instrumented code = program("BreakContFinally", RES + """
                @Async public static Task<String> go() {
                    outer:
                    for (int i = 0; i < 3; i++) {
                        try {
                            for (int j = 0; j < 3; j++) {
                                @Owned Res v = new Res("v" + i + j, "sync");
                                log("step " + await(later(i * 10 + j)));
                                if (i == 1) break outer;
                                continue outer;
                            }
                        } finally {
                            log("finally " + i);
                        }
                    }
                    return Task.completed("ok");
                }
                """);
        assertEquals("ok", drive(code, "BreakContFinally", "go"));
        assertLog("open v00", "step 0", "close v00", "finally 0", "open v10", "step 10", "close v10", "finally 1");
    }

    /** The same with a try-with-resources, whose closes are the copies, and a pending close on the continue path. */
    @Test
    void aBreakAndAContinueLeavingOneTryWithResourcesFromOneLoopBodyEachDropTheInnerLocal() throws Throwable {
        Instrumented code = program("BreakContTwr", RES + """
                @Async public static Task<String> go() {
                    outer:
                    for (int i = 0; i < 3; i++) {
                        try (Res t = new Res("t" + i, "sync")) {
                            for (int j = 0; j < 3; j++) {
                                @Owned Res v = new Res("v" + i + j, i == 0 ? "ok" : "sync");
                                log("step " + await(later(i * 10 + j)));
                                if (j == 0) continue;
                                if (i == 1) break outer;
                                continue outer;
                            }
                        }
                    }
                    return Task.completed("ok");
                }
                """);
        assertEquals("ok", drive(code, "BreakContTwr", "go"));
        assertLog("open t0", "open v00", "step 0", "close v00", "open v01", "step 1", "close v01", "close t0",
                "open t1", "open v10", "step 10", "close v10", "open v11", "step 11", "close v11", "close t1");
    }

    /**
     * A normal close followed by the throw of an exception the body made, in a slot the enclosing handler uses for
     * the exception it catches: an ordinary close, not an abort.
     */
    @Test
    void aCloseBeforeThrowingAnExceptionTheBodyMadeIsAnOrdinaryClose() throws Throwable {
        Instrumented code = program("MadeThrow", RES + """
                @Async public static Task<String> go() {
                    try (Res outer = Res.of("outer")) {
                        RuntimeException e = new IllegalStateException("made");
                        try (Res inner = Res.of("inner")) {
                            log("body " + await(later(1)));
                        }
                        throw e;
                    }
                }
                """);
        Throwable t = driveToFailure(code, "MadeThrow", "go");
        assertEquals("made", t.getMessage());
        assertLog("open outer", "open inner", "body 1", "close inner", "abort outer IllegalStateException:made");
    }

    /** ECJ merges each resource's failure into the primary before it closes the next outer one. */
    @Test
    void threeResourcesOfOneTryWithResourcesAreAllAbortedWithThePrimaryAndTheirFailuresSuppressed() throws Throwable {
        Instrumented code = program("ThreeRes", RES + """
                @Async public static Task<String> go() {
                    try (Res a = new Res("a", "failed"); Res b = Res.of("b"); Res c = new Res("c", "throw")) {
                        log("body " + await(later(1)));
                        throw new UnsupportedOperationException("primary");
                    }
                }
                """);
        Throwable t = driveToFailure(code, "ThreeRes", "go");
        assertEquals("primary", t.getMessage());
        Throwable[] s = t.getSuppressed();
        assertEquals(2, s.length, List.of(s).toString());
        assertEquals("c failed", s[0].getMessage());
        assertEquals("a failed", s[1].getMessage());
        assertLog("open a", "open b", "open c", "body 1", "abort c UnsupportedOperationException:primary",
                "abort b UnsupportedOperationException:primary", "abort a UnsupportedOperationException:primary");
    }

    @Test
    void aContinueOfAnOuterLoopFromAnInnerLoopInsideATryWithResourcesDropsTheInnerLocal() throws Throwable {
        Instrumented code = program("ContOuter", RES + """
                @Async public static Task<String> go() {
                    outer:
                    for (int i = 0; i < 2; i++) {
                        try (Res t = Res.of("t" + i)) {
                            for (int j = 0; j < 2; j++) {
                                @Owned Res v = Res.of("v" + i + j);
                                log("step " + await(later(j)));
                                continue outer;
                            }
                        }
                    }
                    return Task.completed("ok");
                }
                """);
        assertEquals("ok", drive(code, "ContOuter", "go"));
        assertLog("open t0", "open v00", "step 0", "close v00", "close t0",
                "open t1", "open v10", "step 0", "close v10", "close t1");
    }

    @Test
    void aContinueOfAnOuterLoopFromAnInnerLoopWithoutTryWithResourcesDropsTheInnerLocal() throws Throwable {
        Instrumented code = program("ContOuterPlain", RES + """
                @Async public static Task<String> go() {
                    outer:
                    for (int i = 0; i < 2; i++) {
                        @Owned Res t = Res.of("t" + i);
                        for (int j = 0; j < 2; j++) {
                            @Owned Res v = Res.of("v" + i + j);
                            log("step " + await(later(j)));
                            continue outer;
                        }
                    }
                    return Task.completed("ok");
                }
                """);
        assertEquals("ok", drive(code, "ContOuterPlain", "go"));
        assertLog("open t0", "open v00", "step 0", "close v00", "close t0",
                "open t1", "open v10", "step 0", "close v10", "close t1");
    }

    @Test
    void anInnerContinueThenAContinueOfTheOuterLoopFromInsideATryWithResourcesDropsTheInnerLocal() throws Throwable {
        Instrumented code = program("ContBoth", RES + """
                @Async public static Task<String> go() {
                    outer:
                    for (int i = 0; i < 2; i++) {
                        try (Res t = Res.of("t" + i)) {
                            for (int j = 0; j < 2; j++) {
                                @Owned Res v = Res.of("v" + i + j);
                                log("step " + await(later(j)));
                                if (j == 0) continue;
                                continue outer;
                            }
                        }
                    }
                    return Task.completed("ok");
                }
                """);
        assertEquals("ok", drive(code, "ContBoth", "go"));
        assertLog("open t0", "open v00", "step 0", "close v00", "open v01", "step 1", "close v01", "close t0",
                "open t1", "open v10", "step 0", "close v10", "open v11", "step 1", "close v11", "close t1");
    }
}
