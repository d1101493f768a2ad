package dev.coda.tests.scope;

import static dev.coda.Coda.await;
import static dev.coda.tests.support.Events.log;

import dev.coda.Async;
import dev.coda.AsyncCloseable;
import dev.coda.Task;
import dev.coda.TaskScope;
import dev.coda.tests.children.Children;
import dev.coda.tests.support.Res;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.function.Supplier;

/**
 * Async code at the edges of structured concurrency: children not awaited, task scopes, cancellation, nesting,
 * cleanup work. Its building blocks are {@link Children}'s.
 */
public final class ScopeEdges {
    private ScopeEdges() {}

    // ---- building blocks -------------------------------------------------------------------------------------

    /** Its finally block throws {@code cleanupError}. */
    @Async
    public static Task<String> brokenCleanup(String name, CompletableFuture<String> in, RuntimeException cleanupError) {
        log(name + " started");
        try {
            return Task.completed(await(in));
        } finally {
            log(name + " unwound");
            if (cleanupError != null) throw cleanupError;
        }
    }

    /** Fails at once, without suspending. */
    @Async
    public static Task<String> failNow(String name, RuntimeException error) {
        log(name + " fails");
        await(Task.completed("x"));
        throw error;
    }

    /** Throws {@code error}; its try-with-resources drop then waits for {@code closing}, where no request is met. */
    @Async
    public static Task<String> failsAfterItsDrop(String name, CompletableFuture<Void> closing, RuntimeException error) {
        try (Res r = new Res(name, closing)) {
            log(name + " throws");
            throw error;
        }
    }

    /** A resource whose close starts async work it does not await. */
    public static final class Flusher implements AsyncCloseable {
        private final CompletableFuture<String> flush;
        private final RuntimeException error;

        public Flusher(CompletableFuture<String> flush, RuntimeException error) {
            this.flush = flush;
            this.error = error;
        }

        @Override
        public Task<Void> closeAsync() {
            log("close flusher");
            Children.audit("drop-work", flush, error);
            return Task.done();
        }
    }

    @Async
    public static Task<Integer> plusOne(Task<Integer> x) {
        return Task.completed(await(x) + 1);
    }

    // ---- children not awaited ------------------------------------------------------------------------------

    @Async
    public static Task<String> forgetsTwo(CompletableFuture<String> a, RuntimeException ea, CompletableFuture<String> b,
            RuntimeException eb) {
        Children.audit("a", a, ea);
        Children.audit("b", b, eb);
        log("parent returns");
        return Task.completed("p");
    }

    @Async
    public static Task<String> forgetsTwoThenThrows(CompletableFuture<String> a, RuntimeException ea,
            CompletableFuture<String> b, RuntimeException eb, CompletableFuture<String> gate, RuntimeException own) {
        Children.audit("a", a, ea);
        Children.audit("b", b, eb);
        await(gate);
        throw own;
    }

    @Async
    public static Task<String> forgetsThreeThenThrows(CompletableFuture<String> a, CompletableFuture<String> b,
            CompletableFuture<String> c, RuntimeException own) {
        Children.audit("a", a, null);
        Children.audit("b", b, null);
        Children.audit("c", c, null);
        log("parent throws");
        throw own;
    }

    /** Awaits and handles one child's failure, forgets another. */
    @Async
    public static Task<String> handlesOneForgetsOne(CompletableFuture<String> a, RuntimeException ea,
            CompletableFuture<String> b, RuntimeException eb) {
        Children.audit("b", b, eb);
        try {
            await(Children.audit("a", a, ea));
        } catch (RuntimeException e) {
            log("handled " + e.getMessage());
        }
        return Task.completed("p");
    }

    /** An async lambda that starts a child and does not await it. */
    @Async
    public static Task<String> awaitsALambdaThatForgets(CompletableFuture<String> in, RuntimeException error) {
        Supplier<Task<String>> block = () -> {
            Children.audit("inner", in, error);
            log("lambda returns");
            return Task.completed(await(Task.completed("L")));
        };
        String v = await(block.get());
        log("outer got " + v);
        return Task.completed(v);
    }

