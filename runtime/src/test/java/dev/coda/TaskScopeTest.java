package dev.coda;

import static org.junit.jupiter.api.Assertions.*;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** {@link TaskScope} and the deferred start of its executor children, on hand-made state machines. */
class TaskScopeTest {
    private final List<String> log = new ArrayList<>();
    private final ExecutorService pool = Executors.newFixedThreadPool(2);

    @AfterEach
    void stopPool() throws InterruptedException {
        pool.shutdownNow();
        assertTrue(pool.awaitTermination(10, TimeUnit.SECONDS));
    }

    /** An executor whose runnables run only when the test says so. */
    static final class Queue implements java.util.concurrent.Executor {
        final ArrayDeque<Runnable> runnables = new ArrayDeque<>();
        final List<Thread> ranOn = new ArrayList<>();

        @Override
        public void execute(Runnable r) {
            runnables.add(r);
        }

        void runAll() {
            Runnable r;
            while ((r = runnables.poll()) != null) {
                ranOn.add(Thread.currentThread());
                r.run();
            }
        }
    }

    /** A resource whose close logs, and completes as {@link #closing} says. */
    final class Res implements AsyncCloseable {
        final String name;
        final AtomicInteger closes = new AtomicInteger();
        Task<Void> closing = Task.done();

        Res(String name) {
            this.name = name;
        }

        @Override
        public Task<Void> closeAsync() {
            closes.incrementAndGet();
            TestCoroutines.log(log, "close " + name);
            return closing;
        }
    }

    /** {@code @Async Task<String> body(@Owned Res a, @Owned Res b, Task<String> dep)}: awaits dep, returns it. */
    static final class OwningParams extends TestCoroutines.AwaitThen<String, String> {
        AsyncCloseable a, b;

        OwningParams(AsyncCloseable a, AsyncCloseable b, Task<String> dep) {
            super(dep, v -> v);
            this.a = a;
            this.b = b;
        }

        boolean bodyRan() {
            return startedOn != null;
        }

        @Override
        protected AsyncCloseable[] ownedParameters(Object[] arguments) {
            AsyncCloseable[] owned = {a, b};
            a = b = null;
            return owned;
        }
    }

    @Test
    void anExecutorChildIsBuiltOnTheCallerAndRunsItsFirstStepOnTheExecutor() {
        Queue queue = new Queue();
        TaskScope scope = TaskScope.open(queue);
        OwningParams sm = new OwningParams(null, null, Task.completed("v"));
        Task<String> child = scope.spawn(sm::start);
        assertFalse(child.isDone());
        assertFalse(sm.bodyRan(), "the body waits for the executor");
        queue.runAll();
        assertEquals("v", child.join());
        assertSame(queue.ranOn.get(0), sm.startedOn);
        assertTrue(scope.closeAsync().isDone());
    }

    @Test
    void cancelledBeforeItsBodyRanItsOwnedParametersAreDroppedInReverseOrderAndTheBodyNeverRuns() {
        Queue queue = new Queue();
        Res a = new Res("a");
        Res b = new Res("b");
        Task<Void> bClosing = new Task<>();
        b.closing = bClosing;
        TaskScope scope = TaskScope.open(queue);
        OwningParams sm = new OwningParams(a, b, new Task<>());
        Task<String> child = scope.spawn(sm::start);

        assertTrue(child.cancel());
        assertEquals(List.of("close b"), log, "b is dropped first, and a waits for b's close");
        assertFalse(child.isDone(), "the task completes only after its cleanup");
        bClosing.succeed(null);
        assertEquals(List.of("close b", "close a"), log);
        assertTrue(child.isCancelled());
        assertThrows(CancellationException.class, child::join);

        queue.runAll();
        assertFalse(sm.bodyRan());
        assertEquals(List.of("close b", "close a"), log, "nothing is closed twice");
        assertEquals(1, a.closes.get());
        assertEquals(1, b.closes.get());
        assertTrue(scope.closeAsync().isDone());
        scope.closeAsync().join();
    }

