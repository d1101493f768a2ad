package dev.coda;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.IntFunction;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The edges of a coroutine's life that the other tests touch lightly, driven by a scripted hand-written coroutine
 * ({@link Script}): deferred starts and their cancellation or refusal, a first step whose body runs on another thread
 * before the step's exit, nested starts and blocking joins inside queued resumptions, children that fail or are
 * cancelled after their parent's body ended, {@code detach()}, suppressed failures, the state word, what
 * {@code cancel()} reports while the end is decided, and a few races (each bounded in rounds and time).
 */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class LifecycleEdgesTest {

    // ---- a scripted hand-made coroutine ---------------------------------------------------------------------------

    /** One step of a script: the i-th call sees the outcome of the last await (value, or failure). */
    interface Body {
        Object next(int i, Object value, Throwable failure) throws Throwable;
    }

    /** Script result: await this task next. */
    record Await(Task<?> task) {}

    /** Script result: {@code return task;}. */
    record ReturnTask(Task<?> task) {}

    /**
     * A state machine following the documented protocol, driven by {@link Body}: each await's outcome (a value, or
     * the throwable {@code take} threw, a delivered {@link Cancelled} included) is handed to the next call; anything
     * else the body returns is the coroutine's value; what it throws leaves the body.
     */
    static final class Script<T> extends Coroutine<T> {
        private final IntFunction<StackTraceElement> frames;
        private final Body body;
        private volatile int i;
        private boolean suspended;
        final AtomicInteger steps = new AtomicInteger();

        Script(Body body) {
            this(null, body);
        }

        /** With the source position of each await, the i-th at {@code frames.apply(i)}, for async stack traces. */
        Script(IntFunction<StackTraceElement> frames, Body body) {
            this.frames = frames;
            this.body = body;
        }

        @Override
        protected StackTraceElement awaitFrame() {
            return frames == null ? null : frames.apply(i);
        }

        @Override
        protected void resume() {
            steps.incrementAndGet();
            Object value = null;
            Throwable failure = null;
            if (suspended) {
                suspended = false;
                Task<?> t = resumed();
                try {
                    value = take(t);
                } catch (Throwable x) {
                    failure = x;
                }
                i++;
            }
            for (;;) {
                Object next;
                try {
                    next = body.next(i, value, failure);
                } catch (Throwable x) {
                    throw Sneaky.<RuntimeException>rethrow(x);
                }
                if (next instanceof Await) {
                    Task<?> t = ((Await) next).task();
                    value = null;
                    failure = null;
                    if (!ready(t)) {
                        suspended = true;
                        if (suspend(t)) return;
                        suspended = false;
                        t = resumed();
                    }
                    try {
                        value = take(t);
                    } catch (Throwable x) {
                        failure = x;
                    }
                    i++;
                    continue;
                }
                if (next instanceof ReturnTask) {
                    returnTask(((ReturnTask) next).task());
                    return;
                }
                returnValue(next);
                return;
            }
        }
    }

    /** Rethrows {@code f} if there is one, else gives {@code v}: the end of {@code return await(x);}. */
    static Object valueOr(Object v, Throwable f) throws Throwable {
        if (f != null) throw f;
        return v;
    }

    /** {@code return await(gate);} */
    static <T> Script<T> awaiting(Task<?> gate) {
        return new Script<>((i, v, f) -> i == 0 ? new Await(gate) : valueOr(v, f));
    }

    /** {@code try { return await(gate); } finally { await(cleanup); }} */
    static Script<Integer> awaitingThenCleaningUp(Task<Integer> gate, Task<Void> cleanup) {
        Throwable[] delivered = new Throwable[1];
        return new Script<>((i, v, f) -> {
            if (i == 0) return new Await(gate);
            if (i == 1) {
                delivered[0] = f;
                return new Await(cleanup);
            }
            if (delivered[0] != null) throw delivered[0];
            return v;
        });
    }

    /** {@code child(); return value;}: a body that starts {@code child} and ends with {@code value}. */
    static Script<String> startingThenReturning(Coroutine<?> child, String value) {
        return new Script<>((i, v, f) -> {
            child.start();
            return value;
        });
    }

    /** {@code await(gate); throw failure;} and, on a delivered cancellation, its cleanup throws {@code onCancel}. */
    static <T> Script<T> awaitingThenThrowing(Task<?> gate, Throwable failure, Throwable onCancel, List<String> log,
                                              String name) {
        return new Script<>((i, v, f) -> {
            if (i == 0) return new Await(gate);
            if (f instanceof Cancelled) {
                log(log, name + " cleanup");
                if (onCancel != null) throw onCancel;
                throw f;
            }
            if (f != null) throw f;
            if (failure != null) throw failure;
            return v;
        });
    }

    static void log(List<String> log, String event) {
        if (log != null) TestCoroutines.log(log, event);
    }

    /** An executor whose runnables run only when the test says so. */
    static final class Queue implements Executor {
        final ArrayDeque<Runnable> runnables = new ArrayDeque<>();

        @Override
        public void execute(Runnable r) {
            runnables.add(r);
        }

        void runAll() {
            Runnable r;
            while ((r = runnables.poll()) != null) r.run();
        }
    }

    /** {@code @Async Task<String> body(@Owned AsyncCloseable p, Task<String> dep)}: awaits dep, returns it. */
    static final class Owning extends TestCoroutines.AwaitThen<String, String> {
        AsyncCloseable p;

        Owning(AsyncCloseable p, Task<String> dep) {
            super(dep, v -> v);
            this.p = p;
        }

        boolean bodyRan() {
            return startedOn != null;
        }

        @Override
        protected AsyncCloseable[] ownedParameters(Object[] arguments) {
            AsyncCloseable[] owned = {p};
            p = null;
            return owned;
        }
    }

    private static final int PHASE = CoreEdgesTest.coroutineConstant("PHASE");
    private static final int FINISHING = CoreEdgesTest.coroutineConstant("FINISHING");
    private static final int UNSTARTED = CoreEdgesTest.coroutineConstant("UNSTARTED");
    private static final int REQUESTED = CoreEdgesTest.coroutineConstant("REQUESTED");
    private static final int DELIVERED = CoreEdgesTest.coroutineConstant("DELIVERED");

    /** The task's state word ({@link Owning}'s own {@code state} field, its label, hides it). */
    static int word(Task<?> task) {
        return task.state;
    }

    private final ExecutorService pool = Executors.newFixedThreadPool(2);

    @AfterEach
    void stopPool() throws InterruptedException {
        pool.shutdownNow();
        assertTrue(pool.awaitTermination(10, TimeUnit.SECONDS));
    }

    private void race(Runnable a, Runnable b) throws Exception {
        Races.race(pool, a, b);
    }

    private static void spinNanos(long nanos) {
        long end = System.nanoTime() + nanos;
        while (System.nanoTime() < end) Thread.onSpinWait();
    }

    // ---- deferred starts ------------------------------------------------------------------------------------------

    /**
     * An executor refuses a deferred start while the task's parameter close is still pending: the task is FINISHING
     * and will fail with the refusal. A cancel() that comes now cannot change that outcome, so by its documented
     * contract ("true if the task is cancelled, or its cancellation is under way; false if it ... will complete
     * otherwise") it must report false, or the task must end cancelled.
     */
    @Test
    void cancelWhileARefusedStartDropsItsParametersReportsWhatTheTaskBecomes() {
        Task<Void> closing = new Task<>();
        AtomicInteger closes = new AtomicInteger();
        AsyncCloseable resource = () -> {
            closes.incrementAndGet();
            return closing;
        };
        RejectedExecutionException refused = new RejectedExecutionException("full");
        TaskScope scope = TaskScope.open(r -> {
            throw refused;
        });
        Owning sm = new Owning(resource, Task.completed("v"));
        Task<String> child = scope.spawn(sm::start);
        assertSame(sm, child);
        assertEquals(1, closes.get(), "the refused start drops its parameter");
        assertFalse(child.isDone(), "the task waits for that close");
        boolean claimed = child.cancel();
        closing.succeed(null);
        assertTrue(child.isDone());
        assertFalse(sm.bodyRan());
        assertEquals(1, closes.get());
        Throwable outcome = child.failureNow();
        assertEquals(child.isCancelled(), claimed,
                "cancel() returned " + claimed + " but the task ended " + outcome);
        assertSame(refused, assertThrows(RejectedExecutionException.class, child::join));
    }

    /**
     * The state word: REQUESTED "cancel() was called; never cleared". A hand-made coroutine cancelled before its
     * start meets the request at its first await when it starts inline; a start deferred by a spawn on an executor
     * should not lose that request either.
     */
    @Test
    void aRequestMadeBeforeADeferredStartIsNotClearedByTheDeferral() {
        Task<String> gate = new Task<>();
        Script<String> inline = awaiting(gate);
        assertTrue(inline.cancel());
        inline.start();
        assertTrue(inline.isCancelled(), "inline: the request is met at the first await");

        Queue queue = new Queue();
        Script<String> deferred = awaiting(gate);
        assertTrue(deferred.cancel());
        assertTrue((word(deferred) & REQUESTED) != 0);
        TaskScope.open(queue).spawn(deferred::start);
        assertTrue((word(deferred) & REQUESTED) != 0, "REQUESTED was cleared by the deferral: state "
                + Integer.toBinaryString(word(deferred)));
        queue.runAll();
        assertTrue(deferred.isCancelled(), "the request made before the start was lost: " + deferred);
        gate.succeed("late");
    }

    /**
     * A coroutine spawned on an executor from inside a body is that body's child. The body fails before the executor
     * ran it: the child is cancelled, its parameter dropped, its body never runs; the parent fails with its own
     * exception alone, and the scope's close succeeds (a cancelled child is no failure).
     */
    @Test
    void aDeferredChildOfAFailingParentIsCancelledBeforeItRuns() {
        Queue queue = new Queue();
        TaskScope scope = TaskScope.open(queue);
        AtomicInteger closes = new AtomicInteger();
        Owning child = new Owning(() -> {
            closes.incrementAndGet();
            return Task.done();
        }, Task.completed("v"));
        IllegalStateException boom = new IllegalStateException("parent failed");
        Script<String> parent = new Script<>((i, v, f) -> {
            scope.spawn(child::start);
            throw boom;
        });
        parent.start();
        assertSame(parent, child.parent());
        assertTrue(child.isCancelled(), "the parent's exceptional end cancels its unstarted child");
        assertEquals(1, closes.get());
        assertTrue(parent.isDone());
        assertSame(boom, parent.failureNow());
        assertEquals(0, boom.getSuppressed().length, Arrays.toString(boom.getSuppressed()));
        queue.runAll();
        assertFalse(child.bodyRan());
        assertEquals(1, closes.get());
        Task<Void> close = scope.closeAsync();
        assertTrue(close.isDone());
        assertFalse(close.isCancelled());
        assertNull(close.failureNow());
    }

    /**
     * A parent awaits a deferred child that has not started, and is cancelled: the child is cancelled (its body never
     * runs) and waited for, then the parent ends cancelled.
     */
    @Test
    void aParentCancelledWhileAwaitingAnUnstartedDeferredChildCancelsItAndEndsCancelled() {
        Queue queue = new Queue();
        TaskScope scope = TaskScope.open(queue);
        AtomicBoolean ran = new AtomicBoolean();
        Script<String> child = new Script<>((i, v, f) -> {
            ran.set(true);
            return "c";
        });
        Script<String> parent = new Script<>((i, v, f) -> i == 0 ? new Await(scope.spawn(child::start)) : valueOr(v, f));
        parent.start();
        assertFalse(parent.isDone());
        assertEquals(UNSTARTED, word(child) & PHASE);
        assertTrue(parent.cancel());
        assertTrue(child.isCancelled());
        assertTrue(parent.isCancelled());
        queue.runAll();
        assertFalse(ran.get());
        assertTrue(scope.closeAsync().isDone());
    }

    /**
     * A spawn body on an executor that starts a coroutine and then throws: the failed spawn fails the scope fast,
     * which cancels the deferred coroutine before it runs; the close fails with the body's exception.
     */
    @Test
    void aSpawnBodyThatThrowsAfterADeferredStartCancelsThatStart() {
        Queue queue = new Queue();
        TaskScope scope = TaskScope.open(queue);
        AtomicBoolean ran = new AtomicBoolean();
        Script<String> started = new Script<>((i, v, f) -> {
            ran.set(true);
            return "s";
        });
        IllegalStateException boom = new IllegalStateException("spawn body failed");
        Task<Object> child = scope.spawn(() -> {
            started.start();
            throw boom;
        });
        assertSame(boom, child.failureNow());
        assertTrue(started.isCancelled(), "fail-fast cancels the deferred start: " + started);
        queue.runAll();
        assertFalse(ran.get());
        Task<Void> close = scope.closeAsync();
        assertTrue(close.isDone());
        assertSame(boom, close.failureNow());
    }

    // ---- a first step resumed elsewhere before its exit ---------------------------------------------------------

    /**
     * A first step in the stub's frame (enter, body, exit) suspends; before the calling thread reaches exit, another
     * thread completes the awaited task and the body fails there. exit then lists the failed call with its parent,
     * which reports the failure nobody saw.
     */
    @Test
    void aChildThatFailedOnAnotherThreadBeforeItsExitIsReportedByItsParent() throws Exception {
        Task<Integer> gate = new Task<>();
        IllegalStateException boom = new IllegalStateException("child failed on another thread");
        Script<Integer> child = awaitingThenThrowing(gate, boom, null, null, "child");
        List<Object> seen = new ArrayList<>();
        AtomicReference<Coroutine<?>> self = new AtomicReference<>();
        Script<String> parent = new Script<>((i, v, f) -> {
            assertTrue(child.enter());
            child.step(); // the first step: suspends on the gate
            Thread other = new Thread(() -> gate.succeed(1));
            other.start();
            other.join();
            seen.add(child.isDone());
            seen.add(Carrier.current().running() == child);
            assertSame(child, Coroutine.exit(child));
            seen.add(Carrier.current().running() == self.get());
            return "p";
        });
        self.set(parent);
        parent.start();
        assertEquals(List.of(true, true, true), seen);
        assertSame(parent, child.parent());
        assertTrue(parent.isDone());
        assertSame(boom, parent.failureNow(), "the parent reports its child's unseen failure");
        assertNull(Carrier.current().running());
    }

    /**
     * As above, but the body, resumed on the other thread, suspends again before the first step's exit: exit lists
     * it, and the parent's end waits for it.
     */
    @Test
    void aChildResumedElsewhereAndSuspendedAgainBeforeItsExitIsWaitedFor() throws Exception {
        Task<Integer> gate = new Task<>();
        Task<Integer> gate2 = new Task<>();
        Script<Integer> child = new Script<>((i, v, f) -> {
            if (i == 0) return new Await(gate);
            if (i == 1) return new Await(gate2);
            return valueOr(v, f);
        });
        Script<String> parent = new Script<>((i, v, f) -> {
            assertTrue(child.enter());
            child.step();
            Thread other = new Thread(() -> gate.succeed(1));
            other.start();
            other.join();
            Coroutine.exit(child);
            return "p";
        });
        parent.start();
        assertEquals(2, child.steps.get(), "resumed once on the other thread, where it suspended again");
        assertFalse(child.isDone());
        assertFalse(parent.isDone(), "the parent waits for its child listed at exit");
        Thread other = new Thread(() -> gate2.succeed(2));
        other.start();
        other.join();
        assertEquals(2, child.join());
        assertTrue(parent.isDone());
        assertEquals("p", parent.join());
    }

    /**
     * A cancel() from another thread while the first step has suspended and not yet reached exit: the body is woken
     * and unwinds on that thread; exit afterwards restores the carrier and the parent succeeds (a cancelled child with
     * a clean cleanup is nothing to report). Nothing is left registered on the gate.
     */
    @Test
    void aCancelFromAnotherThreadBeforeTheFirstStepsExit() throws Exception {
        Task<Integer> gate = new Task<>();
        Script<Integer> child = awaiting(gate);
        AtomicReference<Coroutine<?>> self = new AtomicReference<>();
        List<Object> seen = new ArrayList<>();
        Script<String> parent = new Script<>((i, v, f) -> {
            assertTrue(child.enter());
            child.step();
            boolean[] claimed = new boolean[1];
            Thread other = new Thread(() -> claimed[0] = child.cancel());
            other.start();
            other.join();
            seen.add(claimed[0]);
            seen.add(child.isCancelled());
            Coroutine.exit(child);
            seen.add(Carrier.current().running() == self.get());
            return "p";
        });
        self.set(parent);
        parent.start();
        assertEquals(List.of(true, true, true), seen);
        assertEquals(0, CoreEdgesTest.registrations(gate));
        assertEquals("p", parent.join());
        assertNull(Carrier.current().running());
        gate.succeed(1);
        assertEquals(2, child.steps.get(), "the child ran twice: its first step, and the unwinding");
    }

    // ---- the carrier's queue --------------------------------------------------------------------------------------

    /**
     * A resumption queued by an outer body runs after that body's step; a coroutine it starts is its child, runs its
     * first step inline inside the resumption, and is waited for by its end.
     */
    @Test
    void aStartInsideAQueuedResumptionIsAChildOfTheResumedBody() {
        List<String> log = new ArrayList<>();
        Task<Integer> gate = new Task<>();
        Task<Integer> gate2 = new Task<>();
        AtomicReference<Coroutine<?>> bRef = new AtomicReference<>();
        AtomicReference<Coroutine<?>> cRef = new AtomicReference<>();
        Script<Integer> c = new Script<>((i, v, f) -> {
            if (i == 0) {
                log(log, "c first step, running is c: " + (Carrier.current().running() == cRef.get()));
                return new Await(gate2);
            }
            return valueOr(v, f);
        });
        Script<String> b = new Script<>((i, v, f) -> {
            if (i == 0) return new Await(gate);
            log(log, "b resumed, running is b: " + (Carrier.current().running() == bRef.get()));
            c.start();
            log(log, "c started");
            return "b" + v;
        });
        bRef.set(b);
        cRef.set(c);
        b.start();
        Script<String> a = new Script<>((i, v, f) -> {
            gate.succeed(1);
            log(log, "a after succeed");
            return "a";
        });
        a.start();
        assertEquals(List.of("a after succeed", "b resumed, running is b: true", "c first step, running is c: true",
                "c started"), log);
        assertSame(b, c.parent());
        assertFalse(b.isDone(), "b waits for its child c");
        gate2.succeed(2);
        assertEquals("b1", b.join());
        assertNull(Carrier.current().running());
    }

    /**
     * A blocking join() inside a body, for a task whose completion is a chain of resumptions queued on this very
     * thread: join runs the queue first, including resumptions queued while it runs, and returns; the same from
     * inside a queued resumption (a nested drain).
     */
    @Test
    void joinInsideABodyRunsAChainOfQueuedResumptions() {
        Task<Integer> gate = new Task<>();
        Script<Integer> b = new Script<>((i, v, f) -> i == 0 ? new Await(gate) : (Integer) valueOr(v, f) + 1);
        Script<Integer> c = new Script<>((i, v, f) -> i == 0 ? new Await(b) : (Integer) valueOr(v, f) + 1);
        b.start();
        c.start();
        Task<Integer> gate3 = new Task<>();
        Script<Integer> d = new Script<>((i, v, f) -> i == 0 ? new Await(gate3) : (Integer) valueOr(v, f) * 10);
        Script<Integer> e = new Script<>((i, v, f) -> i == 0 ? new Await(d) : (Integer) valueOr(v, f) * 10);
        d.start();
        e.start();
        Task<Integer> gate2 = new Task<>();
        List<String> log = new ArrayList<>();
        // x waits on gate2; its resumption (queued) joins e, whose completion needs d's and e's resumptions.
        Script<Integer> x = new Script<>((i, v, f) -> {
            if (i == 0) return new Await(gate2);
            gate3.succeed(1);
            log.add("x: d done " + d.isDone());
            int r = e.join();
            log.add("x joined e: " + r);
            return r;
        });
        x.start();
        Script<Integer> a = new Script<>((i, v, f) -> {
            gate.succeed(1);
            gate2.succeed(0);
            log.add("a: b done " + b.isDone());
            int r = c.join();
            log.add("a joined c: " + r);
            return r;
        });
        a.start();
        assertEquals(3, a.join());
        assertEquals(100, x.join());
        assertEquals(List.of("a: b done false", "x: d done false", "x joined e: 100", "a joined c: 3"), log);
        assertNull(Carrier.current().running());
    }

    // ---- children after the parent's body ended -----------------------------------------------------------------

    /**
     * Two children fail after their parent's body returned a value, the newer one first: the parent fails with the
     * first in the order of its children (oldest first, as the end collects them), the other suppressed.
     */
    @Test
    void childrenThatFailAfterTheBodyEndedAreReportedOldestFirst() {
        Task<Integer> g1 = new Task<>();
        Task<Integer> g2 = new Task<>();
        IllegalStateException e1 = new IllegalStateException("older child");
        IllegalStateException e2 = new IllegalStateException("newer child");
        Script<Integer> c1 = awaitingThenThrowing(g1, e1, null, null, "c1");
        Script<Integer> c2 = awaitingThenThrowing(g2, e2, null, null, "c2");
        Script<String> parent = new Script<>((i, v, f) -> {
            c1.start();
            c2.start();
            return "p";
        });
        parent.start();
        assertEquals(FINISHING, word(parent) & PHASE);
        g2.succeed(0);
        assertTrue(c2.isDone());
        assertFalse(parent.isDone());
        g1.succeed(0);
        assertTrue(parent.isDone());
        assertSame(e1, parent.failureNow());
        assertEquals(List.of(e2), Arrays.asList(e1.getSuppressed()));
    }

    /**
     * A body throws while two children run: they are cancelled newest first; each one's cleanup fails; the parent
     * fails with its own exception, each child's cancelled outcome (with its cleanup failure) suppressed onto it,
     * oldest first.
     */
    @Test
    void cleanupFailuresOfChildrenCancelledByAThrowingBodyAreSuppressedOntoTheFailure() {
        List<String> log = new ArrayList<>();
        Task<Integer> g1 = new Task<>();
        Task<Integer> g2 = new Task<>();
        IllegalStateException y1 = new IllegalStateException("c1 cleanup failed");
        IllegalStateException y2 = new IllegalStateException("c2 cleanup failed");
        Script<Integer> c1 = awaitingThenThrowing(g1, null, y1, log, "c1");
        Script<Integer> c2 = awaitingThenThrowing(g2, null, y2, log, "c2");
        IllegalArgumentException x = new IllegalArgumentException("the body failed");
        Script<String> parent = new Script<>((i, v, f) -> {
            c1.start();
            c2.start();
            throw x;
        });
        parent.start();
        assertEquals(List.of("c2 cleanup", "c1 cleanup"), log, "cancelled newest first");
        assertTrue(parent.isDone());
        assertSame(x, parent.failureNow());
        Throwable[] suppressed = x.getSuppressed();
        assertEquals(2, suppressed.length, Arrays.toString(suppressed));
        assertSame(c1.failureNow(), suppressed[0]);
        assertSame(c2.failureNow(), suppressed[1]);
        assertInstanceOf(CancellationException.class, suppressed[0]);
        assertEquals(List.of(y1), Arrays.asList(suppressed[0].getSuppressed()));
        assertEquals(List.of(y2), Arrays.asList(suppressed[1].getSuppressed()));
    }

    /**
     * A body ended with a value and waits for a child; the child is cancelled from outside and its cleanup fails: the
     * parent fails with that cleanup failure itself (not with a cancellation).
     */
    @Test
    void aChildCancelledFromOutsideWithAFailedCleanupFailsTheEndedParentWithThatFailure() {
        Task<Integer> gate = new Task<>();
        IllegalStateException y = new IllegalStateException("cleanup failed");
        Script<Integer> child = awaitingThenThrowing(gate, null, y, null, "c");
        Script<String> parent = startingThenReturning(child, "p");
        parent.start();
        assertTrue(child.cancel());
        assertTrue(child.isCancelled());
        assertTrue(parent.isDone());
        assertFalse(parent.isCancelled());
        assertSame(y, assertThrows(IllegalStateException.class, parent::join));
    }

    /**
     * cancel() of a body that ended with a value and waits for a child: the child is cancelled, cancel() reports
     * false (the outcome is the value), and the parent succeeds once the child is done.
     */
    @Test
    void cancelOfABodyThatEndedWithAValueCancelsItsChildrenAndKeepsTheValue() {
        Task<Integer> gate = new Task<>();
        Script<Integer> child = awaiting(gate);
        Script<String> parent = startingThenReturning(child, "p");
        parent.start();
        assertEquals(FINISHING, word(parent) & PHASE);
        assertFalse(parent.cancel(), "the body ended with a value: the outcome is not a cancellation");
        assertTrue(child.isCancelled());
        assertEquals("p", parent.join());
        assertFalse(parent.cancel());
        assertEquals(0, CoreEdgesTest.registrations(gate));
    }

    /**
     * A child started while its parent unwinds is cleanup work: the parent's end waits for it and never cancels it,
     * not even when the parent is cancelled again.
     */
    @Test
    void cleanupWorkStartedWhileUnwindingIsWaitedForAndNeverCancelled() {
        Task<Integer> g1 = new Task<>();
        Task<Integer> gate = new Task<>();
        Script<Integer> cleanup = awaiting(gate);
        Script<String> parent = new Script<>((i, v, f) -> {
            if (i == 0) return new Await(g1);
            assertInstanceOf(Cancelled.class, f);
            cleanup.start();
            throw f;
        });
        parent.start();
        assertTrue(parent.cancel());
        assertSame(parent, cleanup.parent());
        assertTrue(cleanup.isCleanupWork());
        assertFalse(parent.isDone(), "the parent waits for its cleanup work");
        assertTrue(parent.cancel());
        assertFalse(cleanup.isDone(), "cleanup work is never cancelled");
        gate.succeed(5);
        assertEquals(5, cleanup.join());
        assertTrue(parent.isCancelled());
        CancellationException outcome = assertThrows(CancellationException.class, parent::join);
        assertEquals(0, outcome.getSuppressed().length);
    }

    /** A coroutine that failed in its first step and that nobody awaited fails its parent; one that is joined does not. */
    @Test
    void aFirstStepFailureNobodySawIsTheParentsAndOneSeenIsNot() {
        IllegalStateException unseen = new IllegalStateException("unseen");
        Script<String> parent = new Script<>((i, v, f) -> {
            new TestCoroutines.Throwing(unseen).start();
            return "p";
        });
        parent.start();
        assertSame(unseen, parent.failureNow());

        IllegalStateException seen = new IllegalStateException("seen");
        Script<String> parent2 = new Script<>((i, v, f) -> {
            Task<Object> c = new TestCoroutines.Throwing(seen).start();
            try {
                c.join();
                return "not thrown";
            } catch (IllegalStateException expected) {
                return "handled";
            }
        });
        parent2.start();
        assertEquals("handled", parent2.join());
    }

    // ---- detach --------------------------------------------------------------------------------------------------

    @Test
    void aDetachedChildIsNeitherWaitedForNorReportedNorCancelled() {
        Task<Integer> gate = new Task<>();
        IllegalStateException boom = new IllegalStateException("detached child failed");
        Script<Integer> child = awaitingThenThrowing(gate, boom, null, null, "c");
        Script<String> parent = new Script<>((i, v, f) -> {
            child.start().detach();
            return "p";
        });
        parent.start();
        assertNull(child.parent());
        assertEquals("p", parent.join(), "not waited for");
        gate.succeed(1);
        assertSame(boom, child.failureNow());

        // Awaited by a parent that is then cancelled: the parent stops waiting at once, the child is not cancelled.
        Task<Integer> gate2 = new Task<>();
        Script<Integer> child2 = awaiting(gate2);
        Script<Integer> parent2 = new Script<>((i, v, f) -> {
            if (i == 0) return new Await(child2.start().detach());
            return valueOr(v, f);
        });
        parent2.start();
        assertTrue(parent2.cancel());
        assertTrue(parent2.isCancelled());
        assertFalse(child2.isDone());
        assertEquals(0, CoreEdgesTest.registrations(child2));
        gate2.succeed(2);
        assertEquals(2, child2.join());
    }

    /** "A parent whose body has already ended waits for the children it found then": detach comes too late. */
    @Test
    void aDetachAfterTheParentsBodyEndedDoesNotStopTheWait() {
        Task<Integer> gate = new Task<>();
        Script<Integer> child = awaiting(gate);
        Script<String> parent = startingThenReturning(child, "p");
        parent.start();
        child.detach();
        assertFalse(parent.isDone());
        gate.succeed(1);
        assertEquals("p", parent.join());
    }

    // ---- suppressed failures and delivery ------------------------------------------------------------------------

    /**
     * A delivered cancellation is not delivered again: the body catches it and awaits a pending task, which a second
     * cancel() does not interrupt; then it throws. The outcome is still a cancellation, with that throw suppressed.
     */
    @Test
    void afterDeliveryAnAwaitWaitsAndAThrowIsSuppressedOntoTheCancellation() {
        Task<String> g1 = new Task<>();
        Task<String> g2 = new Task<>();
        IllegalStateException x = new IllegalStateException("thrown while unwinding");
        List<String> log = new ArrayList<>();
        Script<String> body = new Script<>((i, v, f) -> {
            if (i == 0) return new Await(g1);
            if (i == 1) {
                log.add("caught " + (f instanceof Cancelled));
                return new Await(g2);
            }
            log.add("after delivery got " + v + " / " + f);
            throw x;
        });
        body.start();
        assertTrue(body.cancel());
        assertEquals(List.of("caught true"), log);
        assertTrue((word(body) & DELIVERED) != 0);
        assertFalse(body.isDone());
        assertEquals(1, CoreEdgesTest.registrations(g2));
        assertTrue(body.cancel(), "a cancellation under way");
        assertFalse(body.isDone(), "a second cancel() does not interrupt an await made after delivery");
        assertEquals(1, CoreEdgesTest.registrations(g2));
        g2.succeed("late");
        assertEquals(List.of("caught true", "after delivery got late / null"), log);
        assertTrue(body.isCancelled());
        CancellationException outcome = assertThrows(CancellationException.class, body::join);
        assertEquals(List.of(x), Arrays.asList(outcome.getSuppressed()));
        assertEquals(0, CoreEdgesTest.registrations(g1));
    }

    /**
     * A parent cancelled while awaiting its child: the child is cancelled, its cleanup fails; the failure reaches the
     * parent's cancelled outcome once, through the delivered signal.
     */
    @Test
    void aChildsCleanupFailureReachesTheCancelledParentOnce() {
        Task<Integer> gate = new Task<>();
        IllegalStateException y = new IllegalStateException("child cleanup failed");
        Script<Integer> child = awaitingThenThrowing(gate, null, y, null, "c");
        Script<Integer> parent = new Script<>((i, v, f) -> i == 0 ? new Await(child.start()) : valueOr(v, f));
        parent.start();
        assertTrue(parent.cancel());
        assertTrue(child.isCancelled());
        assertTrue(parent.isCancelled());
        CancellationException outcome = assertThrows(CancellationException.class, parent::join);
        assertEquals(1, outcome.getSuppressed().length, Arrays.toString(outcome.getSuppressed()));
        Throwable childOutcome = outcome.getSuppressed()[0];
        assertSame(child.failureNow(), childOutcome);
        assertEquals(List.of(y), Arrays.asList(childOutcome.getSuppressed()));
    }

    // ---- the state word -------------------------------------------------------------------------------------------

    @Test
    void theStateWordFollowsItsDocumentedTransitions() {
        // A suspension does not touch the word.
        Task<String> gate = new Task<>();
        Script<String> body = awaiting(gate);
        body.start();
        assertEquals(0, word(body), "suspended: RUNNING, PENDING, no bits");
        // A request on a body suspended on a child: REQUESTED at once, DELIVERED only when the child is done.
        Task<Void> closing = new Task<>();
        Script<Object> childRef[] = new Script[1];
        Script<Object> withChild = new Script<>((i, v, f) -> {
            if (i == 0) {
                childRef[0] = new Script<>((j, w, g) -> {
                    if (j == 0) return new Await(gate);
                    if (j == 1) return new Await(closing); // cleanup that waits: the close below
                    return w;
                });
                return new Await(childRef[0].start());
            }
            return valueOr(v, f);
        });
        withChild.start();
        assertTrue(withChild.cancel());
        int s = word(withChild);
        assertTrue((s & REQUESTED) != 0);
        assertEquals(0, s & DELIVERED, "not delivered while the child runs its cleanup");
        assertFalse(withChild.isDone());
        closing.succeed(null);
        assertTrue(childRef[0].isDone());
        assertTrue(withChild.isCancelled());
        assertTrue((word(withChild) & REQUESTED) != 0, "REQUESTED is never cleared");
        // UNSTARTED ──cancel()──▶ FINISHING (parameters dropped) ──▶ CANCELLED
        Queue queue = new Queue();
        Task<Void> drop = new Task<>();
        Owning deferred = new Owning(() -> drop, Task.completed("v"));
        TaskScope.open(queue).spawn(deferred::start);
        assertEquals(UNSTARTED, word(deferred) & PHASE);
        assertTrue(deferred.cancel());
        assertEquals(FINISHING, word(deferred) & PHASE);
        assertTrue((word(deferred) & REQUESTED) != 0);
        assertFalse(deferred.isDone());
        assertTrue(deferred.cancel(), "a cancellation under way");
        drop.succeed(null);
        assertTrue(deferred.isCancelled());
        queue.runAll();
        assertFalse(deferred.bodyRan());
        gate.succeed("g");
        assertEquals("g", body.join());
    }

    // ---- races ---------------------------------------------------------------------------------------------------

    /**
     * A completion and two cancel()s race on a task with other waiters around the two suspended coroutines (so the
     * registrations sit in a chain): each coroutine is resumed exactly once and ends one way; the other waiters run
     * exactly once.
     */
    @Test
    void aCompletionAndCancelsRacingOnAChainOfWaiters() throws Exception {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(2_000);
        int[] ended = new int[2];
        int rounds = 0;
        for (int r = 0; r < 5_000 && System.nanoTime() < deadline; r++) {
            rounds++;
            Task<String> dep = new Task<>();
            AtomicInteger others = new AtomicInteger();
            dep.addWaiter(s -> others.incrementAndGet());
            Script<String> x = new Script<>((i, v, f) -> i == 0 ? new Await(dep) : valueOr(v, f) + "!");
            x.start();
            dep.addWaiter(s -> others.incrementAndGet());
            Script<String> y = new Script<>((i, v, f) -> i == 0 ? new Await(dep) : valueOr(v, f) + "?");
            y.start();
            dep.addWaiter(s -> others.incrementAndGet());
            int jitter = r & 63;
            boolean complete = (r & 1) == 0;
            race(() -> {
                spinNanos(jitter * 20L);
                x.cancel();
            }, () -> {
                if (complete) dep.succeed("v");
                else y.cancel();
            });
            if (!complete) {
                assertEquals(3, CoreEdgesTest.registrations(dep), "round " + r + ": two removals left the others");
                dep.succeed("v");
            }
            assertTrue(x.isDone() && y.isDone(), "round " + r);
            assertEquals(2, x.steps.get(), "round " + r + ": x resumed once");
            assertEquals(2, y.steps.get(), "round " + r + ": y resumed once");
            assertEquals(3, others.get(), "round " + r);
            if (x.isCancelled()) ended[1]++;
            else {
                ended[0]++;
                assertEquals("v!", x.join());
            }
            if (!complete) assertTrue(y.isCancelled());
            else assertEquals("v?", y.join());
        }
    }

    /** Coroutine.family: the newest child, or the Ending; the conclusion clears it before it publishes the outcome. */
    private static final java.lang.invoke.VarHandle FAMILY;
    static {
        try {
            FAMILY = java.lang.invoke.MethodHandles.privateLookupIn(Coroutine.class, java.lang.invoke.MethodHandles.lookup())
                    .findVarHandle(Coroutine.class, "family", Object.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    /**
     * A body that returned a child which already succeeded, and still waits for another child: a cancel() cancels
     * the one still running (whose cleanup then awaits), and the task will end with the returned child's value, so
     * cancel() reports false while that cleanup is still under way.
     */
    @Test
    void cancelOfABodyThatReturnedAChildThatSucceededReportsTheValueItWillEndWith() {
        Task<Integer> gate = new Task<>();
        Task<Void> cleanup = new Task<>();
        Script<Integer> running = awaitingThenCleaningUp(gate, cleanup);
        Script<String> returned = new Script<>((i, v, f) -> "returned");
        Script<String> parent = new Script<>((i, v, f) -> {
            running.start();
            returned.start();
            return new ReturnTask(returned);
        });
        parent.start();
        assertEquals(FINISHING, word(parent) & PHASE);
        assertSame(parent, returned.parent());
        boolean claimed = parent.cancel();
        assertFalse(parent.isDone(), "the cancelled child's cleanup is still awaited");
        cleanup.succeed(null);
        assertTrue(running.isCancelled());
        assertEquals("returned", parent.join());
        assertFalse(claimed, "cancel() reported a cancellation the task does not end with");
    }

    /**
     * A body that returned a child still waiting for a grandchild: the request cancels the returned child, which
     * reports false (its body returned a value), and the task ends with that value, so cancel() reports false too.
     */
    @Test
    void cancelOfABodyThatReturnedAChildThatWillSucceedReportsWhatTheChildReports() {
        Task<Integer> gate = new Task<>();
        Task<Void> cleanup = new Task<>();
        Script<Integer> grandchild = awaitingThenCleaningUp(gate, cleanup);
        Script<String> child = startingThenReturning(grandchild, "child");
        Script<String> parent = new Script<>((i, v, f) -> {
            child.start();
            return new ReturnTask(child);
        });
        parent.start();
        assertSame(parent, child.parent());
        boolean claimed = parent.cancel();
        assertFalse(child.cancel(), "the returned child keeps the value its body returned");
        cleanup.succeed(null);
        assertTrue(grandchild.isCancelled());
        assertEquals("child", parent.join());
        assertFalse(claimed, "cancel() reported a cancellation the task does not end with");
    }

    /**
     * cancel() races the conclusion of a body that ended with a value and waited for a child, and that has many
     * failed children to report (so the conclusion takes a few microseconds): the outcome is a failure, never a
     * cancellation, so cancel() must return false whenever it lands. Half of the rounds aim the cancel() at the end
     * of the conclusion (once the Ending has been cleared, which follows the outcome's publication), half land at a
     * random moment.
     */
    @Test
    void cancelRacingTheConclusionOfAnEndedBodyNeverClaimsACancellationItDoesNotDeliver() throws Exception {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(3_000);
        int rounds = 0;
        int claimed = 0;
        String firstBad = null;
        for (int r = 0; r < 1_000 && System.nanoTime() < deadline; r++) {
            rounds++;
            Task<Integer> gate = new Task<>();
            Script<Integer> last = awaiting(gate);
            Script<String> parent = new Script<>((i, v, f) -> {
                for (int k = 0; k < 300; k++) {
                    new TestCoroutines.Throwing(new RuntimeException("child " + k, null, true, false) {
                    }).start();
                }
                last.start();
                return "p";
            });
            parent.start();
            assertEquals(FINISHING, word(parent) & PHASE);
            boolean[] result = new boolean[1];
            boolean aimed = (r & 1) == 0;
            long delay = (r * 7919L) % 40_000;
            race(() -> gate.succeed(1), () -> {
                if (aimed) {
                    long t0 = System.nanoTime();
                    while (FAMILY.getVolatile(parent) != null && System.nanoTime() - t0 < 5_000_000) Thread.onSpinWait();
                } else {
                    spinNanos(delay);
                }
                result[0] = parent.cancel();
            });
            assertTrue(parent.isDone(), "round " + r);
            assertFalse(parent.isCancelled(), "round " + r + ": " + parent);
            assertEquals("child 0", parent.failureNow().getMessage(), "round " + r);
            if (result[0]) {
                claimed++;
                if (firstBad == null) firstBad = "round " + r + (aimed ? ", aimed" : ", delay " + delay + "ns") + ": " + parent;
            }
        }
        if (firstBad != null) {
            fail("cancel() returned true " + claimed + " times in " + rounds + " rounds though the task failed; first: "
                    + firstBad);
        }
    }
}