    /** An async lambda with a slow child, awaiting {@code gate}. */
    @Async
    public static Task<String> awaitsALambdaWithASlowChild(CompletableFuture<String> in,
            CompletableFuture<String> cleanup, CompletableFuture<String> gate) {
        Supplier<Task<String>> block = () -> {
            Children.slowToStop("inner", in, cleanup);
            return Task.completed(await(gate));
        };
        return Task.completed(await(block.get()));
    }

    /** Starts work in its finally block while an exception is in flight. */
    @Async
    public static Task<String> startsWorkInFinallyThenThrows(CompletableFuture<String> gate,
            CompletableFuture<String> flush, RuntimeException own) {
        try {
            await(gate);
            throw own;
        } finally {
            Children.audit("flush", flush, null);
        }
    }

    /** Owns a resource whose close starts work it does not await. */
    @Async
    public static Task<String> ownsAFlusher(CompletableFuture<String> gate, CompletableFuture<String> flush,
            RuntimeException error) {
        try (Flusher f = new Flusher(flush, error)) {
            return Task.completed(await(gate));
        }
    }

    @Async
    public static Task<String> returnsAChildWithAFailingSibling(CompletableFuture<String> s, RuntimeException es,
            CompletableFuture<String> r) {
        Children.audit("sibling", s, es);
        await(Task.completed("z"));
        return Children.audit("returned", r, null);
    }

    /** Throws while a child it forgot is in its drop, where a cancellation is not delivered. */
    @Async
    public static Task<String> throwsWhileAChildDrops(CompletableFuture<Void> closing, RuntimeException ea,
            RuntimeException own) {
        failsAfterItsDrop("a", closing, ea);
        log("parent throws");
        throw own;
    }

    // ---- task scopes -------------------------------------------------------------------------------------------

    @Async
    public static Task<String> spawnsTwoInline(CompletableFuture<String> a, CompletableFuture<String> b, Task<?>[] out) {
        log("before");
        try (TaskScope scope = TaskScope.open()) {
            out[0] = scope.spawn(() -> Children.audit("a", a, null));
            log("after a");
            out[1] = scope.spawn(() -> Children.audit("b", b, null));
            log("closing");
        }
        log("closed");
        return Task.completed("done");
    }

    /** a fails after its drop completes, b fails at once: b completes first. */
    @Async
    public static Task<String> closeOrder(CompletableFuture<Void> closing, RuntimeException ea, RuntimeException eb,
            Task<?>[] out) {
        try (TaskScope scope = TaskScope.open()) {
            out[0] = scope.spawn(() -> failsAfterItsDrop("a", closing, ea));
            out[1] = scope.spawn(() -> failNow("b", eb));
            log("closing");
        }
        return Task.completed("unreached");
    }

    @Async
    public static Task<String> cleanupFailureThenFailure(CompletableFuture<String> a, RuntimeException cleanupError,
            CompletableFuture<String> b, RuntimeException eb, CompletableFuture<String> gate, Task<?>[] out) {
        try (TaskScope scope = TaskScope.open()) {
            out[0] = scope.spawn(() -> brokenCleanup("a", a, cleanupError));
            out[1] = scope.spawn(() -> Children.audit("b", b, eb));
            log("owner got " + await(gate));
        }
        return Task.completed("unreached");
    }

    @Async
    public static Task<String> waitsInCloseForSlow(CompletableFuture<String> in, CompletableFuture<String> cleanup) {
        try (TaskScope scope = TaskScope.open()) {
            scope.spawn(() -> Children.slowToStop("a", in, cleanup));
            log("closing");
        }
        log("closed");
        return Task.completed("own");
    }

    @Async
    public static Task<String> failFastOrder(CompletableFuture<String> a, RuntimeException ea,
            CompletableFuture<String> b, CompletableFuture<String> c, CompletableFuture<String> d,
            CompletableFuture<String> gate, Task<?>[] out) {
        try (TaskScope scope = TaskScope.open()) {
            out[0] = scope.spawn(() -> Children.audit("a", a, ea));
            out[1] = scope.spawn(() -> Children.audit("b", b, null));
            out[2] = scope.spawn(() -> Children.audit("c", c, null));
            log("owner got " + await(gate));
            out[3] = scope.spawn(() -> Children.audit("d", d, null));
            log("closing");
        }
        return Task.completed("unreached");
    }

