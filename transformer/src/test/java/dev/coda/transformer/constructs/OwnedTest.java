package dev.coda.transformer.constructs;

import static dev.coda.transformer.constructs.Driver.*;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.coda.Task;
import dev.coda.transformer.support.InMemoryCompiler;
import dev.coda.transformer.support.Instrumented;
import java.util.concurrent.CancellationException;
import org.junit.jupiter.api.Test;

/** {@code @Owned} locals and parameters: dropped on every exit of their scope. */
class OwnedTest {
    static final String RES = """
            static final class Res implements AsyncCloseable {
                final String name; final boolean suspend; final RuntimeException failure;
                Res(String name, boolean suspend, RuntimeException failure) {
                    this.name = name; this.suspend = suspend; this.failure = failure; log("open " + name);
                }
                static Res of(String name) { return new Res(name, true, null); }
                static Res failing(String name) { return new Res(name, false, new IllegalStateException(name + " failed")); }
                public Task<Void> closeAsync() {
                    log("close " + name);
                    if (failure != null) return suspend ? failLaterTask(failure) : Task.failed(failure);
                    return suspend ? laterTask(null) : Task.done();
                }
            }
            """;

    @Test
    void aLocalIsDroppedAtTheEndOfItsBlockInnerBeforeOuter() throws Throwable {
        Instrumented code = program("Blocks", RES + """
                @Async public static Task<String> go() {
                    @Owned Res a = Res.of("a");
                    {
                        @Owned Res b = await(laterTask(Res.of("b")));
                        log("use " + b.name + await(later(1)));
                    }
                    log("between");
                    @Owned Res c = Res.of("c");
                    log("end");
                    return Task.completed("ok");
                }
                """);
        assertEquals("ok", drive(code, "Blocks", "go"));
        assertLog("open a", "open b", "use b1", "close b", "between", "open c", "end", "close c", "close a");
    }

    @Test
    void breakContinueAndReturnDropTheValuesTheyLeave() throws Throwable {
        Instrumented code = program("Loops", RES + """
                @Async public static Task<String> go(int stop) {
                    for (int i = 0; i < 5; i++) {
                        @Owned Res r = Res.of("r" + i);
                        if (i == 1) continue;
                        if (i == stop) return Task.completed("returned " + i);
                        if (i == 3) break;
                        log("body " + i);
                    }
                    return Task.completed("done");
                }
                """);
        assertEquals("done", drive(code, "Loops", "go", 9));
        assertLog("open r0", "body 0", "close r0", "open r1", "close r1", "open r2", "body 2", "close r2",
                "open r3", "close r3");
        reset();
        assertEquals("returned 2", drive(code, "Loops", "go", 2));
        assertLog("open r0", "body 0", "close r0", "open r1", "close r1", "open r2", "close r2");
    }

    @Test
    void anExceptionDropsWithFailuresSuppressedInReverseOrder() throws Throwable {
        Instrumented code = program("Throws", RES + """
                @Async public static Task<String> go() {
                    @Owned Res a = Res.failing("a");
                    @Owned Res b = Res.failing("b");
                    await(later(0));
                    throw new UnsupportedOperationException("primary");
                }
                """);
        Throwable t = driveToFailure(code, "Throws", "go");
        assertEquals("primary", t.getMessage());
        assertEquals(2, t.getSuppressed().length);
        assertEquals("b failed", t.getSuppressed()[0].getMessage());
        assertEquals("a failed", t.getSuppressed()[1].getMessage());
        assertLog("open a", "open b", "close b", "close a");
    }

    @Test
    void withoutAPrimaryTheFirstDropFailureWinsAndTheRestAreSuppressed() throws Throwable {
        Instrumented code = program("NoPrimary", RES + """
                @Async public static Task<String> go() {
                    @Owned Res a = Res.failing("a");
                    @Owned Res b = Res.failing("b");
                    await(later(0));
                    return Task.completed("unreached");
                }
                """);
        Throwable t = driveToFailure(code, "NoPrimary", "go");
        assertEquals("b failed", t.getMessage());
        assertEquals(1, t.getSuppressed().length);
        assertEquals("a failed", t.getSuppressed()[0].getMessage());
        assertLog("open a", "open b", "close b", "close a");
    }