    @Test
    void closeFailuresOfUnstartedParametersAreSuppressedOntoTheCancellation() {
        Queue queue = new Queue();
        Res a = new Res("a");
        Res b = new Res("b");
        IllegalStateException aFailed = new IllegalStateException("a failed");
        IllegalStateException bFailed = new IllegalStateException("b failed");
        a.closing = Task.failed(aFailed);
        b.closing = Task.failed(bFailed);
        Task<String> child = TaskScope.open(queue).spawn(() -> new OwningParams(a, b, Task.completed("v")).start());
        child.cancel();
        CancellationException outcome = assertThrows(CancellationException.class, child::join);
        assertArrayEquals(new Throwable[] {bFailed, aFailed}, outcome.getSuppressed());
    }

    @Test
    void aCancelledChildWhoseRunnableRunsLaterNeverRuns() {
        Queue queue = new Queue();
        Res a = new Res("a");
        OwningParams sm = new OwningParams(a, null, new Task<>());
        TaskScope.open(queue).spawn(sm::start);
        assertTrue(sm.cancel());
        queue.runAll();
        assertFalse(sm.bodyRan());
        assertEquals(List.of("close a"), log);
        assertTrue(sm.isCancelled());
    }

    @Test
    void aRejectedStartFailsTheChildWithTheRejectionAfterDroppingItsParameters() {
        RejectedExecutionException rejected = new RejectedExecutionException("full");
        Res a = new Res("a");
        Task<String> child = TaskScope.open(r -> { throw rejected; })
                .spawn(() -> new OwningParams(a, null, Task.completed("v")).start());
        assertSame(rejected, assertThrows(RejectedExecutionException.class, child::join));
        assertEquals(List.of("close a"), log);
    }

    @Test
    void aDirectExecutorRunsTheBodyInlineWithoutDeferringTheCallsTheBodyMakes() {
        TaskScope scope = TaskScope.open(Runnable::run);
        Task<String> child = scope.spawn(() -> new TestCoroutines.Run<>(() -> {
            // Started from a body, not from the spawn's supplier: runs at once.
            Task<String> nested = new TestCoroutines.Run<>(() -> TestCoroutines.log(log, "nested ran"), "n").start();
            TestCoroutines.log(log, "nested done " + nested.isDone());
        }, "outer").start());
        assertEquals("outer", child.join());
        assertEquals(List.of("nested ran", "nested done true"), log);
    }

    @Test
    void everyAsyncCallTheSpawnBodyMakesIsDeferred() {
        Queue queue = new Queue();
        Task<String> child = TaskScope.open(queue).spawn(() -> {
            Task<String> first = new TestCoroutines.Run<>(() -> TestCoroutines.log(log, "first"), "1").start();
            return new TestCoroutines.AwaitThen<>(first, v -> v + "2").start();
        });
        assertEquals(List.of(), log);
        assertEquals(2, queue.runnables.size());
        queue.runAll();
        assertEquals("12", child.join());
    }