    @Async
    public static Task<String> closeTwiceThenSpawn() {
        TaskScope scope = TaskScope.open();
        Task<Void> c1 = scope.closeAsync();
        Task<Void> c2 = scope.closeAsync();
        log("same " + (c1 == c2));
        await(c1);
        try {
            scope.spawn(() -> Task.completed("late"));
            log("spawned");
        } catch (IllegalStateException e) {
            log("refused");
        }
        log("abort same " + (scope.abortAsync(null) == c1));
        return Task.completed("ok");
    }

    @Async
    public static Task<String> spawnsSibling(TaskScope scope, CompletableFuture<String> a, CompletableFuture<String> b) {
        log("spawner started");
        String v = await(a);
        scope.spawn(() -> Children.audit("sibling", b, null));
        log("spawner returns " + v);
        return Task.completed(v);
    }

    @Async
    public static Task<String> siblingWhileClosing(CompletableFuture<String> a, CompletableFuture<String> b,
            Task<?>[] out) {
        try (TaskScope scope = TaskScope.open()) {
            out[0] = scope.spawn(() -> spawnsSibling(scope, a, b));
            log("closing");
        }
        log("closed");
        return Task.completed("done");
    }

    @Async
    public static Task<String> spawnsFailingSibling(TaskScope scope, CompletableFuture<String> start,
            CompletableFuture<String> gate, RuntimeException error) {
        log("spawner started");
        try {
            await(start);
            scope.spawn(() -> failNow("sibling", error));
            log("spawner continues");
            return Task.completed(await(gate));
        } finally {
            log("spawner unwound");
        }
    }

    @Async
    public static Task<String> childSpawnsAFailingSibling(CompletableFuture<String> start,
            CompletableFuture<String> gate, RuntimeException error, Task<?>[] out) {
        try (TaskScope scope = TaskScope.open()) {
            out[0] = scope.spawn(() -> spawnsFailingSibling(scope, start, gate, error));
            log("closing");
        }
        return Task.completed("unreached");
    }

    @Async
    public static Task<String> cancelledInsideScope(CompletableFuture<String> a, CompletableFuture<String> ca,
            CompletableFuture<String> b, CompletableFuture<String> cb, CompletableFuture<String> gate) {
        try (TaskScope scope = TaskScope.open()) {
            scope.spawn(() -> Children.slowToStop("a", a, ca));
            scope.spawn(() -> Children.slowToStop("b", b, cb));
            return Task.completed(await(gate));
        } finally {
            log("owner finally");
        }
    }

    @Async
    public static Task<String> throwsInsideScope(CompletableFuture<String> a, RuntimeException cleanupError,
            RuntimeException own) {
        try (TaskScope scope = TaskScope.open()) {
            scope.spawn(() -> brokenCleanup("a", a, cleanupError));
            log("owner throws");
            throw own;
        }
    }

    @Async
    public static Task<String> childFailsThenOwnerThrows(CompletableFuture<String> a, RuntimeException ea,
            CompletableFuture<String> gate, RuntimeException own) {
        try (TaskScope scope = TaskScope.open()) {
            scope.spawn(() -> Children.audit("a", a, ea));
            await(gate);
            throw own;
        }
    }

    @Async
    public static Task<String> handlesThenCloses(CompletableFuture<String> a, RuntimeException ea) {
        try {
            try (TaskScope scope = TaskScope.open()) {
                Task<String> child = scope.spawn(() -> Children.audit("a", a, ea));
                try {
                    await(child);
                } catch (IllegalArgumentException e) {
                    log("handled " + e.getMessage());
                }
                log("leaving scope");
            }
        } catch (IllegalArgumentException e) {
            log("close threw " + e.getMessage() + " same " + (e == ea));
            return Task.completed("reported");
        }
        return Task.completed("lost");
    }

    @Async
    public static Task<String> nestedInnerFails(CompletableFuture<String> o, CompletableFuture<String> i,
            RuntimeException error) {
        try (TaskScope outer = TaskScope.open()) {
            outer.spawn(() -> Children.audit("o1", o, null));
            try (TaskScope inner = TaskScope.open()) {
                inner.spawn(() -> Children.audit("i1", i, null));
                inner.spawn(() -> failNow("i2", error));
                log("inner closing");
            }
            log("unreached");
        }
        return Task.completed("unreached");
    }

