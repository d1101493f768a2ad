package dev.coda;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.reflect.Field;
import java.lang.reflect.Method;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Edges of the runtime core where its parts meet:
 * <ul>
 *   <li>races between a completion, a registration, {@code cancel()} and the end of a body: a completion racing a
 *       registration or a suspension, an early mark left over for a second suspension, a cancel() racing the end;</li>
 *   <li>what abandoned awaits leave on a {@link CompletionStage} (nothing), and what becomes of the value it
 *       produces later for an owning await (closed);</li>
 *   <li>drop glue the runtime starts for another task is nobody's child: the coroutine that happens to run on the
 *       thread neither cancels it nor reports its failure;</li>
 *   <li>a failure out of a task's completion never reaches the body's own catch;</li>
 *   <li>failures are reported once.</li>
 * </ul>
 * The races are probabilistic: each runs a bounded number of rounds, and at most a few seconds, with a jitter between
 * the racers, and checks every round.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class CoreEdgesTest {

    // ---- helpers ------------------------------------------------------------------------------------------------

    /** The live registrations on {@code task}'s waiter stack (emptied nodes not counted); -1 once it has fired. */
    static int registrations(Task<?> task) {
        try {
            Field f = Task.class.getDeclaredField("waiters");
            f.setAccessible(true);
            Object head = f.get(task);
            if (head == null) return 0;
            if (head instanceof Waiter) return 1;
            if (!head.getClass().getSimpleName().equals("WaiterNode")) return -1; // FIRED
            Field waiter = head.getClass().getDeclaredField("waiter");
            Field next = head.getClass().getDeclaredField("next");
            waiter.setAccessible(true);
            next.setAccessible(true);
            int n = 0;
            for (Object node = head; node != null; node = next.get(node)) if (waiter.get(node) != null) n++;
            return n;
        } catch (ReflectiveOperationException e) {
            throw new AssertionError(e);
        }
    }

    /** A private constant of {@link Coroutine}'s state word, read reflectively (the layout has changed before). */
    static int coroutineConstant(String name) {
        try {
            Field f = Coroutine.class.getDeclaredField(name);
            f.setAccessible(true);
            return f.getInt(null);
        } catch (ReflectiveOperationException e) {
            throw new AssertionError(e);
        }
    }

    private static final int PHASE = coroutineConstant("PHASE");
    private static final int FINISHING = coroutineConstant("FINISHING");

    /** A few dozen spins at most, drawn from {@code seed}: shifts one racer against the other from round to round. */
    static int jitter(int seed, int mask) {
        seed = seed * 1103515245 + 12345;
        for (int k = (seed >>> 16) & mask; k > 0; k--) Thread.onSpinWait();
        return seed;
    }

    static final class CountingResource implements AsyncCloseable {
        final AtomicInteger closes = new AtomicInteger();

        @Override
        public Task<Void> closeAsync() {
            closes.incrementAndGet();
            return Task.done();
        }
    }

    // ---- a completion racing a registration or a suspension -----------------------------------------------------

    /**
     * A completion that races a registration never throws out of succeed(), and every waiter runs exactly once: the
     * registration that takes the waiter stack back runs what was below it.
     */
    @Test
    void aCompletionRacingARegistrationNeverThrows() throws Exception {
        // One waiter is already on the task, so the completion always swaps the stack. The window, from the
        // outcome's publication to that swap, is a few instructions wide; with a jitter of up to 31 spins on each
        // side it is hit about once in 300 rounds, so 100,000 rounds (or 2.5 s) hit it a few hundred times.
        final int maxRounds = 100_000;
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(2_500);
        AtomicReference<Throwable> crash = new AtomicReference<>();
        AtomicInteger refusedWhilePending = new AtomicInteger();
        @SuppressWarnings("unchecked")
        Task<Object>[] slot = new Task[1];
        boolean[] registered = new boolean[1];
        AtomicInteger[] racingRuns = new AtomicInteger[1];
        AtomicInteger go = new AtomicInteger(-1);
        AtomicInteger ready = new AtomicInteger(-1);
        AtomicInteger finished = new AtomicInteger(-1);
        AtomicBoolean stop = new AtomicBoolean();
        Thread registrar = new Thread(() -> {
            int seed = 12345;
            for (int i = 0; !stop.get(); i++) {
                while (go.get() < i) {
                    if (stop.get()) return;
                    Thread.onSpinWait();
                }
                Task<Object> t = slot[0];
                AtomicInteger runs = new AtomicInteger();
                ready.set(i);
                seed = jitter(seed, 31);
                try {
                    boolean r = t.addWaiter(source -> runs.incrementAndGet());
                    if (!r && !t.isDone()) refusedWhilePending.incrementAndGet();
                    registered[0] = r;
                    racingRuns[0] = runs;
                } catch (Throwable e) {
                    crash.compareAndSet(null, e);
                }
                finished.set(i); // publishes registered and racingRuns
            }
        }, "registrar");
        registrar.setDaemon(true);
        registrar.start();
        int done = 0;
        try {
            int seed = 777;
            for (int i = 0; i < maxRounds && crash.get() == null && System.nanoTime() < deadline; i++) {
                Task<Object> t = new Task<>();
                AtomicInteger firstRuns = new AtomicInteger();
                t.addWaiter(source -> firstRuns.incrementAndGet());
                slot[0] = t;
                go.set(i);
                while (ready.get() < i) Thread.onSpinWait();
                seed = jitter(seed, 31);
                try {
                    t.succeed(i);
                } catch (Throwable e) {
                    crash.compareAndSet(null, e);
                }
                while (finished.get() < i) Thread.onSpinWait();
                if (crash.get() != null) break;
                assertEquals(1, firstRuns.get(), "round " + i + ": runs of the waiter already there");
                assertEquals(registered[0] ? 1 : 0, racingRuns[0].get(),
                        "round " + i + ": runs of the racing waiter (registered: " + registered[0] + ")");
                done++;
            }
        } finally {
            stop.set(true);
            registrar.join();
        }
        if (crash.get() != null) {
            throw new AssertionError("a completion or a registration threw (round " + done + ")", crash.get());
        }
        assertEquals(0, refusedWhilePending.get(), "a registration was refused by a task not yet done");
        assertTrue(done > 0);
    }

    /**
     * A completion that races a coroutine's suspension never throws to the completer, and the body ends once, with
     * the value: a suspension that takes the waiter stack back goes on inline.
     */
    @Test
    void aCompletionRacingASuspensionDoesNotThrowToTheCompleter() throws Exception {
        // The same window as above, reached through suspend(). On every other round someone else already waits on
        // the task, so the completion always swaps the stack; the completer's jitter is the wider, its path to the
        // window being the shorter. The window is hit once in a few hundred rounds: 100,000 rounds (or 2.5 s) hit
        // it a hundred times or more.
        final int maxRounds = 100_000;
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(2_500);
        AtomicReference<Throwable> crash = new AtomicReference<>();
        AtomicReference<Task<Integer>> dep = new AtomicReference<>();
        AtomicInteger round = new AtomicInteger();
        AtomicInteger done = new AtomicInteger();
        AtomicInteger ready = new AtomicInteger();
        Thread completer = new Thread(() -> {
            int seen = 0;
            int seed = 99;
            while (true) {
                int r;
                while ((r = round.get()) == seen) Thread.onSpinWait();
                if (r < 0) return;
                seen = r;
                Task<Integer> d = dep.get();
                ready.set(r);
                seed = jitter(seed, 63);
                try {
                    d.succeed(r);
                } catch (Throwable e) {
                    crash.compareAndSet(null, e);
                }
                done.incrementAndGet();
            }
        }, "completer");
        completer.setDaemon(true);
        completer.start();
        int completed = 0;
        try {
            int seed = 5;
            for (int i = 1; i <= maxRounds && crash.get() == null && System.nanoTime() < deadline; i++) {
                Task<Integer> d = new Task<>();
                AtomicInteger otherRuns = new AtomicInteger();
                if ((i & 1) == 0) d.addWaiter(source -> otherRuns.incrementAndGet());
                dep.set(d);
                TestCoroutines.AwaitThen<Integer, Integer> co = new TestCoroutines.AwaitThen<>(d, v -> v + 1);
                done.set(0);
                round.set(i);
                while (ready.get() < i) Thread.onSpinWait();
                seed = jitter(seed, 7);
                co.start();
                while (done.get() < 1) Thread.onSpinWait();
                if (crash.get() != null) break;
                assertTrue(co.isDone(), "round " + i + ": the completion did not resume the body");
                assertEquals(i + 1, co.join());
                assertEquals((i & 1) == 0 ? 1 : 0, otherRuns.get(), "round " + i + ": the other waiter's runs");
                completed++;
            }
        } finally {
            round.set(-1);
            completer.join();
        }
        if (crash.get() != null) throw new AssertionError("the completer threw (round " + completed + ")", crash.get());
        assertTrue(completed > 0);
    }

    // ---- a stale taker: a request's wake-up that acts after the body moved on ---------------------------------

    /**
     * {@code try { await(f); } catch (Cancelled c) { caught = c; } v = await(f); throw caught;}: the second await of
     * the same pending task comes after the request was delivered, so no request may end it.
     */
    static final class AwaitTwiceOnOne extends Coroutine<String> {
        final Task<String> f;
        final AtomicInteger entries = new AtomicInteger();
        Cancelled caught;
        Object second;
        int label;

        AwaitTwiceOnOne(Task<String> f) {
            this.f = f;
        }

        @Override
        protected void resume() {
            entries.incrementAndGet();
            switch (label) {
                case 0:
                    if (!ready(f)) {
                        label = 1;
                        if (suspend(f)) return;
                    }
                    first(f);
                    return;
                case 1:
                    first(resumed());
                    return;
                case 2:
                    second(resumed());
                    return;
                default:
                    throw new AssertionError(label);
            }
        }

        private void first(Task<?> t) {
            try {
                take(t);
            } catch (Cancelled c) {
                caught = c;
            }
            if (!ready(f)) {
                label = 2;
                if (suspend(f)) return;
            }
            second(f);
        }

        private void second(Task<?> t) {
            second = take(t); // throws if the body was woken while f is still pending
            if (caught != null) throw caught;
            returnValue(second);
        }
    }

    /** Runs the wake-up that cancel() makes after setting its request, as a cancel() preempted until now would. */
    private static void lateWakeUp(Coroutine<?> co) throws Exception {
        Method wake = Coroutine.class.getDeclaredMethod("wakeForRequest");
        wake.setAccessible(true);
        wake.invoke(co);
    }

    /**
     * A cancel() that read the body's suspension on f, and acts only after the body was woken, met the request and
     * suspended on f again, takes that later registration off f: it must see that the request was delivered, put it
     * back, and leave the body suspended until f completes.
     */
    @Test
    void aLateWakeUpPutsBackARegistrationMadeAfterDelivery() throws Exception {
        Task<String> f = new Task<>();
        AwaitTwiceOnOne co = new AwaitTwiceOnOne(f);
        co.start();
        assertEquals(1, co.entries.get());
        assertTrue(co.cancel()); // takes the first registration, wakes the body: it meets the request, awaits f again
        assertEquals(2, co.entries.get());
        assertNotNull(co.caught);
        assertFalse(co.isDone());
        assertSame(co, f.awaitingCoroutine());

        lateWakeUp(co);

        assertEquals(2, co.entries.get(), "the late wake-up resumed a suspension that no request may end");
        assertSame(co, f.awaitingCoroutine(), "the registration was not put back");
        f.succeed("v");
        assertEquals(3, co.entries.get());
        assertEquals("v", co.second);
        assertTrue(co.isCancelled());
        assertEquals(0, co.failureNow().getSuppressed().length);
    }

    /**
     * The same late wake-up while the body awaits drop glue before any delivery (a request never interrupts a
     * close): the registration is put back, and the request is met at the next await.
     */
    @Test
    void aLateWakeUpDoesNotEndAnAwaitOfDropGlue() throws Exception {
        Task<Void> closing = new Task<>();
        Task<String> next = Task.completed("n");
        AtomicInteger entries = new AtomicInteger();
        Coroutine<String> co = new Coroutine<>() {
            int label;

            @Override
            protected void resume() {
                entries.incrementAndGet();
                if (label == 0) {
                    label = 1;
                    if (!readyCleanup(closing) && suspend(closing)) return;
                } else {
                    resumed();
                }
                takeCleanup(closing);
                if (ready(next)) returnValue(take(next));
            }
        };
        co.start();
        Task.STATE.getAndBitwiseOr(co, coroutineConstant("REQUESTED")); // what cancel() sets before its wake-up
        lateWakeUp(co);
        assertEquals(1, entries.get(), "the late wake-up ended an await of drop glue");
        assertSame(co, closing.awaitingCoroutine());
        closing.succeed(null);
        assertEquals(2, entries.get());
        assertTrue(co.isCancelled(), "the request is met at the await after the close");
    }

    // ---- cancel() racing the end of a body ----------------------------------------------------------------------

    /** A child slow to honour a cancellation (a scope's close, a body in drop glue): its cancel() does nothing. */
    static final class SlowToCancel extends ChildTask<Object> {
        SlowToCancel() {
            super(Carrier.current().running());
            started();
        }

        @Override
        public boolean cancel() {
            return false;
        }
    }

    /** Starts {@code children} children that are still running when it ends, then {@code return returned;}. */
    static final class ReturnAfterChildren extends Coroutine<Object> {
        private final int children;
        private final Task<Object> returned;

        ReturnAfterChildren(int children, Task<Object> returned) {
            this.children = children;
            this.returned = returned;
        }

        @Override
        protected void resume() {
            for (int i = 0; i < children; i++) {
                SlowToCancel c = new SlowToCancel();
                c.addWaiter(source -> {}); // someone else waits too: the end's registration allocates
            }
            returnTask(returned);
        }
    }

    /**
     * A cancel() that reaches a body as soon as its end is published leaves no registration on the foreign task the
     * body returned: that task is abandoned, and must not keep the coroutine reachable.
     */
    @Test
    void cancelRacingTheEndLeavesNoRegistrationOnTheAbandonedReturnedTask() throws Exception {
        // The end has 64 to 575 children and the returned task to register on; a canceller spinning for FINISHING
        // on another core cancels well within the time those registrations take in most rounds, so 2,000 rounds
        // (or 2.5 s) are plenty.
        final int maxRounds = 2_000;
        AtomicReference<Coroutine<?>> target = new AtomicReference<>();
        AtomicBoolean stop = new AtomicBoolean();
        AtomicInteger cancelled = new AtomicInteger();
        Thread canceller = new Thread(() -> {
            while (!stop.get()) {
                Coroutine<?> c = target.get();
                if (c != null && (c.state & PHASE) == FINISHING) {
                    if (c.cancel()) cancelled.incrementAndGet();
                    target.set(null);
                }
            }
        }, "canceller");
        canceller.setDaemon(true);
        canceller.start();
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(2_500);
        int rounds = 0;
        try {
            while (rounds < maxRounds && System.nanoTime() < deadline) {
                rounds++;
                Task<Object> returned = new Task<>();
                ReturnAfterChildren co = new ReturnAfterChildren(64 + (rounds % 512), returned);
                target.set(co);
                co.start();
                long t0 = System.nanoTime();
                while (target.get() != null) {
                    Thread.yield(); // the canceller may need this core
                    if (System.nanoTime() - t0 > 5_000_000_000L) throw new AssertionError("cancel() never ran");
                }
                assertEquals(0, registrations(returned),
                        "round " + rounds + ": the abandoned returned task kept the end's registration");
            }
        } finally {
            stop.set(true);
            canceller.join();
        }
        assertEquals(rounds, cancelled.get(), "every cancel() of an ending body reports a cancellation");
    }

    // ---- abandoned awaits of a stage: nothing left on it, a late value closed -----------------------------------

    /**
     * {@code return await(stage);}, through adapt and take; or, {@code owned}, {@code @Owned var v = await(stage);
     * return v;}, through adapt and takeOwned.
     */
    static final class AwaitStage extends Coroutine<Object> {
        private final CompletionStage<?> stage;
        private final boolean owned;
        private final boolean cancelItselfFirst;
        int label;

        AwaitStage(CompletionStage<?> stage, boolean owned, boolean cancelItselfFirst) {
            this.stage = stage;
            this.owned = owned;
            this.cancelItselfFirst = cancelItselfFirst;
        }

        @Override
        protected void resume() {
            Task<?> t;
            switch (label) {
                case 0:
                    if (cancelItselfFirst) cancel(); // a cancel() that arrives while the body runs
                    t = adapt(stage);
                    if (ready(t)) {
                        returnValue(valueOf(t));
                        return;
                    }
                    label = 1;
                    if (suspend(t)) return;
                    t = resumed();
                    returnValue(valueOf(t));
                    return;
                case 1:
                    t = resumed();
                    returnValue(valueOf(t));
                    return;
                default:
                    throw new AssertionError(label);
            }
        }

        private Object valueOf(Task<?> t) {
            return owned ? takeOwned(t) : take(t);
        }
    }

    /**
     * An owning await of a stage cancelled while suspended on it: the stage is cancelled. A minimal stage cannot be
     * (its {@code toCompletableFuture()} is a copy), so the AsyncCloseable it produces afterwards is closed when it
     * arrives, once.
     */
    @Test
    void anOwnedAwaitOfAStageCancelsItWhenCancelledWhileSuspended() {
        CompletableFuture<AsyncCloseable> stage = new CompletableFuture<>();
        AwaitStage co = new AwaitStage(stage, true, false);
        co.start();
        assertTrue(co.cancel());
        assertTrue(co.isCancelled());
        assertTrue(stage.isCancelled(), "the stage awaited belongs to the coroutine");
    }

    @Test
    void lateValueOfAnOwnedAwaitOfAStageIsClosedAfterCancellationWhileSuspended() {
        CompletableFuture<AsyncCloseable> source = new CompletableFuture<>();
        CompletionStage<AsyncCloseable> stage = source.minimalCompletionStage();
        AwaitStage co = new AwaitStage(stage, true, false);
        co.start();
        assertFalse(co.isDone());
        assertTrue(co.cancel());
        assertTrue(co.isCancelled());

        CountingResource resource = new CountingResource();
        source.complete(resource);
        assertEquals(1, resource.closes.get(), "the value that arrived after the cancellation was not closed once");
    }

    /** The same when the request is met at the await without suspending: the late value is closed, once. */
    @Test
    void lateValueOfAnOwnedAwaitOfAStageIsClosedWhenTheRequestIsMetWithoutSuspending() {
        CompletableFuture<AsyncCloseable> source = new CompletableFuture<>();
        AwaitStage co = new AwaitStage(source.minimalCompletionStage(), true, true);
        co.start();
        assertTrue(co.isCancelled());
        CountingResource resource = new CountingResource();
        source.complete(resource);
        assertEquals(1, resource.closes.get(), "the value that arrived after the cancellation was not closed once");
    }

    /**
     * A request met at an await of a pending stage without suspending leaves nothing registered on the stage: a
     * stage so awaited and abandoned a thousand times holds only the await that still waits. (A stage awaited
     * directly is cancelled with its awaiter; one that cannot be, a minimal stage here, is abandoned.)
     */
    @Test
    void requestMetAtAnAwaitOfAPendingStageLeavesNothingOnTheStage() {
        CompletableFuture<Object> source = new CompletableFuture<>();
        CompletionStage<Object> shutdown = source.minimalCompletionStage(); // one that cannot be cancelled
        AwaitStage waiting = new AwaitStage(shutdown, false, false);
        waiting.start(); // one await that still waits: the count below sees it
        for (int i = 0; i < 1_000; i++) {
            AwaitStage co = new AwaitStage(shutdown, false, true);
            co.start();
            assertTrue(co.isCancelled());
        }
        assertEquals(1, registrations(StageView.Relay.of(shutdown)), "cancelled awaits left views on the stage");
        source.complete("down");
        assertEquals("down", waiting.join());
    }

    /** An await cancelled while suspended on a pending stage leaves nothing registered on the stage. */
    @Test
    void cancelledWhileSuspendedOnAPendingStageLeavesNothingOnTheStage() {
        CompletableFuture<Object> source = new CompletableFuture<>();
        CompletionStage<Object> shutdown = source.minimalCompletionStage(); // one that cannot be cancelled
        AwaitStage waiting = new AwaitStage(shutdown, false, false);
        waiting.start();
        for (int i = 0; i < 1_000; i++) {
            AwaitStage co = new AwaitStage(shutdown, false, false);
            co.start();
            assertFalse(co.isDone());
            assertTrue(co.cancel());
            assertTrue(co.isCancelled());
        }
        assertEquals(1, registrations(StageView.Relay.of(shutdown)), "cancelled awaits left views on the stage");
        source.complete("down");
        assertEquals("down", waiting.join());
    }

    /**
     * A shared view abandoned by its last waiter stops listening to the stage, so {@code await(Task.from(shutdown))}
     * cancelled a thousand times leaves one registration, the waiting one's; a view abandoned and then awaited again
     * listens again and wakes its new waiter.
     */
    @Test
    void aSharedViewListensOnlyWhileSomeoneWaits() {
        CompletableFuture<String> shutdown = new CompletableFuture<>();
        Coroutine<String> waiting = new TestCoroutines.AwaitThen<>(Task.from(shutdown), v -> v);
        waiting.start();
        for (int i = 0; i < 1_000; i++) {
            Coroutine<String> co = new TestCoroutines.AwaitThen<>(Task.from(shutdown), v -> v);
            co.start();
            assertTrue(co.cancel());
            assertTrue(co.isCancelled());
        }
        assertEquals(1, registrations(StageView.Relay.of(shutdown)), "abandoned views still listen to the stage");
        assertFalse(shutdown.isDone(), "a view never cancels the stage");

        Task<String> kept = Task.from(shutdown);
        Coroutine<String> first = new TestCoroutines.AwaitThen<>(kept, v -> v);
        first.start();
        assertTrue(first.cancel());
        assertEquals(1, registrations(StageView.Relay.of(shutdown)), "the kept view stopped listening");
        Coroutine<String> second = new TestCoroutines.AwaitThen<>(kept, v -> "again " + v);
        second.start();
        assertEquals(2, registrations(StageView.Relay.of(shutdown)), "awaited again, the kept view listens again");

        shutdown.complete("down");
        assertEquals("down", waiting.join());
        assertEquals("again down", second.join());
        assertEquals("down", kept.join());
    }

    /**
     * A view that stopped listening still completes as its stage does: asked after the stage completed, it reports
     * the stage's outcome, and a cancel() then is too late.
     */
    @Test
    void aViewThatStoppedListeningStillReportsItsStagesOutcome() {
        CompletableFuture<String> stage = new CompletableFuture<>();
        Task<String> view = Task.from(stage);
        Coroutine<String> abandoning = new TestCoroutines.AwaitThen<>(view, v -> v);
        abandoning.start();
        assertTrue(abandoning.cancel());
        assertEquals(0, registrations(StageView.Relay.of(stage)), "the view stopped listening");
        stage.complete("done");
        assertTrue(view.isDone(), "the stage completed");
        assertFalse(view.isCancelled());
        assertFalse(view.cancel(), "a view whose stage completed is not cancelled any more");
        assertEquals("done", view.join());

        CompletableFuture<String> failing = new CompletableFuture<>();
        Task<String> failed = Task.from(failing);
        Coroutine<String> other = new TestCoroutines.AwaitThen<>(failed, v -> v);
        other.start();
        assertTrue(other.cancel());
        failing.cancel(false);
        assertTrue(failed.isCancelled(), "the stage was cancelled");
        assertThrows(CancellationException.class, failed::join);
    }

    /**
     * A shared view abandoned by one coroutine while another starts to await it: the second is never stranded on a
     * view that stopped listening. The view's monitor is held here to stretch the window (as a preemption would),
     * with the first coroutine's abandonment and the second's registration both waiting at it.
     */
    @Test
    void aViewAbandonedWhileAnotherWaiterArrivesStillWakesThatWaiter() throws Exception {
        for (int round = 0; round < 20; round++) {
            CompletableFuture<String> stage = new CompletableFuture<>();
            Task<String> view = Task.from(stage);
            Coroutine<String> first = new TestCoroutines.AwaitThen<>(view, v -> v);
            first.start();
            Coroutine<String> second = new TestCoroutines.AwaitThen<>(view, v -> "second " + v);
            Thread a;
            Thread b;
            synchronized (view) {
                a = new Thread(first::cancel); // resumes first, which abandons the view at delivery
                a.start();
                while (a.getState() != Thread.State.BLOCKED && a.isAlive()) Thread.onSpinWait();
                b = new Thread(second::start); // registers on the view, which listens again
                b.start();
                while (b.getState() != Thread.State.BLOCKED && b.isAlive()) Thread.onSpinWait();
            }
            a.join();
            b.join();
            assertTrue(first.isCancelled());
            stage.complete("x");
            assertEquals("second x", second.join(), "round " + round);
        }
    }

    /**
     * An await of a stage that is not a CompletableFuture (another library's) is only abandoned on cancellation: its
     * {@code toCompletableFuture()}, which would make a copy registered on the stage, is never called.
     */
    @Test
    void abandonedAwaitsOfAForeignStageAreNotCancelledThroughACopy() {
        CompletableFuture<Object> source = new CompletableFuture<>();
        AtomicInteger copies = new AtomicInteger();
        CompletionStage<Object> foreign = foreignStage(source, copies);
        for (int i = 0; i < 100; i++) {
            AwaitStage co = new AwaitStage(foreign, false, i % 2 == 0);
            co.start();
            if (!co.isDone()) assertTrue(co.cancel());
            assertTrue(co.isCancelled());
        }
        assertEquals(0, copies.get(), "toCompletableFuture() calls");
        assertFalse(source.isDone());
        assertEquals(1, source.getNumberOfDependents(), "one relay for every await");
    }

    /** A CompletionStage that is not a CompletableFuture, delegating to {@code source}; counts toCompletableFuture. */
    @SuppressWarnings("unchecked")
    private static CompletionStage<Object> foreignStage(CompletableFuture<Object> source, AtomicInteger copies) {
        return (CompletionStage<Object>) java.lang.reflect.Proxy.newProxyInstance(CompletionStage.class.getClassLoader(),
                new Class<?>[] {CompletionStage.class}, (proxy, method, args) -> {
                    switch (method.getName()) {
                        case "hashCode": return System.identityHashCode(proxy);
                        case "equals": return proxy == args[0];
                        case "toString": return "foreign stage";
                        case "toCompletableFuture": copies.incrementAndGet(); break;
                        default: break;
                    }
                    return method.invoke(source, args);
                });
    }

    /** A future subclass whose whenComplete throws: the await fails with that, where the body can catch it. */
    @Test
    void aStageThatRefusesItsCallbackFailsTheAwait() {
        UnsupportedOperationException refused = new UnsupportedOperationException("read-only future");
        CompletableFuture<Object> readOnly = new CompletableFuture<>() {
            @Override
            public CompletableFuture<Object> whenComplete(java.util.function.BiConsumer<? super Object, ? super Throwable> a) {
                throw refused;
            }
        };
        AwaitStage co = new AwaitStage(readOnly, false, false);
        co.start();
        assertSame(refused, assertThrows(UnsupportedOperationException.class, co::join));
    }

    /** {@code try { await(dep); } finally { throw cleanupFailure; }}: cancelled, its outcome carries a failure. */
    static final class FailsInCleanup extends Coroutine<Object> {
        private final Task<?> dep;
        int label;

        FailsInCleanup(Task<?> dep) {
            this.dep = dep;
        }

        @Override
        @SuppressWarnings("finally")
        protected void resume() {
            Task<?> t = label == 0 ? dep : resumed();
            if (label == 0 && !ready(t)) {
                label = 1;
                if (suspend(t)) return;
                t = resumed();
            }
            try {
                returnValue(take(t));
            } finally {
                throw new IllegalStateException("cleanup failed");
            }
        }
    }

    /**
     * The future of a task settled from outside cancels the task; the task's own failure (here, its cleanup's) is
     * then nobody's to see through the future, so it stays unobserved, for the task's parent to report.
     */
    @Test
    void aFutureSettledFromOutsideDoesNotMarkTheTasksFailureAsSeen() {
        FailsInCleanup co = new FailsInCleanup(new Task<>());
        co.start();
        CompletableFuture<Object> future = co.toCompletableFuture();
        assertTrue(future.complete("from outside"));
        assertTrue(co.isCancelled());
        assertEquals("from outside", future.join());
        assertTrue(co.hasUnobservedFailure(), "the cleanup failure is still to be reported");
    }

    /** A coroutine that returned a pending stage and was cancelled while waiting for it leaves nothing on the stage. */
    @Test
    void cancelledCoroutineThatReturnedAPendingStageLeavesNothingOnTheStage() {
        CompletableFuture<Object> source = new CompletableFuture<>();
        CompletionStage<Object> shutdown = source.minimalCompletionStage(); // one that cannot be cancelled
        Coroutine<Object> waiting = new TestCoroutines.ReturnStage<>(shutdown);
        waiting.start();
        for (int i = 0; i < 1_000; i++) {
            Coroutine<Object> co = new TestCoroutines.ReturnStage<>(shutdown);
            co.start();
            assertFalse(co.isDone());
            assertTrue(co.cancel());
            assertTrue(co.isCancelled());
        }
        assertEquals(1, registrations(StageView.Relay.of(shutdown)), "cancelled returns left views on the stage");
        source.complete("down");
        assertEquals("down", waiting.join());
    }

    // ---- drop glue the runtime starts for another task is nobody's child ----------------------------------------

    /** A {@code closeAsync()} written as an async function: awaits {@code gate}, then marks the close finished. */
    static final class AsyncClose extends Coroutine<Void> {
        private final Task<?> gate;
        volatile boolean finished;
        int label;

        AsyncClose(Task<?> gate) {
            this.gate = gate;
        }

        @Override
        protected void resume() {
            Task<?> t;
            switch (label) {
                case 0:
                    t = gate;
                    if (!ready(t)) {
                        label = 1;
                        if (suspend(t)) return;
                        t = resumed();
                    }
                    take(t);
                    finished = true;
                    returnValue(null);
                    return;
                case 1:
                    t = resumed();
                    take(t);
                    finished = true;
                    returnValue(null);
                    return;
                default:
                    throw new AssertionError(label);
            }
        }
    }

    /** {@code @Async Task<Object> f(@Owned AsyncCloseable p)} whose body must never run here. */
    static final class OwnsParameter extends Coroutine<Object> {
        private AsyncCloseable p;

        OwnsParameter(AsyncCloseable p) {
            this.p = p;
        }

        @Override
        protected AsyncCloseable[] ownedParameters(Object[] arguments) {
            AsyncCloseable[] owned = {p};
            p = null;
            return owned;
        }

        @Override
        protected void resume() {
            throw new AssertionError("the body of a task cancelled before its start ran");
        }
    }

    /**
     * A cancel(), from another coroutine's body, of a task that never started drops the task's {@code @Owned}
     * parameter there, and that async close is nobody's child: the cancelling body's exceptional end neither cuts it
     * short nor takes it on, and the cancelled task waits for it and ends with no cleanup failure.
     */
    @Test
    void dropOfAnUnstartedTasksParameterIsNotCancelledByTheCoroutineThatCancelledTheTask() {
        List<Runnable> neverRun = new ArrayList<>();
        Task<Object> gate = new Task<>();
        AsyncClose[] close = new AsyncClose[1];
        AsyncCloseable resource = () -> {
            close[0] = new AsyncClose(gate);
            close[0].start();
            return close[0];
        };
        IllegalStateException boom = new IllegalStateException("boom");
        Task<?>[] spawned = new Task<?>[1];
        Coroutine<Object> owner = new Coroutine<>() {
            @Override
            protected void resume() {
                TaskScope scope = TaskScope.open(neverRun::add);
                spawned[0] = scope.spawn(() -> new OwnsParameter(resource).start());
                spawned[0].cancel(); // never started: its parameter is dropped, here, inside this body
                throw boom;          // an exceptional exit without awaiting the cancelled task
            }
        };
        owner.start();
        assertEquals(1, neverRun.size(), "the spawned task was handed to the executor, which never runs it");
        assertNull(close[0].parent(), "the close of another task's parameter is nobody's child");
        assertFalse(close[0].isDone());
        assertFalse(spawned[0].isDone(), "the cancelled task waits for its parameter's close");
        gate.succeed(null);
        assertTrue(close[0].finished, "the resource's close was cut short");
        assertTrue(close[0].isDone());
        assertFalse(close[0].isCancelled());
        assertTrue(spawned[0].isCancelled());
        Throwable[] cleanup = spawned[0].failureNow().getSuppressed();
        assertEquals(0, cleanup.length, "the cancelled task reported a cleanup failure: " + Arrays.toString(cleanup));
        assertTrue(owner.isDone());
        assertSame(boom, owner.failureNow());
        assertEquals(0, boom.getSuppressed().length, "the close became the owner's failure: "
                + Arrays.toString(boom.getSuppressed()));
    }

    /** A resource whose closeAsync() is an async function that fails at once with {@code failure}. */
    static final class FailingAsyncClose implements AsyncCloseable {
        final RuntimeException failure;
        final AtomicInteger closes = new AtomicInteger();

        FailingAsyncClose(RuntimeException failure) {
            this.failure = failure;
        }

        @Override
        @SuppressWarnings("unchecked")
        public Task<Void> closeAsync() {
            closes.incrementAndGet();
            return (Task<Void>) (Task<?>) new TestCoroutines.Throwing(failure).start();
        }
    }

    /**
     * The async close of a loser's value that Task.any starts inside the awaiting body is nobody's child: its failure
     * reaches the body once, as any()'s outcome at the await, and a body that catches it and recovers succeeds.
     */
    @Test
    void aHandledFailureOfACombinatorsCloseDoesNotResurfaceAsTheBodysOutcome() {
        RuntimeException closeFailed = new IllegalStateException("close of the loser failed");
        FailingAsyncClose loser = new FailingAsyncClose(closeFailed);
        CountingResource winner = new CountingResource();
        Object[] caught = new Object[1];
        Coroutine<Object> body = new Coroutine<>() {
            @Override
            protected void resume() {
                Task<?> any = Task.any(List.of(Task.completed(winner), Task.completed(loser)));
                assertTrue(ready(any));
                try {
                    take(any);
                } catch (IllegalStateException e) {
                    caught[0] = e; // handled: the body recovers
                }
                returnValue("recovered");
            }
        };
        body.start();
        assertEquals(1, loser.closes.get());
        assertSame(closeFailed, caught[0]);
        assertTrue(body.isDone());
        assertNull(body.failureNow(), "a failure the body caught and handled became its outcome");
        assertEquals("recovered", body.join());
    }

    // ---- failures reported once ---------------------------------------------------------------------------------

    /**
     * A cancellation delivered at an owning await of a done task closes the value in transit, and the failure of
     * that async close is suppressed onto the cancelled outcome once.
     */
    @Test
    void aFailedCloseOfAValueInTransitIsReportedOnce() {
        RuntimeException closeFailed = new IllegalStateException("close failed");
        FailingAsyncClose value = new FailingAsyncClose(closeFailed);
        Coroutine<Object> co = new Coroutine<>() {
            @Override
            protected void resume() {
                cancel(); // a request that arrives while the body runs
                Task<?> t = Task.completed(value);
                assertTrue(ready(t));
                returnValue(takeOwned(t)); // delivered here: the value is in transit and closed
            }
        };
        co.start();
        assertEquals(1, value.closes.get());
        assertTrue(co.isCancelled());
        Throwable outcome = co.failureNow();
        int times = 0;
        for (Throwable s : outcome.getSuppressed()) if (s == closeFailed) times++;
        assertEquals(1, times, "suppressed: " + Arrays.toString(outcome.getSuppressed()));
    }

    // ---- a failure out of a task's completion never reaches the body's own catch --------------------------------

    /**
     * What a task's completion throws (a waiter's failure) inside the body's {@code return} never reaches the body's
     * own catch, where a second {@code return} would complete the task twice: the task keeps its first value, and
     * the failure leaves through the step, to the starter.
     */
    @Test
    void aFailureOutOfTheCompletionDoesNotCompleteTheTaskTwice() {
        IllegalStateException waiterFailed = new IllegalStateException("a waiter of the task failed");
        boolean[] caughtInBody = new boolean[1];
        Coroutine<Object> co = new Coroutine<>() {
            @Override
            protected void resume() {
                // try { return Task.completed("first"); }
                // catch (RuntimeException e) { return Task.completed("fallback"); }
                try {
                    returnValue("first");
                } catch (RuntimeException e) {
                    caughtInBody[0] = true;
                    returnValue("fallback");
                }
            }
        };
        co.addWaiter(source -> {
            throw waiterFailed;
        });
        IllegalStateException thrown = assertThrows(IllegalStateException.class, co::start);
        assertSame(waiterFailed, thrown, "the waiter's failure reaches the starter");
        assertFalse(caughtInBody[0], "the body's own catch saw the failure of its task's completion");
        assertTrue(co.isDone());
        assertFalse(co.isCancelled(), "completed twice: the outcome bits read CANCELLED");
        assertEquals("first", co.join());
    }
}