    @Test
    void returnThroughFinallyDropsBeforeTheFinallyRunsAndOnlyOnce() throws Throwable {
        Instrumented code = program("Finally", RES + """
                @Async public static Task<String> go(boolean early) {
                    try {
                        @Owned Res a = Res.of("a");
                        if (early) return Task.completed("early");
                        log("body");
                    } finally {
                        log("finally " + await(later(1)));
                    }
                    return Task.completed("late");
                }
                """);
        assertEquals("early", drive(code, "Finally", "go", true));
        assertLog("open a", "close a", "finally 1");
        reset();
        assertEquals("late", drive(code, "Finally", "go", false));
        assertLog("open a", "body", "close a", "finally 1");
    }

    @Test
    void aFailingCloseOnReturnThroughFinallyStillRunsTheFinallyOnce() throws Throwable {
        Instrumented code = program("FinallyFails", RES + """
                @Async public static Task<String> go() {
                    try {
                        @Owned Res a = Res.failing("a");
                        return Task.completed("early");
                    } finally {
                        log("finally");
                    }
                }
                """);
        Throwable t = driveToFailureNoSuspend(code, "FinallyFails", "go");
        assertEquals("a failed", t.getMessage());
        assertLog("open a", "close a", "finally");
    }

    @Test
    void conditionalInitialisationDropsOnlyWhatWasStored() throws Throwable {
        Instrumented code = program("Conditional", RES + """
                @Async public static Task<String> go(boolean open) {
                    @Owned Res r = open ? Res.of("r") : null;
                    log("got " + (r != null) + await(later("")));
                    return Task.completed("ok");
                }
                """);
        assertEquals("ok", drive(code, "Conditional", "go", false));
        assertLog("got false");
        reset();
        assertEquals("ok", drive(code, "Conditional", "go", true));
        assertLog("open r", "got true", "close r");
    }

    @Test
    void aMovedLocalIsNotDroppedAndItsNewOwnerDropsIt() throws Throwable {
        Instrumented code = program("Move", RES + """
                @Async static Task<String> consume(@Owned Res r) {
                    log("consume " + r.name + await(later("")));
                    return Task.completed(r.name);
                }
                @Async public static Task<String> go() {
                    @Owned Res a = Res.of("a");
                    String n = await(consume(Coda.move(a)));
                    log("after move");
                    a = Res.of("a2");
                    return Task.completed(n);
                }
                """);
        assertEquals("a", drive(code, "Move", "go"));
        assertLog("open a", "consume a", "close a", "after move", "open a2", "close a2");
    }

    @Test
    void anOwnedParameterIsDroppedAtFunctionExitOnEveryPath() throws Throwable {
        Instrumented code = program("Params", RES + """
                @Async public static Task<String> go(@Owned Res p, @Owned Res q, int k) {
                    try {
                        if (k == 1) return Task.completed("one " + await(later(1)));
                        if (k == 2) throw new IllegalStateException("two");
                        log("body");
                    } finally {
                        log("finally");
                    }
                    return Task.completed("end");
                }
                """);
        Class<?> res = code.load("p.Params$Res");
        for (int k = 1; k <= 3; k++) {
            reset();
            Object p = code.call("p.Params$Res", "of", "p");
            Object q = code.call("p.Params$Res", "of", "q");
            Task<String> t = start(code, "Params", "go", p, q, k);
            run();
            assertTrue(t.isDone());
            if (k == 2) assertEquals("two", failure(t).getMessage());
            else assertEquals(k == 1 ? "one 1" : "end", t.join());
            String middle = k == 3 ? "body" : null;
            if (middle == null) assertLog("open p", "open q", "finally", "close q", "close p");
            else assertLog("open p", "open q", "body", "finally", "close q", "close p");
        }
        assertTrue(res.getName().endsWith("Res"));
    }

    static final String SPAWN = """
            static final ArrayDeque<Runnable> queue = new ArrayDeque<>();
            static void runQueue() { Runnable r; while ((r = queue.poll()) != null) r.run(); }
            @Async static Task<String> handle(@Owned Res p, long wide, Res unowned, @Owned Res q) {
                log("body " + wide);
                return Task.completed("handled " + await(later(1)));
            }
            final String name = "instance";
            @Async Task<String> mine(@Owned Res p) {
                log("body " + name);
                return Task.completed(name);
            }
            @Async static Task<String> plain(Res r) {
                return Task.completed(r.name + await(later(1)));
            }
            static Task<String> spawnHandle(Res p, Res q) {
                return TaskScope.open(queue::add).spawn(() -> handle(p, 7L, null, q));
            }
            static Task<String> spawnMine(Res p) {
                Spawn self = new Spawn();
                return TaskScope.open(queue::add).spawn(() -> self.mine(p));
            }
            """;