    @Async
    public static Task<String> nestedCancelled(CompletableFuture<String> o, CompletableFuture<String> co,
            CompletableFuture<String> i, CompletableFuture<String> ci, CompletableFuture<String> gate) {
        try (TaskScope outer = TaskScope.open()) {
            outer.spawn(() -> Children.slowToStop("o1", o, co));
            try (TaskScope inner = TaskScope.open()) {
                inner.spawn(() -> Children.slowToStop("i1", i, ci));
                return Task.completed(await(gate));
            }
        }
    }

    @Async
    public static Task<String> childWithScope(CompletableFuture<String> g, CompletableFuture<String> cg,
            CompletableFuture<String> gate) {
        try (TaskScope scope = TaskScope.open()) {
            scope.spawn(() -> Children.slowToStop("grandchild", g, cg));
            return Task.completed(await(gate));
        } finally {
            log("child finally");
        }
    }

    @Async
    public static Task<String> ownerOfChildWithScope(CompletableFuture<String> g, CompletableFuture<String> cg,
            CompletableFuture<String> gate) {
        try (TaskScope scope = TaskScope.open()) {
            scope.spawn(() -> childWithScope(g, cg, gate));
            log("closing");
        }
        log("closed");
        return Task.completed("own");
    }

    @Async
    public static Task<String> cleanupScope(CompletableFuture<String> gate, CompletableFuture<String> flush,
            RuntimeException flushError) {
        try {
            return Task.completed(await(gate));
        } finally {
            try (TaskScope scope = TaskScope.open()) {
                scope.spawn(() -> Children.audit("flush", flush, flushError));
                log("cleanup closing");
            }
            log("cleanup closed");
        }
    }

    @Async
    public static Task<String> badBodies(CompletableFuture<String> a, RuntimeException bodyError, Task<?>[] out) {
        try (TaskScope scope = TaskScope.open()) {
            out[0] = scope.spawn(() -> Children.audit("a", a, null));
            out[1] = scope.spawn(() -> {
                throw bodyError;
            });
            out[2] = scope.spawn(() -> null);
        }
        return Task.completed("unreached");
    }

    @Async
    public static Task<String> spawnsACancelledOutcome(CompletableFuture<String> a, Task<?>[] out) {
        try (TaskScope scope = TaskScope.open()) {
            out[0] = scope.spawn(() -> Children.audit("a", a, null));
            out[1] = scope.spawn(() -> Task.<String>failed(new CancellationException("pre-cancelled")));
            log("closing");
        }
        return Task.completed("closed");
    }

    @Async
    public static Task<String> childFailsWithACancellationException(Task<Integer> view, CompletableFuture<String> b) {
        try (TaskScope scope = TaskScope.open()) {
            scope.spawn(() -> plusOne(view));
            scope.spawn(() -> Children.audit("b", b, null));
            log("closing");
        }
        return Task.completed("unreached");
    }

    @Async
    public static Task<String> exposesClose(CompletableFuture<String> a, CompletableFuture<String> ca, Task<?>[] out) {
        TaskScope scope = TaskScope.open();
        out[1] = scope.spawn(() -> Children.slowToStop("a", a, ca));
        Task<Void> close = scope.closeAsync();
        out[0] = close;
        await(close);
        log("closed");
        return Task.completed("own");
    }

    @Async
    public static Task<String> awaitsAScopeChild(CompletableFuture<String> a, CompletableFuture<String> ca,
            CompletableFuture<String> b) {
        try (TaskScope scope = TaskScope.open()) {
            Task<String> first = scope.spawn(() -> Children.slowToStop("a", a, ca));
            scope.spawn(() -> Children.audit("b", b, null));
            return Task.completed(await(first));
        }
    }

    /** Opens a scope and never closes it. */
    @Async
    public static Task<String> neverCloses(CompletableFuture<String> a, RuntimeException ea) {
        TaskScope scope = TaskScope.open();
        scope.spawn(() -> Children.audit("a", a, ea));
        log("returns");
        return Task.completed("own");
    }

