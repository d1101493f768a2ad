package dev.coda;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.coda.LifecycleEdgesTest.Await;
import dev.coda.LifecycleEdgesTest.Script;
import dev.coda.TestCoroutines.SlowCancel;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.AsynchronousServerSocketChannel;
import java.nio.channels.AsynchronousSocketChannel;
import java.nio.channels.NotYetConnectedException;
import java.nio.channels.ReadPendingException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Edges of the combinators (Task.all, Task.any, Coda.timeout), TaskScope, CompletableTask, the Task.from and
 * toCompletableFuture views and AsyncChannels: resources dropped by a combinator, failures reported once, the order
 * of suppressed exceptions, what cancel() reports against the final state, and a few bounded races. Coroutines are
 * the hand-written {@link Script}s of {@link LifecycleEdgesTest}.
 */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class CombinatorEdgesTest {
    private final List<String> log = Collections.synchronizedList(new ArrayList<>());
    private final ExecutorService pool = Executors.newFixedThreadPool(2);

    @AfterEach
    void stopPool() throws InterruptedException {
        pool.shutdownNow();
        assertTrue(pool.awaitTermination(5, TimeUnit.SECONDS));
    }

    // ---- helpers ------------------------------------------------------------------------------------------------

    /** A resource that counts its closes and records the cause it was aborted with. */
    final class Res implements AsyncCloseable {
        final String name;
        final AtomicInteger closes = new AtomicInteger();
        volatile Throwable cause;
        volatile boolean aborted;
        volatile Task<Void> closing = Task.done();

        Res(String name) {
            this.name = name;
        }

        @Override
        public Task<Void> closeAsync() {
            closes.incrementAndGet();
            log.add("close " + name);
            return closing;
        }

        @Override
        public Task<Void> abortAsync(Throwable cause) {
            this.cause = cause;
            this.aborted = true;
            return closeAsync();
        }
    }

    /** {@code return await(gate);} as a hand-made coroutine, started. */
    static <T> Script<T> awaiting(Task<?> gate) {
        Script<T> s = LifecycleEdgesTest.awaiting(gate);
        s.start();
        return s;
    }

    private void race(Runnable a, Runnable b) throws Exception {
        Races.race(pool, a, b);
    }

    /** Waits (bounded) until {@code t} is done, whatever its outcome. */
    private static void settle(Task<?> t) throws Exception {
        t.toCompletableFuture().handle((v, e) -> null).get(4, TimeUnit.SECONDS);
        assertTrue(t.isDone());
    }

    private static Throwable outcomeOf(Task<?> t) {
        try {
            t.join();
            return null;
        } catch (Throwable e) {
            return e;
        }
    }

    private static String describe(Throwable t) {
        return t + (t == null ? "" : " suppressing " + Arrays.toString(t.getSuppressed()));
    }

    // ---- Task.any / Task.all: cleanup failures, resources, suppressed order ------------------------------------

    /**
     * Task.any's loser is itself a combinator, cancelled by the any; its input's cancellation hook fails. Documented:
     * "A success that would lose a failure (a loser whose cleanup failed ...) becomes that failure instead". The
     * failure lost is the hook's exception, which is what a parent gets in the same situation (structured
     * concurrency: a cancelled outcome carrying failures is unwrapped to its first failure; see
     * {@link #aParentUnwrapsTheSameNestedCleanupFailure}).
     */
    @Test
    void anyWhoseLoserIsANestedCombinatorWithACleanupFailureFailsWithThatFailure() {
        IllegalStateException hookFailed = new IllegalStateException("hook failed");
        CompletableTask<Object> x = new CompletableTask<>();
        x.onCancel(() -> {
            throw hookFailed;
        });
        Task<List<Object>> inner = Task.all(List.of(x));
        Task<Object> winner = new Task<>();
        Task<Object> any = Task.any(List.of(winner, inner));
        Res won = new Res("won");
        winner.succeed(won);
        assertTrue(any.isDone());
        assertTrue(inner.isCancelled());
        assertEquals(1, won.closes.get(), "the winner's value is closed, since the any fails");
        Throwable outcome = outcomeOf(any);
        assertSame(hookFailed, outcome, "any failed with " + describe(outcome));
    }

    /** The same with a loser that is an async call whose awaited child's cancellation hook failed. */
    @Test
    void anyWhoseLoserIsACoroutineWhoseChildCleanupFailedFailsWithThatFailure() {
        IllegalStateException hookFailed = new IllegalStateException("hook failed");
        Script<Object> loser = new Script<>((i, v, f) -> {
            if (i == 0) {
                CompletableTask<Object> op = new CompletableTask<>(); // the loser's child
                op.onCancel(() -> {
                    throw hookFailed;
                });
                return new Await(op);
            }
            return LifecycleEdgesTest.valueOr(v, f);
        });
        loser.start();
        Task<Object> winner = new Task<>();
        Task<Object> any = Task.any(List.of(winner, loser));
        winner.succeed("w");
        assertTrue(loser.isCancelled());
        assertTrue(any.isDone());
        Throwable outcome = outcomeOf(any);
        assertFalse(any.isCancelled());
        assertSame(hookFailed, outcome, "any failed with " + describe(outcome));
    }

    /**
     * For comparison: a parent whose child was cancelled (by someone else) with the same nested cleanup failure, and
     * which nobody observed, fails with the hook's exception itself (structured-concurrency.md).
     */
    @Test
    void aParentUnwrapsTheSameNestedCleanupFailure() {
        IllegalStateException hookFailed = new IllegalStateException("hook failed");
        Task<Object> gate = new Task<>();
        List<Task<Object>> child = new ArrayList<>();
        Script<Object> parent = new Script<>((i, v, f) -> {
            if (i == 0) {
                Script<Object> c = new Script<>((j, w, g) -> {
                    if (j == 0) {
                        CompletableTask<Object> op = new CompletableTask<>();
                        op.onCancel(() -> {
                            throw hookFailed;
                        });
                        return new Await(op);
                    }
                    return LifecycleEdgesTest.valueOr(w, g);
                });
                c.start();
                child.add(c);
                return new Await(gate);
            }
            return "p";
        });
        parent.start();
        assertTrue(child.get(0).cancel());
        assertTrue(child.get(0).isCancelled());
        gate.succeed("go");
        assertTrue(parent.isDone());
        assertSame(hookFailed, outcomeOf(parent));
    }

    /**
     * Task.all: the first failure to happen, with the others' failures suppressed onto it in the order of the list
     * (a clean cancellation adds nothing, one with a cleanup failure is kept), then the close failure of an
     * undelivered value.
     */
    @Test
    void allSuppressesTheOthersInListOrderThenCloseFailures() {
        SlowCancel a = new SlowCancel("a", log);
        Task<Object> b = new Task<>();
        Task<Object> c = new Task<>();
        SlowCancel d = new SlowCancel("d", log);
        Task<Object> e = new Task<>();
        Res produced = new Res("produced");
        IllegalStateException closeFailed = new IllegalStateException("close failed");
        produced.closing = Task.failed(closeFailed);
        e.succeed(produced);
        Task<List<Object>> all = Task.all(List.of(a, b, c, d, e));
        IllegalStateException first = new IllegalStateException("c failed first");
        c.fail(first);
        assertEquals(List.of("cancel d", "cancel a"), log, "newest first; plain b is cancelled silently");
        assertTrue(b.isCancelled());
        assertFalse(all.isDone());
        IllegalStateException later = new IllegalStateException("a failed later");
        a.fail(later);
        IllegalStateException cleanup = new IllegalStateException("d cleanup");
        d.cleanedUp(cleanup);
        assertTrue(all.isDone());
        assertSame(first, assertThrows(IllegalStateException.class, all::join));
        Throwable[] suppressed = first.getSuppressed();
        assertEquals(3, suppressed.length, Arrays.toString(suppressed));
        assertSame(later, suppressed[0]);
        assertInstanceOf(CancellationException.class, suppressed[1]);
        assertSame(cleanup, suppressed[1].getSuppressed()[0]);
        assertSame(closeFailed, suppressed[2]);
        assertEquals(1, produced.closes.get());
        assertSame(first, produced.cause, "an undelivered value is aborted with the failure that made it unwanted");
        assertFalse(all.cancel(), "a failure decided");
    }

    /** Cancelling an all: every value produced is closed once, with the cancellation as cause; cancel() was right. */
    @Test
    void cancellingAnAllClosesEveryProducedValueOnceAndEndsCancelled() {
        Task<Object> a = new Task<>();
        SlowCancel b = new SlowCancel("b", log);
        Task<List<Object>> all = Task.all(List.of(a, b));
        Res ra = new Res("ra");
        a.succeed(ra);
        assertTrue(all.cancel());
        assertFalse(all.isDone(), "waits for b's cleanup");
        Res rb = new Res("rb");
        b.succeed(rb); // b ignored the request and produced a value all the same
        assertTrue(all.isCancelled());
        CancellationException outcome = assertThrows(CancellationException.class, all::join);
        assertEquals(0, outcome.getSuppressed().length);
        assertEquals(1, ra.closes.get());
        assertEquals(1, rb.closes.get());
        assertTrue(ra.aborted && rb.aborted);
        assertInstanceOf(CancellationException.class, ra.cause);
        assertTrue(all.cancel(), "cancelled: still true");
    }

    /** The same task twice in a combination: its value twice; a failure of it is not suppressed onto itself. */
    @Test
    void theSameTaskTwiceInACombination() {
        Task<Object> t = new Task<>();
        Task<List<Object>> all = Task.all(List.of(t, t));
        t.succeed("v");
        assertEquals(List.of("v", "v"), all.join());

        Task<Object> u = new Task<>();
        Task<Object> any = Task.any(List.of(u, u));
        IllegalStateException boom = new IllegalStateException("boom");
        u.fail(boom);
        assertSame(boom, assertThrows(IllegalStateException.class, any::join));
        assertEquals(0, boom.getSuppressed().length);
    }

    /**
     * A loser whose body has already returned a resource (it waits for a child) keeps its value when cancelled: any
     * closes that late value, and completes only after the loser, child included, has completed.
     */
    @Test
    void anyClosesTheValueOfALoserThatHadAlreadyReturnedIt() {
        Res late = new Res("late");
        Task<Object> childGate = new Task<>();
        Script<Object> loser = new Script<>((i, v, f) -> {
            new Script<Object>((j, w, g) -> j == 0 ? new Await(childGate) : LifecycleEdgesTest.valueOr(w, g)).start();
            return late; // the body ends; the call waits for its child
        });
        loser.start();
        assertFalse(loser.isDone());
        Task<Object> winner = new Task<>();
        Task<Object> any = Task.any(List.of(winner, loser));
        winner.succeed("w");
        assertTrue(loser.isDone(), "its child was cancelled and the call concluded");
        assertFalse(loser.isCancelled(), "a body that had returned keeps its value");
        assertFalse(loser.cancel());
        assertEquals("w", any.join());
        assertEquals(1, late.closes.get(), "a value another input produced meanwhile is closed");
        assertNull(late.cause);
    }

    /** A cancel() racing the winning, resource-producing input: either the value is delivered or closed, once. */
    @Test
    void anyCancelRacingAWinningResourceEitherDeliversItOrClosesIt() throws Exception {
        for (int r = 0; r < 1500; r++) {
            CompletableTask<Object> in = new CompletableTask<>();
            Task<Object> other = new Task<>();
            Task<Object> any = Task.any(List.of(in, other));
            Res res = new Res("r" + r);
            boolean[] completed = new boolean[1];
            boolean[] cancelled = new boolean[1];
            race(() -> completed[0] = in.complete(res), () -> cancelled[0] = any.cancel());
            assertTrue(any.isDone(), "round " + r);
            assertEquals(cancelled[0], any.isCancelled(), "round " + r + ": cancel() said " + cancelled[0]);
            if (any.isCancelled()) {
                assertEquals(completed[0] ? 1 : 0, res.closes.get(), "round " + r);
            } else {
                assertTrue(completed[0]);
                assertSame(res, any.join());
                assertEquals(0, res.closes.get(), "round " + r);
            }
        }
    }

    /** A cancel() racing an input's failure: cancel()'s answer is the final state, and the failure is never lost. */
    @Test
    void allCancelRacingAFailureAgreesAndNeverLosesTheFailure() throws Exception {
        for (int r = 0; r < 1500; r++) {
            Task<Object> in = new Task<>();
            Task<Object> other = new Task<>();
            Task<List<Object>> all = Task.all(List.of(in, other));
            IllegalStateException boom = new IllegalStateException("boom " + r);
            boolean[] failed = new boolean[1];
            boolean[] cancelled = new boolean[1];
            race(() -> failed[0] = in.fail(boom), () -> cancelled[0] = all.cancel());
            assertTrue(all.isDone());
            assertEquals(cancelled[0], all.isCancelled(), "round " + r);
            Throwable outcome = outcomeOf(all);
            if (all.isCancelled()) {
                if (failed[0]) assertArrayEquals(new Throwable[] {boom}, outcome.getSuppressed(), "round " + r);
                else assertEquals(0, outcome.getSuppressed().length);
            } else {
                assertTrue(failed[0]);
                assertSame(boom, outcome);
            }
        }
    }

    // ---- Coda.timeout ---------------------------------------------------------------------------------------------

    @Test
    void aTimeoutDecidedByItsTimerRefusesALaterCancelAndFailsWithTimeoutException() throws Exception {
        SlowCancel body = new SlowCancel("body", log);
        Task<Object> t = Coda.timeout(Duration.ofMillis(5), () -> body);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(3);
        while (!log.contains("cancel body") && System.nanoTime() < deadline) Thread.sleep(1);
        assertEquals(List.of("cancel body"), log);
        assertFalse(t.cancel(), "the timer decided: a cancel() changes nothing");
        assertFalse(t.isDone());
        body.cleanedUp();
        assertFalse(t.isCancelled());
        CompletionException wrapped = assertThrows(CompletionException.class, t::join);
        assertInstanceOf(TimeoutException.class, wrapped.getCause());
    }

    @Test
    void aBodyThatSucceedsDespiteTheTimeoutKeepsItsValueUnclosed() throws Exception {
        SlowCancel body = new SlowCancel("body", log);
        Task<Object> t = Coda.timeout(Duration.ofMillis(5), () -> body);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(3);
        while (!log.contains("cancel body") && System.nanoTime() < deadline) Thread.sleep(1);
        Res res = new Res("res");
        body.succeed(res);
        assertSame(res, t.join());
        assertEquals(0, res.closes.get());
    }

    @Test
    void aCancelledTimeoutWhoseBodyStillProducesAResourceClosesIt() {
        SlowCancel body = new SlowCancel("body", log);
        Task<Object> t = Coda.timeout(Duration.ofDays(1), () -> body);
        assertTrue(t.cancel());
        Res res = new Res("res");
        body.succeed(res);
        assertTrue(t.isCancelled());
        assertEquals(1, res.closes.get());
        assertInstanceOf(CancellationException.class, res.cause);
    }

    /**
     * Coda.timeout: "returns a task that completes as [the body] does". A body cancelled by someone else (not by the
     * timer) is a cancelled task; so should the timeout's task be, as Task.failed and Task.from make a cancellation a
     * cancelled task. Observable: isCancelled(), and whether a parent reports it (a failed child is reported).
     */
    @Test
    void aTimeoutWhoseBodyWasCancelledElsewhereIsCancelled() {
        CompletableTask<Object> body = new CompletableTask<>();
        Task<Object> t = Coda.timeout(Duration.ofDays(1), () -> body);
        assertTrue(body.cancel());
        assertTrue(t.isDone());
        assertThrows(CancellationException.class, t::join);
        assertTrue(t.isCancelled(), "the body is cancelled, the timeout's task is " + t);
    }

    /**
     * What that changes for a parent: a child cancelled by someone else, cleanly, is nothing to report; the same body
     * behind a timeout makes the parent fail with a CancellationException.
     */
    @Test
    void aParentOfATimeoutWhoseBodyWasCancelledElsewhereHasNothingToReport() {
        Task<Object> gate = new Task<>();
        List<CompletableTask<Object>> bodies = new ArrayList<>();
        Script<Object> parent = new Script<>((i, v, f) -> {
            if (i == 0) {
                CompletableTask<Object> plain = new CompletableTask<>(); // a child of the parent, never awaited
                CompletableTask<Object> timed = new CompletableTask<>();
                bodies.add(plain);
                bodies.add(timed);
                Coda.timeout(Duration.ofDays(1), () -> timed); // a child too, never awaited
                return new Await(gate);
            }
            return "p";
        });
        parent.start();
        assertTrue(bodies.get(0).cancel());
        assertTrue(bodies.get(1).cancel());
        gate.succeed("go");
        assertTrue(parent.isDone());
        Throwable outcome = outcomeOf(parent);
        assertNull(outcome, "the parent failed with " + describe(outcome));
        assertEquals("p", parent.join());
    }

    /** The timer racing the body's completion with a resource: delivered, or the body cancelled; never both, never lost. */
    @Test
    void timerRacingTheBodysResource() throws Exception {
        long end = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(2000);
        for (int r = 0; r < 400 && System.nanoTime() < end; r++) {
            CompletableTask<Object> body = new CompletableTask<>();
            Task<Object> t = Coda.timeout(Duration.ofNanos(100_000), () -> body);
            long spinUntil = System.nanoTime() + 50_000 + (r % 10) * 20_000;
            while (System.nanoTime() < spinUntil) Thread.onSpinWait();
            Res res = new Res("r" + r);
            boolean completed = body.complete(res);
            settle(t);
            Throwable outcome = outcomeOf(t);
            if (outcome == null) {
                assertTrue(completed, "round " + r);
                assertSame(res, t.join());
                assertEquals(0, res.closes.get());
            } else {
                assertInstanceOf(TimeoutException.class, outcome.getCause(), "round " + r + ": " + outcome);
                assertFalse(completed, "round " + r + ": the body's value was produced but the timeout failed");
                assertTrue(body.isCancelled());
                assertEquals(0, outcome.getCause().getSuppressed().length);
            }
        }
    }

    // ---- TaskScope --------------------------------------------------------------------------------------------

    @Test
    void aScopeClosedTwiceAndAbortedAfterItsCloseStaysOneTaskAndRefusesSpawns() {
        TaskScope scope = TaskScope.open();
        CompletableTask<Object> child = new CompletableTask<>();
        assertSame(child, scope.spawn(() -> child));
        Task<Void> close = scope.closeAsync();
        assertSame(close, scope.closeAsync());
        assertFalse(close.isDone());
        Task<Object> sibling = scope.spawn(() -> Task.completed("while closing"));
        assertEquals("while closing", sibling.join());
        assertTrue(child.complete("c"));
        assertTrue(close.isDone());
        assertNull(close.join());
        assertSame(close, scope.abortAsync(new IllegalStateException("late")), "the same task, already done");
        assertFalse(close.cancel(), "done: cancel() reports false");
        assertThrows(IllegalStateException.class, () -> scope.spawn(() -> Task.completed(1)));
    }

    /**
     * Failures in order of completion, not of spawn; a cancelled child with a cleanup failure after them; fail-fast
     * cancels the still running ones newest first.
     */
    @Test
    void theScopesCloseOrdersFailuresByCompletionThenCleanupFailures() {
        TaskScope scope = TaskScope.open();
        SlowCancel a = new SlowCancel("a", log);
        SlowCancel b = new SlowCancel("b", log);
        SlowCancel c = new SlowCancel("c", log);
        scope.spawn(() -> a);
        scope.spawn(() -> b);
        scope.spawn(() -> c);
        Task<Void> closed = scope.closeAsync();
        IllegalStateException xc = new IllegalStateException("c");
        c.fail(xc);
        assertEquals(List.of("cancel b", "cancel a"), log);
        IllegalStateException cleanup = new IllegalStateException("b cleanup");
        b.cleanedUp(cleanup);
        IllegalStateException xa = new IllegalStateException("a");
        a.fail(xa);
        assertSame(xc, assertThrows(IllegalStateException.class, closed::join));
        Throwable[] s = xc.getSuppressed();
        assertEquals(2, s.length, Arrays.toString(s));
        assertSame(xa, s[0]);
        assertInstanceOf(CancellationException.class, s[1]);
        assertSame(cleanup, s[1].getSuppressed()[0]);
    }

    /** abortAsync with only a cancelled child whose hook failed: the close fails with that cancellation. */
    @Test
    void anAbortedScopeReportsACancellationHookFailure() {
        TaskScope scope = TaskScope.open();
        IllegalStateException hookFailed = new IllegalStateException("hook");
        CompletableTask<Object> child = new CompletableTask<>();
        child.onCancel(() -> {
            throw hookFailed;
        });
        scope.spawn(() -> child);
        Task<Void> close = scope.abortAsync(new IllegalStateException("owner failed"));
        assertTrue(close.isDone());
        assertTrue(child.isCancelled());
        CancellationException outcome = assertThrows(CancellationException.class, close::join);
        assertArrayEquals(new Throwable[] {hookFailed}, outcome.getSuppressed());
        assertFalse(close.isCancelled(), "a failure, not a cancellation of the close");
        Task<Object> late = new CompletableTask<>();
        assertThrows(IllegalStateException.class, () -> scope.spawn(() -> late));
    }

    /**
     * Nested scopes: a grandchild fails; the inner scope cancels its sibling and its close fails; the child owning it
     * fails; the outer scope cancels the other child; the outer close fails with the one failure, reported once.
     */
    @Test
    void nestedScopesPropagateOneFailureOnce() {
        TaskScope outer = TaskScope.open();
        Task<Object> g1 = new Task<>();
        Task<Object> g2Gate = new Task<>();
        List<Task<Object>> grandchildren = new ArrayList<>();
        Task<Object> c1 = outer.spawn(() -> new Script<Object>((i, v, f) -> {
            if (i == 0) {
                TaskScope inner = TaskScope.open();
                grandchildren.add(inner.spawn(() -> awaiting(g1)));
                grandchildren.add(inner.spawn(() -> awaiting(g2Gate)));
                return new Await(inner.closeAsync());
            }
            return LifecycleEdgesTest.valueOr(v, f);
        }).start());
        Task<Object> c2 = outer.spawn(() -> awaiting(new Task<>()));
        Task<Void> outerClose = outer.closeAsync();
        assertFalse(outerClose.isDone());
        IllegalStateException boom = new IllegalStateException("grandchild failed");
        g1.fail(boom);
        assertTrue(grandchildren.get(1).isCancelled());
        assertTrue(c1.isDone());
        assertSame(boom, c1.failureNow());
        assertTrue(c2.isCancelled());
        assertSame(boom, assertThrows(IllegalStateException.class, outerClose::join));
        assertEquals(0, boom.getSuppressed().length, Arrays.toString(boom.getSuppressed()));
    }

    /** A child's cancellation hook spawns into the failing scope: that spawn is cancelled at once, and waited for. */
    @Test
    void aSpawnFromACancellationHookDuringFailFastIsCancelledAtOnce() {
        TaskScope scope = TaskScope.open();
        List<Task<Object>> fromHook = new ArrayList<>();
        CompletableTask<Object> child = new CompletableTask<>();
        child.onCancel(() -> fromHook.add(scope.spawn(() -> new CompletableTask<>())));
        scope.spawn(() -> child);
        IllegalStateException boom = new IllegalStateException("boom");
        scope.spawn(() -> Task.failed(boom));
        assertTrue(child.isCancelled());
        assertEquals(1, fromHook.size());
        assertTrue(fromHook.get(0).isCancelled());
        Task<Void> close = scope.closeAsync();
        assertTrue(close.isDone());
        assertSame(boom, assertThrows(IllegalStateException.class, close::join));
    }

    /** A coroutine owning a scope is cancelled while awaiting its close: the children are cancelled and waited for. */
    @Test
    void anOwnerCancelledInItsCloseCancelsTheChildrenAndOutlivesNone() {
        SlowCancel slow = new SlowCancel("slow", log);
        Script<Object> owner = new Script<>((i, v, f) -> {
            if (i == 0) {
                TaskScope scope = TaskScope.open();
                scope.spawn(() -> slow);
                return new Await(scope.closeAsync());
            }
            return LifecycleEdgesTest.valueOr(v, f);
        });
        owner.start();
        assertTrue(owner.cancel());
        assertEquals(List.of("cancel slow"), log);
        assertFalse(owner.isDone(), "the owner waits for its scope's children");
        IllegalStateException cleanup = new IllegalStateException("slow cleanup");
        slow.cleanedUp(cleanup);
        assertTrue(owner.isCancelled());
        CancellationException outcome = assertThrows(CancellationException.class, owner::join);
        // The close failed with the child's cancellation carrying the cleanup failure: reported on the owner's.
        assertEquals(1, outcome.getSuppressed().length, Arrays.toString(outcome.getSuppressed()));
        assertSame(cleanup, outcome.getSuppressed()[0].getSuppressed()[0]);
    }

    /** Fail-fast racing spawns from another thread: every child spawned is cancelled, none outlives the failure. */
    @Test
    void failFastRacingConcurrentSpawnsCancelsEveryOne() throws Exception {
        for (int r = 0; r < 500; r++) {
            TaskScope scope = TaskScope.open();
            CompletableTask<Object> failing = new CompletableTask<>();
            scope.spawn(() -> failing);
            IllegalStateException boom = new IllegalStateException("boom");
            List<CompletableTask<Object>> spawned = new CopyOnWriteArrayList<>();
            race(() -> failing.completeExceptionally(boom), () -> {
                for (int k = 0; k < 4; k++) {
                    CompletableTask<Object> ct = new CompletableTask<>();
                    scope.spawn(() -> ct);
                    spawned.add(ct);
                }
            });
            for (CompletableTask<Object> ct : spawned) assertTrue(ct.isCancelled(), "round " + r);
            Task<Void> close = scope.closeAsync();
            assertTrue(close.isDone());
            assertSame(boom, assertThrows(IllegalStateException.class, close::join));
            assertEquals(0, boom.getSuppressed().length);
        }
    }

    /** The close racing a spawn from another thread: a spawn that returned is waited for; otherwise it threw. */
    @Test
    void closeRacingASpawnNeverLetsTheChildOutliveTheClose() throws Exception {
        for (int r = 0; r < 1000; r++) {
            TaskScope scope = TaskScope.open();
            CompletableTask<Object> ct = new CompletableTask<>();
            @SuppressWarnings("unchecked") Task<Void>[] close = new Task[1];
            boolean[] spawned = new boolean[1];
            race(() -> close[0] = scope.closeAsync(), () -> {
                try {
                    scope.spawn(() -> ct);
                    spawned[0] = true;
                } catch (IllegalStateException refused) {
                    spawned[0] = false;
                }
            });
            if (spawned[0]) {
                assertFalse(close[0].isDone(), "round " + r + ": the close completed before its child");
                ct.complete("x");
            }
            assertTrue(close[0].isDone(), "round " + r);
            assertNull(close[0].join());
        }
    }

    /** An executor scope: spawns on a real pool, a failure cancels the rest, the close reports it once. */
    @Test
    void anExecutorScopeFailsFastAcrossThreads() throws Exception {
        ExecutorService exec = Executors.newFixedThreadPool(3);
        try {
            TaskScope scope = TaskScope.open(exec);
            List<Task<Object>> gates = new ArrayList<>();
            List<Task<Object>> children = new ArrayList<>();
            for (int k = 0; k < 6; k++) {
                Task<Object> gate = new Task<>();
                gates.add(gate);
                children.add(scope.spawn(() -> LifecycleEdgesTest.<Object>awaiting(gate).start()));
            }
            IllegalStateException boom = new IllegalStateException("boom");
            Thread.sleep(20); // let the starts run (or not), then fail one of them
            gates.get(2).fail(boom);
            Task<Void> close = scope.closeAsync();
            settle(close);
            assertSame(boom, assertThrows(IllegalStateException.class, close::join));
            assertEquals(0, boom.getSuppressed().length);
            for (int k = 0; k < 6; k++) {
                if (k == 2) assertSame(boom, children.get(k).failureNow());
                else assertTrue(children.get(k).isCancelled(), "child " + k + ": " + children.get(k));
            }
        } finally {
            exec.shutdownNow();
        }
    }

    // ---- CompletableTask ----------------------------------------------------------------------------------------

    /** A hook set once the task completed otherwise is ignored, as the first one is: neither ever runs. */
    @Test
    void aHookSetAfterTheTaskCompletedIsIgnored() {
        CompletableTask<String> t = new CompletableTask<>();
        t.onCancel(() -> log.add("first"));
        assertTrue(t.complete("v"));
        assertSame(t, t.onCancel(() -> log.add("second")));
        assertFalse(t.cancel());
        assertEquals(List.of(), log);
        assertEquals("v", t.join());
    }

    /** The hook runs before any waiter sees the cancellation, and its failure is on the outcome. */
    @Test
    void theHookRunsBeforeWaitersAndItsFailureIsSuppressed() throws Exception {
        CompletableTask<String> t = new CompletableTask<>();
        IllegalStateException hookFailed = new IllegalStateException("hook");
        t.onCancel(() -> {
            log.add("hook");
            throw hookFailed;
        });
        CompletableFuture<String> f = t.toCompletableFuture();
        f.whenComplete((v, e) -> log.add("waiter saw " + (e instanceof CancellationException)));
        assertTrue(t.cancel());
        assertEquals(List.of("hook", "waiter saw true"), log);
        assertTrue(f.isCancelled());
        CancellationException outcome = assertThrows(CancellationException.class, t::join);
        assertArrayEquals(new Throwable[] {hookFailed}, outcome.getSuppressed());
        assertTrue(t.cancel());
        assertFalse(t.complete("late"));
        assertEquals(List.of("hook", "waiter saw true"), log);
    }

    /** Completion racing cancel with a failing hook: the answers agree, the hook failure appears only if cancelled. */
    @Test
    void completionRacingACancelWithAFailingHook() throws Exception {
        for (int r = 0; r < 2000; r++) {
            CompletableTask<String> t = new CompletableTask<>();
            AtomicInteger hookRuns = new AtomicInteger();
            IllegalStateException hookFailed = new IllegalStateException("hook");
            t.onCancel(() -> {
                hookRuns.incrementAndGet();
                throw hookFailed;
            });
            boolean[] completed = new boolean[1];
            boolean[] cancelled = new boolean[1];
            race(() -> completed[0] = t.complete("v"), () -> cancelled[0] = t.cancel());
            assertTrue(t.isDone());
            assertEquals(cancelled[0], t.isCancelled(), "round " + r);
            assertEquals(!completed[0], t.isCancelled(), "round " + r);
            assertEquals(t.isCancelled() ? 1 : 0, hookRuns.get(), "round " + r);
            if (t.isCancelled()) {
                assertArrayEquals(new Throwable[] {hookFailed}, t.failureNow().getSuppressed());
            } else {
                assertEquals("v", t.join());
            }
        }
    }

    /** Made in an async function that then fails: cancelled (hook run) before the function completes; reported once. */
    @Test
    void aCompletableTaskOfAFailingFunctionIsCancelledAndItsHookFailureSuppressed() {
        IllegalStateException boom = new IllegalStateException("body failed");
        IllegalStateException hookFailed = new IllegalStateException("hook");
        List<CompletableTask<Object>> op = new ArrayList<>();
        Script<Object> fn = new Script<>((i, v, f) -> {
            CompletableTask<Object> t = new CompletableTask<>();
            op.add(t);
            t.onCancel(() -> {
                log.add("hook");
                throw hookFailed;
            });
            throw boom;
        });
        fn.start();
        assertTrue(op.get(0).isCancelled());
        assertEquals(List.of("hook"), log);
        assertTrue(fn.isDone());
        assertSame(boom, assertThrows(IllegalStateException.class, fn::join));
        Throwable[] s = boom.getSuppressed();
        assertEquals(1, s.length, Arrays.toString(s));
        assertSame(hookFailed, s[0].getSuppressed()[0]);
    }

    // ---- views ----------------------------------------------------------------------------------------------------

    @Test
    void cancellingAViewLeavesTheStageAloneAndCancellingTheStageCancelsTheView() {
        CompletableFuture<String> stage = new CompletableFuture<>();
        Task<String> v1 = Task.from(stage);
        Task<String> v2 = Task.from(stage);
        assertTrue(v1.cancel());
        assertTrue(v1.isCancelled());
        assertFalse(stage.isDone());
        assertTrue(stage.cancel(true));
        assertTrue(v2.isCancelled());
        assertThrows(CancellationException.class, v2::join);
        assertTrue(v2.cancel());
    }


    /** The same view joined from another thread after the abandonment does get the stage's value. */
    @Test
    void anAbandonedViewJoinedFromAnotherThreadGetsTheValue() throws Exception {
        CompletableFuture<String> stage = new CompletableFuture<>();
        Task<String> view = Task.from(stage);
        Script<Object> waiting = awaiting(view);
        assertTrue(waiting.cancel());
        Future<String> joined = pool.submit(view::join);
        Thread.sleep(20);
        stage.complete("v");
        assertEquals("v", joined.get(4, TimeUnit.SECONDS));
        assertTrue(view.isDone());
    }

    /** Many anys lost by a view of one shared stage leave one registration on the stage. */
    @Test
    void viewsLosingAnyLeaveOneRegistrationOnTheSharedStage() {
        CompletableFuture<Void> shutdown = new CompletableFuture<>();
        for (int k = 0; k < 2000; k++) {
            Task<Object> work = new Task<>();
            Task<Object> any = Task.any(List.of(work, Task.from(shutdown)));
            work.succeed(k);
            assertEquals(k, any.join());
        }
        assertTrue(shutdown.getNumberOfDependents() <= 1, "dependents: " + shutdown.getNumberOfDependents());
        assertFalse(shutdown.isDone());
    }

    /** The future of a task: cancel racing completion agrees with the final states of both. */
    @Test
    void futureCancelRacingTheTasksCompletion() throws Exception {
        for (int r = 0; r < 2000; r++) {
            CompletableTask<String> t = new CompletableTask<>();
            CompletableFuture<String> f = t.toCompletableFuture();
            boolean[] completed = new boolean[1];
            boolean[] cancelled = new boolean[1];
            race(() -> completed[0] = t.complete("v"), () -> cancelled[0] = f.cancel(true));
            f.handle((v, e) -> null).get(4, TimeUnit.SECONDS);
            assertEquals(cancelled[0], f.isCancelled(), "round " + r);
            assertEquals(cancelled[0], t.isCancelled(), "round " + r);
            assertEquals(!completed[0], t.isCancelled(), "round " + r);
            if (!cancelled[0]) assertEquals("v", f.get());
        }
    }

    /** The future of a decided any: cancel() is false and the future gets the value after the loser's cleanup. */
    @Test
    void theFutureOfADecidedAnyRefusesCancelAndDeliversTheValue() throws Exception {
        SlowCancel loser = new SlowCancel("loser", log);
        Task<Object> winner = new Task<>();
        Task<Object> any = Task.any(List.of(winner, loser));
        CompletableFuture<Object> f = any.toCompletableFuture();
        winner.succeed("w");
        assertFalse(f.cancel(true));
        assertFalse(f.isDone());
        loser.cleanedUp();
        assertEquals("w", f.get(1, TimeUnit.SECONDS));
        assertFalse(f.isCancelled());
    }

    /** Completing the future from outside cancels the combination, which closes what it held. */
    @Test
    void aFutureSettledFromOutsideCancelsTheCombinationWhichClosesItsValues() {
        Res res = new Res("res");
        CompletableTask<Object> pending = new CompletableTask<>();
        Task<List<Object>> all = Task.all(List.of(Task.completed(res), pending));
        CompletableFuture<List<Object>> f = all.toCompletableFuture();
        assertTrue(f.complete(List.of()));
        assertTrue(pending.isCancelled());
        assertTrue(all.isCancelled());
        assertEquals(1, res.closes.get());
        assertEquals(List.of(), f.join());
    }

    /** Many threads join one combination; all see the values. */
    @Test
    void joinsFromManyThreads() throws Exception {
        ExecutorService joiners = Executors.newFixedThreadPool(8);
        try {
            CompletableTask<Object> a = new CompletableTask<>();
            CompletableTask<Object> b = new CompletableTask<>();
            Task<List<Object>> all = Task.all(List.of(a, b));
            CountDownLatch started = new CountDownLatch(8);
            List<Future<List<Object>>> joins = new ArrayList<>();
            for (int k = 0; k < 8; k++) {
                joins.add(joiners.submit(() -> {
                    started.countDown();
                    return all.join();
                }));
            }
            assertTrue(started.await(4, TimeUnit.SECONDS));
            pool.submit(() -> b.complete("b"));
            pool.submit(() -> a.complete("a"));
            for (Future<List<Object>> j : joins) assertEquals(List.of("a", "b"), j.get(4, TimeUnit.SECONDS));
        } finally {
            joiners.shutdownNow();
        }
    }

    // ---- AsyncChannels on loopback -----------------------------------------------------------------------------

    @Test
    void aCancelledAcceptClosesTheServer() throws Exception {
        try (AsynchronousServerSocketChannel server = AsynchronousServerSocketChannel.open()) {
            server.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
            Task<AsynchronousSocketChannel> accept = AsyncChannels.accept(server);
            assertFalse(accept.isDone());
            assertTrue(accept.cancel());
            assertTrue(accept.isCancelled());
            assertFalse(server.isOpen());
            CancellationException outcome = assertThrows(CancellationException.class, accept::join);
            assertEquals(0, outcome.getSuppressed().length);
        }
    }

    @Test
    void aCancelledReadShutsTheInputDownAndLeavesTheSocketWritable() throws Exception {
        try (AsynchronousServerSocketChannel server = AsynchronousServerSocketChannel.open()) {
            server.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
            Task<AsynchronousSocketChannel> accept = AsyncChannels.accept(server);
            try (AsynchronousSocketChannel client = AsynchronousSocketChannel.open()) {
                AsyncChannels.connect(client, server.getLocalAddress()).toCompletableFuture().get(4, TimeUnit.SECONDS);
                try (AsynchronousSocketChannel conn = accept.toCompletableFuture().get(4, TimeUnit.SECONDS)) {
                    Task<Integer> read = AsyncChannels.read(conn, ByteBuffer.allocate(16));
                    Task<Integer> second = AsyncChannels.read(conn, ByteBuffer.allocate(16));
                    assertThrows(ReadPendingException.class, second::join, "fails the task, not thrown by read()");
                    assertTrue(read.cancel());
                    assertTrue(read.isCancelled());
                    assertTrue(conn.isOpen(), "a cancelled read leaves the socket open");
                    ByteBuffer bye = ByteBuffer.wrap("bye".getBytes(StandardCharsets.US_ASCII));
                    assertEquals(3, AsyncChannels.write(conn, bye).toCompletableFuture().get(4, TimeUnit.SECONDS));
                    ByteBuffer in = ByteBuffer.allocate(16);
                    int n = AsyncChannels.read(client, in).toCompletableFuture().get(4, TimeUnit.SECONDS);
                    assertEquals("bye", new String(in.array(), 0, n, StandardCharsets.US_ASCII));
                }
            }
        }
    }

    @Test
    void aReadOnAnUnconnectedSocketFailsItsTask() throws Exception {
        try (AsynchronousSocketChannel s = AsynchronousSocketChannel.open()) {
            Task<Integer> read = AsyncChannels.read(s, ByteBuffer.allocate(4));
            assertTrue(read.isDone());
            assertThrows(NotYetConnectedException.class, read::join);
            assertFalse(read.cancel());
        }
    }
}