    /** {@code spawnHandle(p, q)} of a freshly compiled {@link #SPAWN}: a child deferred to the queue. */
    private static Task<String> spawnHandle(Instrumented code) throws Throwable {
        Object p = code.call("p.Spawn$Res", "of", "p");
        Object q = code.call("p.Spawn$Res", "of", "q");
        return start(code, "Spawn", "spawnHandle", p, q);
    }

    @Test
    void aSpawnedTaskCancelledBeforeItsBodyRanDropsItsOwnedParametersInReverseOrder() throws Throwable {
        Instrumented code = program("Spawn", RES + SPAWN);
        Task<String> t = spawnHandle(code);
        assertFalse(t.isDone());
        assertTrue(t.cancel());
        assertEquals(1, pendingCount(), "q's close suspends, and p's waits for it");
        assertFalse(t.isDone(), "the task reports cancelled only after its cleanup");
        run();
        assertTrue(t.isCancelled());
        assertTrue(failure(t) instanceof CancellationException);
        code.call("p.Spawn", "runQueue");
        assertLog("open p", "open q", "close q", "close p");

        reset();
        Object r = code.call("p.Spawn$Res", "of", "r");
        Task<String> m = start(code, "Spawn", "spawnMine", r);
        m.cancel();
        run();
        code.call("p.Spawn", "runQueue");
        assertTrue(m.isCancelled());
        assertLog("open r", "close r");
    }

    @Test
    void aSpawnedTaskThatStartsRunsOnTheExecutorAndDropsItsParametersAtExit() throws Throwable {
        Instrumented code = program("Spawn", RES + SPAWN);
        Task<String> t = spawnHandle(code);
        assertLog("open p", "open q");
        code.call("p.Spawn", "runQueue");
        run();
        assertEquals("handled 1", t.join());
        assertLog("open p", "open q", "body 7", "close q", "close p");
    }

    @Test
    void onlyStateMachinesWithOwnedParametersOverrideOwnedParameters() throws Throwable {
        Instrumented code = program("Spawn", RES + SPAWN);
        for (String sm : new String[] {"handle", "mine"}) {
            var m = code.load("p.Spawn$$Coda$" + sm).getDeclaredMethod("ownedParameters", Object[].class);
            assertTrue(m.isSynthetic(), sm);
        }
        assertThrows(NoSuchMethodException.class,
                () -> code.load("p.Spawn$$Coda$plain").getDeclaredMethod("ownedParameters", Object[].class));
    }

    @Test
    void anAsyncLambdaOwnsItsOwnedParameterAfterItsCaptures() throws Throwable {
        Instrumented code = program("LambdaParam", RES + """
                interface Handler { Task<String> handle(int n, Res r); }
                public static Task<String> go() {
                    String prefix = "got ";
                    Handler h = (int n, @Owned Res r) -> {
                        log("use " + r.name + n);
                        return Task.completed(prefix + await(later(n)));
                    };
                    return h.handle(1, Res.of("r"));
                }
                final String name = "this";
                static final ArrayDeque<Runnable> queue = new ArrayDeque<>();
                Task<String> spawnCapturingThis() {
                    Handler h = (int n, @Owned Res r) -> {
                        log("use " + r.name + n + name);
                        return Task.completed(name + await(later(n)));
                    };
                    return TaskScope.open(queue::add).spawn(() -> h.handle(2, Res.of("s")));
                }
                public static Task<String> cancelBeforeStart() {
                    Task<String> t = new LambdaParam().spawnCapturingThis();
                    t.cancel();
                    queue.forEach(Runnable::run);
                    return t;
                }
                """);
        assertEquals("got 1", drive(code, "LambdaParam", "go"));
        assertLog("open r", "use r1", "close r");
        reset();
        Task<String> t = start(code, "LambdaParam", "cancelBeforeStart");
        run();
        assertTrue(t.isCancelled());
        assertLog("open s", "close s");
    }

    @Test
    void aMethodReferenceToAnAsyncMethodWithAnOwnedParameterShiftsNothing() throws Throwable {
        Instrumented code = program("MethodRef", RES + """
                final String name = "m";
                @Async Task<String> handle(@Owned Res r) {
                    log("use " + r.name);
                    return Task.completed(name + await(later(r.name)));
                }
                public static Task<String> go() {
                    BiFunction<MethodRef, Res, Task<String>> unbound = MethodRef::handle;
                    return unbound.apply(new MethodRef(), Res.of("r"));
                }
                """);
        assertEquals("mr", drive(code, "MethodRef", "go"));
        assertLog("open r", "use r", "close r");
    }