    @Async
    public static Task<String> deferredPair(Executor executor, CompletableFuture<String> x, RuntimeException ex,
            CompletableFuture<String> y, Task<?>[] out) {
        try (TaskScope scope = TaskScope.open(executor)) {
            out[0] = scope.spawn(() -> {
                Children.audit("x", x, ex);
                return Children.audit("y", y, null);
            });
            log("closing");
        }
        return Task.completed("unreached");
    }

    @Async
    public static Task<String> spawnsALambdaWithAChild(CompletableFuture<String> in, CompletableFuture<String> gate,
            CompletableFuture<String> trigger, RuntimeException own) {
        Supplier<Task<String>> block = () -> {
            Children.audit("lambda child", in, null);
            log("lambda waits");
            return Task.completed(await(gate));
        };
        try (TaskScope scope = TaskScope.open()) {
            scope.spawn(block);
            await(trigger);
            throw own;
        }
    }

    /** Cancelled, its finally block spawns a sibling into the scope. */
    @Async
    public static Task<String> spawnsInFinally(TaskScope scope, CompletableFuture<String> in,
            CompletableFuture<String> late) {
        log("child started");
        try {
            return Task.completed(await(in));
        } finally {
            scope.spawn(() -> Children.audit("late", late, null));
            log("child unwound");
        }
    }

    @Async
    public static Task<String> siblingFromACancelledChildsFinally(CompletableFuture<String> in,
            CompletableFuture<String> late, CompletableFuture<String> gate, Task<?>[] out) {
        try (TaskScope scope = TaskScope.open()) {
            out[0] = scope.spawn(() -> spawnsInFinally(scope, in, late));
            await(gate);
        }
        return Task.completed("unreached");
    }

    /** Calls closeAsync() and does not await it: the close is still the owner's child (structured-concurrency.md). */
    @Async
    public static Task<String> closesWithoutAwaiting(CompletableFuture<String> a, RuntimeException ea) {
        TaskScope scope = TaskScope.open();
        scope.spawn(() -> Children.audit("a", a, ea));
        scope.closeAsync();
        log("returns");
        return Task.completed("own");
    }

    @Async
    public static Task<String> forgetsMany(java.util.List<CompletableFuture<String>> ins,
            java.util.List<RuntimeException> errors) {
        for (int i = 0; i < ins.size(); i++) Children.audit("c" + i, ins.get(i), errors.get(i));
        return Task.completed("p");
    }

    @Async
    public static Task<String> awaitsABrokenScopeChild(CompletableFuture<String> a, RuntimeException cleanupError) {
        try (TaskScope scope = TaskScope.open()) {
            Task<String> first = scope.spawn(() -> brokenCleanup("a", a, cleanupError));
            return Task.completed(await(first));
        }
    }

    @Async
    public static Task<String> throwsWithASlowChild(CompletableFuture<String> in, CompletableFuture<String> cleanup,
            RuntimeException own) {
        Children.slowToStop("a", in, cleanup);
        log("parent throws");
        throw own;
    }

    @Async
    public static Task<String> refusedStart(Executor executor, CompletableFuture<String> b, CompletableFuture<String> c,
            Task<?>[] out) {
        try (TaskScope scope = TaskScope.open(executor)) {
            out[0] = scope.spawn(() -> Children.audit("b", b, null));
            out[1] = scope.spawn(() -> Children.audit("c", c, null));
            log("closing");
        }
        return Task.completed("unreached");
    }

    @Async
    public static Task<String> spawnsADetachedChild(CompletableFuture<String> a, RuntimeException ea) {
        try (TaskScope scope = TaskScope.open()) {
            scope.spawn(() -> Children.audit("a", a, ea).detach());
            log("closing");
        }
        log("closed");
        return Task.completed("own");
    }

    @Async
    public static Task<String> returnsAScopeChild(CompletableFuture<String> a) {
        try (TaskScope scope = TaskScope.open()) {
            return scope.spawn(() -> Children.audit("a", a, null));
        } finally {
            log("scope left");
        }
    }