    /**
     * A spawn body that resumes more coroutines than a carrier runs before it is replaced (each resumption an
     * outermost step on this thread) still defers the call it makes afterwards: the carrier holding the deferral is
     * not replaced while it is in force.
     */
    @Test
    void aSpawnBodyThatResumesManyCoroutinesStillDefersTheCallsItMakesAfterwards() {
        int n = 2 * Carrier.RENEW_AFTER + 1;
        List<Task<Integer>> gates = new ArrayList<>();
        List<Task<Integer>> waiting = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            Task<Integer> gate = new Task<>();
            gates.add(gate);
            waiting.add(new TestCoroutines.AwaitThen<Integer, Integer>(gate, v -> v + 1).start());
        }
        Queue queue = new Queue();
        Task<String> child = TaskScope.open(queue).spawn(() -> {
            for (int i = 0; i < n; i++) gates.get(i).succeed(i);
            return new TestCoroutines.Run<>(() -> TestCoroutines.log(log, "deferred call ran"), "v").start();
        });
        for (int i = 0; i < n; i++) assertEquals(i + 1, waiting.get(i).join(), "resumed " + i);
        assertOnlyTheQueueRanTheCall(queue, child);
    }

    /** The spawn body's last call ({@code "deferred call ran"}, value "v") waits in the queue, and runs from there. */
    private void assertOnlyTheQueueRanTheCall(Queue queue, Task<String> child) {
        assertEquals(List.of(), log, "the call the spawn body made last ran inline");
        assertEquals(1, queue.runnables.size());
        queue.runAll();
        assertEquals("v", child.join());
        assertEquals(List.of("deferred call ran"), log);
    }

    /**
     * The same with the calls made inside an inline scope's spawn nested in the deferring spawn: they run at once,
     * as an inline scope's do, and the deferral of the enclosing spawn is still in force after them.
     */
    @Test
    void aDeferringSpawnBodyStillDefersAfterANestedInlineSpawnMadeManyCalls() {
        int n = 2 * Carrier.RENEW_AFTER + 1;
        Queue queue = new Queue();
        Task<String> child = TaskScope.open(queue).spawn(() -> {
            TaskScope.open().spawn(() -> {
                for (int i = 0; i < n; i++) new TestCoroutines.Run<>(() -> { }, i).start();
                return Task.done();
            });
            return new TestCoroutines.Run<>(() -> TestCoroutines.log(log, "deferred call ran"), "v").start();
        });
        assertOnlyTheQueueRanTheCall(queue, child);
    }

    @Test
    void startVersusCancelRaceRunsTheBodyOrDropsTheParametersNeverBoth() throws Exception {
        int ran = 0;
        int dropped = 0;
        for (int i = 0; i < 20_000; i++) {
            log.clear();
            Res a = new Res("a");
            OwningParams sm = new OwningParams(a, null, Task.completed("v"));
            AtomicBoolean waiting = new AtomicBoolean();
            AtomicBoolean go = new AtomicBoolean();
            CountDownLatch runnableDone = new CountDownLatch(1);
            TaskScope.open(r -> pool.execute(() -> {
                waiting.set(true);
                awaitSet(go);
                r.run();
                runnableDone.countDown();
            })).spawn(sm::start);
            awaitSet(waiting);
            go.set(true);
            if ((i & 3) == 0) Thread.yield(); // on a single free core, lets the start go first at times
            sm.cancel(); // races the runnable's start on a pool thread
            assertTrue(runnableDone.await(10, TimeUnit.SECONDS));
            assertTrue(sm.isDone(), "iteration " + i);
            synchronized (log) {
                if (sm.bodyRan()) {
                    ran++;
                    assertEquals(List.of(), log, "iteration " + i);
                    // The request met the running body at its await, or came after it.
                    if (!sm.isCancelled()) assertEquals("v", sm.join());
                    assertEquals(0, a.closes.get(), "this hand-made body has no drop glue: nothing else closes a");
                } else {
                    dropped++;
                    assertEquals(List.of("close a"), log, "iteration " + i);
                    assertTrue(sm.isCancelled());
                    assertEquals(1, a.closes.get());
                }
            }
        }
        System.out.printf("start versus cancel: body ran %d, parameters dropped %d%n", ran, dropped);
        assertTrue(ran > 0 && dropped > 0, "both sides of the race were taken: ran " + ran + ", dropped " + dropped);
    }

    // ---- the scope ----------------------------------------------------------------------------------------------

    @Test
    void closeWaitsForEveryChildAndRefusesSpawnsOnceItCompleted() {
        TaskScope scope = TaskScope.open();
        Task<Object> dep = new Task<>();
        Task<Object> child = scope.spawn(() -> new TestCoroutines.AwaitThen<>(dep, v -> v).start());
        Task<Void> closed = scope.closeAsync();
        assertSame(closed, scope.closeAsync(), "idempotent");
        assertFalse(closed.isDone());
        dep.succeed("x");
        assertEquals("x", child.join());
        assertTrue(closed.isDone());
        closed.join();
        assertThrows(IllegalStateException.class, () -> scope.spawn(() -> Task.completed(1)));
    }

    @Test
    void theFirstFailureCancelsTheSiblingsAndLaterSpawnsAndIsThrownByClose() {
        TaskScope scope = TaskScope.open();
        Task<Object> never = new Task<>();
        Task<Object> sibling = scope.spawn(() -> new TestCoroutines.AwaitThen<>(never, v -> v).start());
        Task<Object> failing = new Task<>();
        Task<Object> child = scope.spawn(() -> new TestCoroutines.AwaitThen<>(failing, v -> v).start());
        IllegalStateException boom = new IllegalStateException("boom");
        failing.fail(boom);
        assertSame(boom, assertThrows(IllegalStateException.class, child::join));
        assertTrue(sibling.isCancelled(), "the sibling is cancelled at the failure");
        // Spawned after the failure: cancelled at once (inline, so its body ran and met the request at its await).
        Task<Object> late = scope.spawn(() -> new TestCoroutines.AwaitThen<>(new Task<>(), v -> v).start());
        assertTrue(late.isCancelled());
        assertSame(boom, assertThrows(IllegalStateException.class, () -> scope.closeAsync().join()));
        assertEquals(0, boom.getSuppressed().length, "cancelled children without cleanup failures add nothing");
    }

    @Test
    void laterFailuresAndCleanupFailuresOfCancelledChildrenAreSuppressedOntoTheFirst() {
        TaskScope scope = TaskScope.open();
        Task<Object> f1 = new Task<>();
        Task<Object> f2 = new Task<>();
        scope.spawn(() -> new TestCoroutines.AwaitThen<>(f1, v -> v).start());
        scope.spawn(() -> new TestCoroutines.AwaitThen<>(f2, v -> v).start());
        // A child whose cancellation carries a cleanup failure.
        CancellationException cleanup = new CancellationException("cancelled");
        IllegalStateException closeFailed = new IllegalStateException("close failed");
        cleanup.addSuppressed(closeFailed);
        Task<Object> cancelledWithCleanup = new Task<>();
        scope.spawn(() -> cancelledWithCleanup);
        IllegalStateException first = new IllegalStateException("first");
        IllegalStateException second = new IllegalStateException("second");
        Task<Void> closed = scope.closeAsync();
        f1.fail(first); // cancels the others: f2's child and the plain task, which completes with a bare cancellation
        assertTrue(cancelledWithCleanup.isCancelled());
        f2.fail(second); // the child awaiting f2 was cancelled at the failure, so f2 no longer matters
        assertSame(first, assertThrows(IllegalStateException.class, closed::join));
        assertArrayEquals(new Throwable[0], first.getSuppressed());

        TaskScope other = TaskScope.open();
        Task<Object> g = new Task<>();
        other.spawn(() -> g);
        Task<Object> h = new Task<>();
        other.spawn(() -> h);
        Task<Void> otherClosed = other.closeAsync();
        h.completeCancelled(cleanup); // cancelled elsewhere, with a cleanup failure: counts, after real failures
        g.fail(second);
        assertSame(second, assertThrows(IllegalStateException.class, otherClosed::join));
        assertArrayEquals(new Throwable[] {cleanup}, second.getSuppressed());
        assertArrayEquals(new Throwable[] {closeFailed}, cleanup.getSuppressed());

        TaskScope onlyCleanup = TaskScope.open();
        CancellationException bare = new CancellationException("bare");
        onlyCleanup.spawn(() -> Task.failed(bare));
        CancellationException withCleanup = new CancellationException("with cleanup");
        withCleanup.addSuppressed(closeFailed);
        onlyCleanup.spawn(() -> Task.failed(withCleanup));
        assertSame(withCleanup, assertThrows(CancellationException.class, () -> onlyCleanup.closeAsync().join()));
    }

    @Test
    void aBodyThatThrowsOrReturnsNullGivesAFailedChild() {
        TaskScope scope = TaskScope.open();
        IllegalArgumentException thrown = new IllegalArgumentException("no task");
        Task<Object> child = scope.spawn(() -> { throw thrown; });
        assertSame(thrown, assertThrows(IllegalArgumentException.class, child::join));
        Task<Object> nullChild = TaskScope.open().spawn(() -> null);
        assertThrows(NullPointerException.class, nullChild::join);
        assertSame(thrown, assertThrows(IllegalArgumentException.class, () -> scope.closeAsync().join()));
    }

    @Test
    void failFastCancelsAnUnstartedExecutorChildWhichDropsItsParameters() {
        Queue queue = new Queue();
        TaskScope scope = TaskScope.open(queue);
        Res a = new Res("a");
        OwningParams sm = new OwningParams(a, null, new Task<>());
        Task<String> waiting = scope.spawn(sm::start);
        IllegalStateException boom = new IllegalStateException("boom");
        scope.spawn(() -> Task.failed(boom));
        assertTrue(waiting.isCancelled());
        assertEquals(List.of("close a"), log);
        queue.runAll();
        assertFalse(sm.bodyRan());
        assertEquals(List.of("close a"), log);
        assertSame(boom, assertThrows(IllegalStateException.class, () -> scope.closeAsync().join()));
    }

    @Test
    void everyAsyncCallOfAnExecutorSpawnBodyIsAChildTheCloseWaitsFor() {
        Queue queue = new Queue();
        TaskScope scope = TaskScope.open(queue);
        Task<Object> auditDep = new Task<>();
        Task<Object>[] audit = new Task[1];
        Task<String> child = scope.spawn(() -> {
            audit[0] = new TestCoroutines.AwaitThen<>(auditDep, v -> v).start(); // started, never returned
            return new TestCoroutines.Run<>(() -> {}, "handled").start();
        });
        Task<Void> closed = scope.closeAsync();
        queue.runAll();
        assertEquals("handled", child.join());
        assertFalse(closed.isDone(), "the close waits for the call the body did not return");
        IllegalStateException boom = new IllegalStateException("audit failed");
        auditDep.fail(boom);
        assertSame(boom, assertThrows(IllegalStateException.class, closed::join), "and its failure is not lost");
    }

    @Test
    void aChildMaySpawnWhileTheCloseWaitsAndTheCloseWaitsForThatSpawnToRegister() {
        TaskScope scope = TaskScope.open();
        Task<Void>[] closedInside = new Task[1];
        Task<Object> dep = new Task<>();
        Task<Object> child = scope.spawn(() -> {
            closedInside[0] = scope.closeAsync(); // nothing registered yet: a spawn is under way
            return new TestCoroutines.AwaitThen<>(dep, v -> v).start();
        });
        assertFalse(closedInside[0].isDone(), "the spawn that was being evaluated counts");
        Task<Object> sibling = scope.spawn(() -> Task.completed("sibling, spawned while the close waits"));
        assertEquals("sibling, spawned while the close waits", sibling.join());
        dep.succeed("x");
        assertEquals("x", child.join());
        assertTrue(closedInside[0].isDone());
        assertThrows(IllegalStateException.class, () -> scope.spawn(() -> Task.completed(1)), "closed: no more spawns");
    }

    @Test
    void cancellingTheCloseCancelsTheChildrenNewestFirstAndCompletesAsTheyDid() {
        TaskScope scope = TaskScope.open();
        Task<Object> first = scope.spawn(() -> new TestCoroutines.AwaitThen<>(new Task<>(), v -> v).start());
        Task<Object> second = scope.spawn(() -> new TestCoroutines.AwaitThen<>(new Task<>(), v -> v).start());
        first.toCompletableFuture().whenComplete((v, e) -> TestCoroutines.log(log, "first done"));
        second.toCompletableFuture().whenComplete((v, e) -> TestCoroutines.log(log, "second done"));
        Task<Void> closed = scope.closeAsync();
        assertTrue(closed.cancel());
        assertEquals(List.of("second done", "first done"), log, "newest first");
        assertTrue(first.isCancelled() && second.isCancelled());
        assertNull(closed.join(), "cancelled children are no failure: the close succeeds");
        assertFalse(closed.isCancelled());
    }

    @Test
    void aCancellationExceptionThrownByABodyIsAFailureOfTheScope() {
        TaskScope scope = TaskScope.open();
        java.util.concurrent.CancellationException thrown = new java.util.concurrent.CancellationException("thrown");
        Task<Object> child = scope.spawn(() -> { throw thrown; });
        assertFalse(child.isCancelled(), "a thrown CancellationException is an ordinary failure, not a cancellation");
        assertSame(thrown, assertThrows(java.util.concurrent.CancellationException.class, () -> scope.closeAsync().join()));
    }

    /**
     * Waits for {@code flag} set by another thread: spins briefly, then yields, so that the race still runs where
     * both threads share one free core (spinning alone would hold it for a whole time slice per hand-over).
     */
    private static void awaitSet(AtomicBoolean flag) {
        for (int spins = 0; !flag.get(); spins++) {
            if (spins < 100) Thread.onSpinWait();
            else Thread.yield();
        }
    }
}