    /**
     * A {@code continue} as the last statement of a loop body leaves the scope of the body's owned locals. ECJ
     * writes it as a conditional jump to the very end of their scope (both of its ways lead there), javac as a jump
     * past it: either way each is dropped once per iteration.
     */
    @Test
    void aContinueAtTheEndOfALoopBodyDropsItsLocals() throws Throwable {
        Instrumented code = program("LoopContinue", RES + """
                static boolean yes() { return true; }
                @Async public static Task<String> go() {
                    for (int i = 0; i < 2; i++) {
                        @Owned Res v = Res.of("v" + i);
                        log("step " + await(later(i)));
                        if (yes()) continue;
                    }
                    return Task.completed("ok");
                }
                """);
        assertEquals("ok", drive(code, "LoopContinue", "go"));
        assertLog("open v0", "step 0", "close v0", "open v1", "step 1", "close v1");
    }

    /**
     * {@code try (x)} over an {@code @Owned} local or parameter: the compiler closes a hidden copy of {@code x}, and
     * that close is {@code x}'s, so its scope's end does not close it a second time.
     */
    @Test
    void tryOverAnOwnedVariableClosesItOnce() throws Throwable {
        Instrumented code = program("TryOwned", RES + """
                @Async public static Task<String> local() {
                    @Owned Res x = Res.of("x");
                    try (x) {
                        log("body " + await(later(1)));
                    }
                    log("after");
                    return Task.completed("ok");
                }
                @Async public static Task<String> parameter(@Owned Res p) {
                    try (p) {
                        log("body " + await(later(2)));
                    }
                    log("after");
                    return Task.completed("ok");
                }
                @Async public static Task<String> callsParameter() {
                    return Task.completed(await(parameter(Res.of("p"))));
                }
                """);
        assertEquals("ok", drive(code, "TryOwned", "local"));
        assertLog("open x", "body 1", "close x", "after");
        reset();
        assertEquals("ok", drive(code, "TryOwned", "callsParameter"));
        assertLog("open p", "body 2", "close p", "after");
    }

    @Test
    void anExceptionalExitCancelsTheChildrenOfAScopeItDropsANormalExitWaitsForThem() throws Throwable {
        exitsOfAScope();
    }

    /**
     * The same compiled by ECJ, whatever compiler this run uses: its try-with-resources handler differs from javac's
     * (a handler of any type, a null check before suppressing), and must pass the exception in flight all the same.
     */
    @Test
    void anExceptionalExitCancelsTheChildrenOfAScopeUnderEcjToo() throws Throwable {
        InMemoryCompiler.using("ecj", () -> {
            exitsOfAScope();
            return null;
        });
    }

    private void exitsOfAScope() throws Throwable {
        Instrumented code = program("ScopeExit", RES + """
                @Async static Task<String> serve(@Owned Res r, CompletableFuture<String> in) {
                    log("serve " + r.name);
                    try {
                        return Task.completed(await(in));
                    } finally {
                        log("served " + r.name);
                    }
                }
                @Async public static Task<String> resource() {
                    try (TaskScope scope = TaskScope.open()) {
                        scope.spawn(() -> serve(Res.of("a"), new CompletableFuture<>()));
                        await(later(1));
                        throw new IllegalStateException("owner failed");
                    }
                }
                @Async public static Task<String> owned() {
                    @Owned TaskScope scope = TaskScope.open();
                    scope.spawn(() -> serve(Res.of("b"), new CompletableFuture<>()));
                    await(later(1));
                    throw new IllegalStateException("owner failed");
                }
                @Async public static Task<String> normal() {
                    Task<String> child;
                    try (TaskScope scope = TaskScope.open()) {
                        child = scope.spawn(() -> serve(Res.of("c"), later("x")));
                        await(later(1));
                    }
                    return Task.completed("child " + await(child));
                }
                """);
        for (String method : new String[] {"resource", "owned"}) {
            reset();
            Throwable failure = driveToFailure(code, "ScopeExit", method);
            assertEquals("owner failed", failure.getMessage());
            assertEquals(0, failure.getSuppressed().length, "a cancelled child without cleanup failures adds nothing");
            String r = method.equals("resource") ? "a" : "b";
            assertLog("open " + r, "serve " + r, "served " + r, "close " + r);
        }
        reset();
        assertEquals("child x", drive(code, "ScopeExit", "normal"));
        assertLog("open c", "serve c", "served c", "close c");
    }