    /** Awaits a scope child that fails and lets the failure escape through the scope, whose close fails with it too. */
    @Async
    public static Task<String> lets(CompletableFuture<String> a, RuntimeException ea, CompletableFuture<String> b) {
        try (TaskScope scope = TaskScope.open()) {
            Task<String> first = scope.spawn(() -> Children.audit("a", a, ea));
            scope.spawn(() -> Children.audit("b", b, null));
            return Task.completed(await(first));
        }
    }

    /** A resource declared after the scope: dropped first, so a request can come while the owner waits in it. */
    @Async
    public static Task<String> requestDuringAnotherDrop(CompletableFuture<String> in, CompletableFuture<String> cleanup,
            CompletableFuture<Void> closing) {
        try (TaskScope scope = TaskScope.open(); Res r = new Res("r", closing)) {
            scope.spawn(() -> Children.slowToStop("a", in, cleanup));
            log("leaving");
        }
        log("left");
        return Task.completed("own");
    }

    /** Spawns into a scope opened before the cancellation, from a finally block run while unwinding it. */
    @Async
    public static Task<String> spawnsCleanupIntoAnEarlierScope(CompletableFuture<String> gate,
            CompletableFuture<String> flush) {
        try (TaskScope scope = TaskScope.open()) {
            try {
                return Task.completed(await(gate));
            } finally {
                scope.spawn(() -> Children.audit("flush", flush, null));
            }
        }
    }

    /** A tree of children on {@code pool}, each spawning two more until {@code depth} is 0; one may fail. */
    @Async
    public static Task<String> treeNode(TaskScope scope, int depth, java.util.concurrent.atomic.AtomicInteger live,
            java.util.concurrent.atomic.AtomicInteger started, int failAt) {
        int me = started.incrementAndGet();
        live.incrementAndGet();
        try {
            await(dev.coda.Coda.yieldNow());
            if (depth > 0) {
                scope.spawn(() -> treeNode(scope, depth - 1, live, started, failAt));
                scope.spawn(() -> treeNode(scope, depth - 1, live, started, failAt));
            }
            await(dev.coda.Coda.yieldNow());
            if (me == failAt) throw new IllegalStateException("boom " + me);
            return Task.completed("ok");
        } finally {
            live.decrementAndGet();
        }
    }

    @Async
    public static Task<String> treeOwner(Executor pool, int depth, java.util.concurrent.atomic.AtomicInteger live,
            java.util.concurrent.atomic.AtomicInteger started, int failAt) {
        try (TaskScope scope = TaskScope.open(pool)) {
            scope.spawn(() -> treeNode(scope, depth, live, started, failAt));
        }
        return Task.completed("done " + live.get());
    }

    /** {@link #lets} with the scope held by an {@code @Owned} local instead of a try-with-resources. */
    @Async
    public static Task<String> letsOwned(CompletableFuture<String> a, RuntimeException ea, CompletableFuture<String> b) {
        @dev.coda.Owned TaskScope scope = TaskScope.open();
        Task<String> first = scope.spawn(() -> Children.audit("a", a, ea));
        scope.spawn(() -> Children.audit("b", b, null));
        return Task.completed(await(first));
    }

    /** Returns the close of its scope: a returned child. */
    @Async
    public static Task<Void> returnsTheClose(CompletableFuture<String> in, CompletableFuture<String> cleanup) {
        TaskScope scope = TaskScope.open();
        scope.spawn(() -> Children.slowToStop("a", in, cleanup));
        await(Task.completed("x"));
        return scope.closeAsync();
    }

    public static TaskScope openWithAChild(CompletableFuture<String> in) {
        TaskScope scope = TaskScope.open();
        scope.spawn(() -> Children.audit("a", in, null));
        return scope;
    }

    /** Awaits the close of a scope it did not open. */
    @Async
    public static Task<String> awaitsAnotherOwnersClose(TaskScope scope) {
        try {
            await(scope.closeAsync());
            return Task.completed("closed");
        } finally {
            log("helper unwound");
        }
    }

    @Async
    public static Task<String> throwsInScopeWithASlowChild(CompletableFuture<String> in,
            CompletableFuture<String> cleanup, RuntimeException own) {
        try (TaskScope scope = TaskScope.open()) {
            scope.spawn(() -> Children.slowToStop("a", in, cleanup));
            log("owner throws");
            throw own;
        }
    }
}