    @Test
    void onlyATryWithResourcesHandlerPassesTheExceptionInFlightNotAUsersCatch() throws Throwable {
        Instrumented code = program("NotInFlight", RES + """
                @Async static Task<String> serve(@Owned Res r, CompletableFuture<String> in) {
                    log("serve " + r.name);
                    String v = await(in);
                    log("got " + r.name + v); // not reached if the child is cancelled
                    return Task.completed(v);
                }
                @Async public static Task<String> emptyCatchBeforeTheClose() {
                    try (TaskScope scope = TaskScope.open()) {
                        scope.spawn(() -> serve(Res.of("a"), later("!")));
                        try {
                            await(failLater(new IllegalStateException("swallowed")));
                        } catch (IllegalStateException ignored) {
                        }
                    }
                    return Task.completed("left");
                }
                @Async public static Task<String> closedInAUsersCatch() {
                    TaskScope scope = TaskScope.open();
                    scope.spawn(() -> serve(Res.of("b"), later("!")));
                    try {
                        await(failLater(new IllegalStateException("handled")));
                        return Task.completed("unreached");
                    } catch (IllegalStateException e) {
                        scope.close(); // handled: a normal close, which waits for the child
                        return Task.completed("recovered");
                    }
                }
                """);
        assertEquals("left", drive(code, "NotInFlight", "emptyCatchBeforeTheClose"));
        assertLog("open a", "serve a", "got a!", "close a");
        reset();
        assertEquals("recovered", drive(code, "NotInFlight", "closedInAUsersCatch"));
        assertLog("open b", "serve b", "got b!", "close b");
    }

    @Test
    void cancellationDropsEveryLiveValueBeforeTheTaskReportsCancelled() throws Throwable {
        Instrumented code = program("Cancel", RES + """
                @Async public static Task<String> go(@Owned Res p) {
                    @Owned Res a = Res.of("a");
                    {
                        @Owned Res b = Res.of("b");
                        log("waiting");
                        await(later("never"));
                    }
                    return Task.completed("unreached");
                }
                """);
        Object p = code.call("p.Cancel$Res", "of", "p");
        Task<String> t = start(code, "Cancel", "go", p);
        assertLog("open p", "open a", "open b", "waiting");
        assertTrue(t.cancel());
        assertFalse(t.isDone());
        run();
        assertTrue(t.isCancelled());
        assertTrue(failure(t) instanceof CancellationException);
        assertLog("open p", "open a", "open b", "waiting", "close b", "close a", "close p");
    }

    // ---- found by the ownership fuzzer ------------------------------------------------------------------------

    /** A break out of a try-with-resources: javac closes the resource before the jump, the inner value first. */
    @Test
    void breakOutOfTryWithResourcesDropsTheInnerOwnedValueBeforeTheResource() throws Throwable {
        Instrumented code = program("BreakTwr", RES + """
                @Async public static Task<String> go() {
                    for (int i = 0; i < 2; i++) {
                        try (Res t = Res.of("t" + i)) {
                            @Owned Res v = Res.of("v" + i);
                            log("body " + await(later(i)));
                            if (i == 0) break;
                        }
                    }
                    return Task.completed("ok");
                }
                """);
        assertEquals("ok", drive(code, "BreakTwr", "go"));
        assertLog("open t0", "open v0", "body 0", "close v0", "close t0");
    }

    /** The normal exit of a try-with-resources body that also has a return: javac splits the try's range. */
    @Test
    void normalExitOfATryWithResourcesBodyWithAReturnDropsTheInnerValue() throws Throwable {
        Instrumented code = program("TwrReturn", RES + """
                @Async public static Task<String> go(boolean early) {
                    try (Res t = Res.of("t")) {
                        @Owned Res v = Res.of("v");
                        if (early) return Task.completed("early");
                        log("body " + await(later(1)));
                    }
                    return Task.completed("late");
                }
                """);
        assertEquals("late", drive(code, "TwrReturn", "go", false));
        assertLog("open t", "open v", "body 1", "close v", "close t");
    }

    /** A cancellation delivered in the finally code a return inlined: the finally does not run a second time. */
    @Test
    void aCancellationDeliveredInInlinedFinallyCodeDoesNotRunTheFinallyTwice() throws Throwable {
        Instrumented code = program("InlinedFinally", RES + """
                @Async public static Task<String> go() {
                    @Owned Res v2 = Res.of("v2");
                    try {
                        @Owned Res v3 = Res.of("v3");
                        if (v3 != null) return Task.completed("early");
                        log("unreached");
                    } finally {
                        log("finally " + await(Task.completed(1)));
                    }
                    return Task.completed("late");
                }
                """);
        Task<String> t = start(code, "InlinedFinally", "go");
        assertTrue(t.cancel(), "requested while v3's close suspends");
        run();
        assertTrue(t.isCancelled());
        assertLog("open v2", "open v3", "close v3", "close v2");
    }

    /** A close that fails where the scope falls off the end of a try block: the finally still runs. */
    @Test
    void aFailingDropAtTheEndOfATryBlockRunsItsFinally() throws Throwable {
        Instrumented code = program("EndOfTry", RES + """
                static boolean never() { return false; }
                @Async public static Task<String> go() {
                    try {
                        @Owned Res v = new Res("v", true, new IllegalStateException("v failed"));
                        if (never()) return Task.completed("early");
                        log("body " + await(later(1)));
                    } finally {
                        log("finally");
                    }
                    return Task.completed("late");
                }
                """);
        Task<String> t = start(code, "EndOfTry", "go");
        run();
        assertEquals("v failed", failure(t).getMessage());
        assertLog("open v", "body 1", "close v", "finally");
    }

    // ---- found by review ---------------------------------------------------------------------------------------

    /** A return of a ternary whose arms each call Task.completed: both arms meet the glue. */
    @Test
    void aTernaryReturnOfFactoriesDropsOnBothArms() throws Throwable {
        Instrumented code = program("TernaryReturn", RES + """
                @Async public static Task<String> go(@Owned Res p, boolean x) {
                    @Owned Res c = Res.of("c");
                    log("body " + await(later(1)));
                    return x ? Task.completed("a") : Task.completed("b");
                }
                """);
        for (boolean x : new boolean[] {true, false}) {
            reset();
            Object p = code.call("p.TernaryReturn$Res", "of", "p");
            Task<String> t = start(code, "TernaryReturn", "go", p, x);
            run();
            assertEquals(x ? "a" : "b", t.join());
            assertLog("open p", "open c", "body 1", "close c", "close p");
        }
    }

    /** A multi-catch around a scope catches every one of its types, also from the scope's drop handler. */
    @Test
    void aMultiCatchAroundAScopeCatchesEachOfItsTypes() throws Throwable {
        Instrumented code = program("MultiCatch", RES + """
                static void fail(int k) throws java.io.IOException {
                    if (k == 1) throw new IllegalStateException("ise");
                    if (k == 2) throw new java.io.IOException("ioe");
                }
                @Async public static Task<String> go(int k) {
                    try {
                        @Owned Res c = Res.of("c");
                        log("body " + await(later(k)));
                        fail(k);
                    } catch (IllegalStateException | java.io.IOException e) {
                        return Task.completed("caught " + e.getMessage());
                    }
                    return Task.completed("none");
                }
                """);
        assertEquals("caught ise", drive(code, "MultiCatch", "go", 1));
        assertLog("open c", "body 1", "close c");
        reset();
        assertEquals("caught ioe", drive(code, "MultiCatch", "go", 2));
        assertLog("open c", "body 2", "close c");
    }

    /** A value produced for a ternary's owned store is in transit too: cancelled there, it is closed. */
    @Test
    void aValueInTransitThroughATernaryIsDroppedOnCancellation() throws Throwable {
        Instrumented code = program("TernaryTransit", RES + """
                public static Task<Res> opening;
                public static Task<String> self;
                @Async public static Task<String> go(boolean open) {
                    String s = await(later("s"));
                    self.cancel();
                    @Owned Res c = open ? await(opening) : null;
                    log("unreached");
                    return Task.completed(s);
                }
                """);
        Class<?> c = code.load("p.TernaryTransit");
        Task<String> t = start(code, "TernaryTransit", "go", true);
        c.getDeclaredField("self").set(null, t);
        c.getDeclaredField("opening").set(null, Task.completed(code.call("p.TernaryTransit$Res", "of", "r")));
        assertTrue(step());
        run();
        assertTrue(t.isCancelled());
        assertLog("open r", "close r");
    }

    private static Throwable driveToFailureNoSuspend(Instrumented code, String cls, String method) throws Throwable {
        Task<?> t = start(code, cls, method);
        run();
        return failure(t);
    }
}
