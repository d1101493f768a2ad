package dev.coda;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.coda.TestCoroutines.AwaitThen;
import dev.coda.TestCoroutines.ReturnTask;
import dev.coda.TestCoroutines.Run;
import java.lang.ref.WeakReference;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The per-thread trampoline ({@link Carrier}): a resumption requested while a coroutine runs on the thread is queued,
 * in order, and run by the outermost one, so deep chains and ping-pong complete on a small stack.
 */
@Timeout(value = 20, unit = TimeUnit.SECONDS)
class TrampolineTest {
    private static final int SMALL_STACK = 256 * 1024;

    /** Runs {@code body} on a thread with a 256 KiB stack; returns what it threw, or null. */
    private static Throwable onSmallStack(Runnable body) throws InterruptedException {
        AtomicReference<Throwable> thrown = new AtomicReference<>();
        Thread t = new Thread(null, () -> {
            try {
                body.run();
            } catch (Throwable e) {
                thrown.set(e);
            }
        }, "small", SMALL_STACK);
        t.start();
        t.join(15_000);
        if (t.isAlive()) throw new AssertionError("the small-stack thread hangs");
        return thrown.get();
    }

    /**
     * {@code n} coroutines, each awaiting the next, the last awaiting {@code leaf}; outermost first. Built innermost
     * first, so each start() suspends at once and the chain costs no stack to build.
     */
    private static List<AwaitThen<Integer, Integer>> chainOn(Task<Integer> leaf, int n) {
        List<AwaitThen<Integer, Integer>> links = new ArrayList<>(n);
        Task<Integer> next = leaf;
        for (int i = 0; i < n; i++) {
            AwaitThen<Integer, Integer> link = new AwaitThen<>(next, v -> v + 1);
            link.start();
            assertFalse(link.isDone());
            links.add(link);
            next = link;
        }
        java.util.Collections.reverse(links);
        return links;
    }

    @Test
    void chainOf20000AwaitingCoroutinesCompletedFromASmallStack() throws Exception {
        final int n = 20_000;
        Task<Integer> leaf = new Task<>();
        List<AwaitThen<Integer, Integer>> links = chainOn(leaf, n);
        Throwable thrown = onSmallStack(() -> leaf.succeed(0));
        assertNull(thrown, () -> "completing the leaf threw " + thrown);
        for (int i = 0; i < n; i++) {
            AwaitThen<Integer, Integer> link = links.get(i);
            assertTrue(link.isDone(), "link " + i + " done");
            assertEquals(n - i, TaskWaitersTest.outcomeOf(link), "value of link " + i);
        }
    }

    @Test
    void chainOf20000AwaitingCoroutinesFailedFromASmallStack() throws Exception {
        final int n = 20_000;
        Task<Integer> leaf = new Task<>();
        List<AwaitThen<Integer, Integer>> links = chainOn(leaf, n);
        IllegalStateException error = new IllegalStateException("leaf");
        Throwable thrown = onSmallStack(() -> leaf.fail(error));
        assertNull(thrown, () -> "failing the leaf threw " + thrown);
        for (int i = 0; i < n; i++) {
            assertTrue(links.get(i).isDone(), "link " + i + " done");
            assertSame(error, TaskWaitersTest.outcomeOf(links.get(i)), "failure of link " + i);
        }
    }

    /**
     * A chain of 20,000 coroutines whose bodies each end with {@code return next;} (a pending task), completed from
     * a 256 KiB stack. Adopting the outcome is a resumption like any other, so it must not nest one frame per link.
     */
    @Test
    void chainOf20000TailReturningCoroutinesCompletedFromASmallStack() throws Exception {
        final int n = 20_000;
        Task<Integer> leaf = new Task<>();
        List<Task<Integer>> links = new ArrayList<>(n);
        Task<Integer> next = leaf;
        for (int i = 0; i < n; i++) {
            Task<Integer> link = new ReturnTask<>(next).start();
            assertFalse(link.isDone());
            links.add(link);
            next = link;
        }
        Throwable thrown = onSmallStack(() -> leaf.succeed(7));
        assertNull(thrown, () -> "completing the leaf threw " + thrown);
        int notDone = 0;
        int wrong = 0;
        Object firstWrong = null;
        for (Task<Integer> link : links) {
            if (!link.isDone()) notDone++;
            else {
                Object outcome = TaskWaitersTest.outcomeOf(link);
                if (!Integer.valueOf(7).equals(outcome)) {
                    wrong++;
                    if (firstWrong == null) firstWrong = outcome;
                }
            }
        }
        assertEquals(0, notDone, "links left pending for ever (join() on them would block), of " + n);
        assertEquals(0, wrong, "links with a wrong outcome, first: " + firstWrong);
    }

    /**
     * Two coroutines on one small-stack thread pass a counter back and forth 100,000 times: each round completes
     * the peer's inbox from inside a running body. The peer's resumption is queued and run by the outermost frame,
     * so the stack does not grow with the number of rounds.
     */
    @Test
    void pingPongOf100000RoundsOnASmallStack() throws Exception {
        final int limit = 100_000;
        Pinger a = new Pinger(limit);
        Pinger b = new Pinger(limit);
        a.peer = b;
        b.peer = a;
        a.start();
        b.start();
        assertFalse(a.isDone());
        assertFalse(b.isDone());
        Throwable thrown = onSmallStack(() -> a.inbox.succeed(0));
        assertNull(thrown, () -> "ping-pong threw " + thrown);
        assertTrue(a.isDone());
        assertTrue(b.isDone());
        // a receives 0, 2, ..., limit; b receives 1, 3, ..., limit + 1
        assertEquals(limit / 2 + 1, TaskWaitersTest.outcomeOf(a));
        assertEquals(limit / 2 + 1, TaskWaitersTest.outcomeOf(b));
        assertEquals(limit, a.last);
        assertEquals(limit + 1, b.last);
        assertEquals(1, a.maxDepth, "a's resumptions nested");
        assertEquals(1, b.maxDepth, "b's resumptions nested");
    }

    static final class Pinger extends Coroutine<Integer> {
        private static final ThreadLocal<int[]> DEPTH = ThreadLocal.withInitial(() -> new int[1]);
        final int limit;
        Pinger peer;
        volatile Task<Integer> inbox = new Task<>();
        int state;
        int received;
        int last = -1;
        int maxDepth;

        Pinger(int limit) {
            this.limit = limit;
        }

        @Override
        protected void resume() {
            int[] depth = DEPTH.get();
            depth[0]++;
            maxDepth = Math.max(maxDepth, depth[0]);
            try {
                body();
            } finally {
                depth[0]--;
            }
        }

        private void body() {
            for (;;) {
                Task<?> t;
                if (state == 1) {
                    t = resumed();
                } else {
                    t = inbox;
                    if (!ready(t)) {
                        state = 1;
                        if (suspend(t)) return;
                        t = resumed();
                    }
                }
                state = 0;
                int v = (Integer) take(t);
                received++;
                last = v;
                inbox = new Task<>();
                peer.inbox.succeed(v + 1);
                if (v >= limit) {
                    returnValue(received);
                    return;
                }
            }
        }
    }

    @Test
    void resumptionRequestedInsideARunningBodyRunsAfterItOnTheSameThread() {
        Task<String> x = new Task<>();
        List<String> log = new ArrayList<>();
        AwaitThen<String, String> waiting = new AwaitThen<>(x, v -> {
            log.add("waiting resumed with " + v);
            return v;
        });
        waiting.start();
        Coroutine<String> completing = new Coroutine<>() {
            @Override
            protected void resume() {
                log.add("completing before");
                x.succeed("x");
                log.add("completing after, waiting done=" + waiting.isDone());
                returnValue("c");
            }
        };
        completing.start();
        log.add("start returned");
        assertEquals(List.of("completing before", "completing after, waiting done=false", "waiting resumed with x",
                "start returned"), log);
        assertSame(Thread.currentThread(), waiting.resumedOn);
        assertEquals("x", waiting.join());
        assertEquals("c", completing.join());
    }

    @Test
    void queuedResumptionsRunInTheOrderTheyWereRequested() {
        Task<String> x1 = new Task<>();
        Task<String> x2 = new Task<>();
        Task<String> shared = new Task<>();
        List<String> log = new ArrayList<>();
        // Registration order on the shared task: s1 then s2.
        new AwaitThen<>(x2, v -> log.add("b2")).start();
        new AwaitThen<>(x1, v -> log.add("b1")).start();
        new AwaitThen<>(shared, v -> log.add("s1")).start();
        new AwaitThen<>(shared, v -> log.add("s2")).start();
        new Coroutine<Void>() {
            @Override
            protected void resume() {
                x1.succeed("1");
                x2.succeed("2");
                shared.succeed("s");
                log.add("body end");
                returnValue(null);
            }
        }.start();
        assertEquals(List.of("body end", "b1", "b2", "s1", "s2"), log);
    }

    /**
     * More resumptions than the queue first holds, most requested while it drains: each resumed coroutine queues two
     * more (a tree walked breadth first), so the queue grows while its head has moved on and wraps around. Every
     * resumption still runs once, in the order requested.
     */
    @Test
    void manyQueuedResumptionsRunOnceEachInTheOrderTheyWereRequested() {
        List<Task<Integer>> inboxes = new ArrayList<>();
        for (int i = 0; i < 255; i++) inboxes.add(new Task<>());
        List<Integer> log = new ArrayList<>();
        for (int i = 0; i < inboxes.size(); i++) {
            int index = i;
            new AwaitThen<>(inboxes.get(i), v -> {
                log.add(v);
                completeChildrenOf(index, inboxes);
                return v;
            }).start();
        }
        new Coroutine<Void>() {
            @Override
            protected void resume() {
                inboxes.get(0).succeed(0);
                log.add(-1);
                returnValue(null);
            }
        }.start();
        List<Integer> expected = new ArrayList<>();
        expected.add(-1);
        for (int i = 0; i < inboxes.size(); i++) expected.add(i);
        assertEquals(expected, log);
    }

    /** In a tree walked breadth first: completes the inboxes of node {@code index}'s two children, if any. */
    private static void completeChildrenOf(int index, List<Task<Integer>> inboxes) {
        for (int child = 2 * index + 1; child <= 2 * index + 2 && child < inboxes.size(); child++) {
            inboxes.get(child).succeed(child);
        }
    }

    /**
     * A queued step that throws, in the middle of a drain in which the queue grows and wraps around: the rest of the
     * queue still runs, in order, and the throwable reaches the caller of the outermost start once the queue is
     * empty.
     */
    @Test
    void aQueuedStepThatThrowsStrandsNoneOfTheRest() {
        List<Task<Integer>> inboxes = new ArrayList<>();
        for (int i = 0; i < 63; i++) inboxes.add(new Task<>());
        List<Integer> log = new ArrayList<>();
        IllegalStateException boom = new IllegalStateException("after the body ended");
        for (int i = 0; i < inboxes.size(); i++) {
            int index = i;
            new Coroutine<Integer>() {
                @Override
                protected void resume() {
                    Task<Integer> inbox = inboxes.get(index);
                    if (!ready(inbox) && suspend(inbox)) return;
                    log.add(index);
                    completeChildrenOf(index, inboxes);
                    returnValue(index);
                    if (index == 9) throw boom; // the body has ended: the step itself throws
                }
            }.start();
        }
        Coroutine<Void> driver = new Coroutine<>() {
            @Override
            protected void resume() {
                inboxes.get(0).succeed(0);
                returnValue(null);
            }
        };
        assertSame(boom, assertThrows(IllegalStateException.class, driver::start));
        List<Integer> expected = new ArrayList<>();
        for (int i = 0; i < inboxes.size(); i++) expected.add(i);
        assertEquals(expected, log);
        assertTrue(driver.isDone());
    }

    /** The queue does not keep a coroutine reachable once its queued step has run. */
    @Test
    void aCoroutineThatRanFromTheQueueIsNotKeptByIt() throws Exception {
        Task<Integer> inbox = new Task<>();
        AwaitThen<Integer, Integer> waiting = new AwaitThen<>(inbox, v -> v);
        waiting.start();
        WeakReference<AwaitThen<Integer, Integer>> ref = new WeakReference<>(waiting);
        new Coroutine<Void>() {
            @Override
            protected void resume() {
                inbox.succeed(1); // queued, and run before start() returns
                returnValue(null);
            }
        }.start();
        assertTrue(waiting.isDone());
        waiting = null;
        for (int i = 0; i < 50 && ref.get() != null; i++) {
            System.gc();
            Thread.sleep(10);
        }
        assertNull(ref.get(), "the coroutine is still reachable after its queued step ran");
    }

    @Test
    void resumptionQueuedByAResumedCoroutineRunsInTheSameDrain() {
        // c1 awaits x; c2 awaits c1. Completing x from outside resumes c1 inline; c1's completion queues c2, which
        // runs before succeed() returns.
        Task<Integer> x = new Task<>();
        AwaitThen<Integer, Integer> c1 = new AwaitThen<>(x, v -> v + 1);
        c1.start();
        AwaitThen<Integer, Integer> c2 = new AwaitThen<>(c1, v -> v + 1);
        c2.start();
        x.succeed(1);
        assertTrue(c1.isDone());
        assertTrue(c2.isDone());
        assertEquals(3, c2.join());
        assertSame(Thread.currentThread(), c2.resumedOn);
    }

    /**
     * The carrier is replaced after a run of outermost steps (to stay young for the garbage collector) also when
     * every one of them queues a resumption: here each completion from outside resumes a coroutine whose completion
     * queues the one awaiting it, and these resumptions are the only outermost steps. And the replacement loses
     * nothing: every chain completes with its value.
     */
    @Test
    void theCarrierIsReplacedAfterManyOutermostStepsThatQueueResumptions() {
        Carrier first = Carrier.current();
        for (int i = 0; i < 2 * Carrier.RENEW_AFTER; i++) {
            Task<Integer> leaf = new Task<>();
            AwaitThen<Integer, Integer> inner = new AwaitThen<>(leaf, v -> v + 1);
            AwaitThen<Integer, Integer> outer = new AwaitThen<>(inner, v -> v + 1);
            Carrier.current().unparented(() -> { // started here, these starts are not outermost steps
                inner.start();
                return outer.start();
            });
            leaf.succeed(i);
            assertEquals(i + 2, TaskWaitersTest.outcomeOf(outer), "chain " + i);
        }
        assertNotSame(first, Carrier.current(), "the carrier was never replaced");
    }

    /**
     * Carriers are also found by thread id modulo a table size: a thread whose slot another thread holds, inside a
     * coroutine at that moment, still gets a carrier of its own, and runs its coroutines on it.
     */
    @Test
    void threadsThatShareASlotEachGetTheirOwnCarrier() throws Exception {
        java.util.concurrent.CountDownLatch holding = new java.util.concurrent.CountDownLatch(1);
        java.util.concurrent.CountDownLatch done = new java.util.concurrent.CountDownLatch(1);
        Carrier[] held = new Carrier[1];
        Thread holder = new Thread(() -> {
            Task<Integer> gate = new Task<>();
            AwaitThen<Integer, Integer> inside = new AwaitThen<>(gate, v -> {
                held[0] = Carrier.current(); // running this coroutine
                holding.countDown();
                try {
                    done.await();
                } catch (InterruptedException e) {
                    throw new AssertionError(e);
                }
                return v;
            });
            inside.start();
            gate.succeed(1);
        });
        Carrier[] seen = new Carrier[2];
        int[] value = new int[1];
        Runnable share = () -> {
            seen[0] = Carrier.current();
            Task<Integer> leaf = new Task<>();
            AwaitThen<Integer, Integer> co = new AwaitThen<>(leaf, v -> v + 1);
            co.start();
            leaf.succeed(41);
            value[0] = (Integer) TaskWaitersTest.outcomeOf(co);
            seen[1] = Carrier.current();
        };
        Thread sharer;
        do sharer = new Thread(share); while ((sharer.getId() - holder.getId()) % Carrier.SLOTS != 0);
        holder.start();
        holding.await();
        try {
            assertEquals(0, (sharer.getId() - holder.getId()) % Carrier.SLOTS, "the two threads share a slot");
            sharer.start();
            sharer.join();
        } finally {
            done.countDown();
            holder.join();
        }
        assertNotSame(held[0], seen[0], "the sharer got the holder's carrier");
        assertSame(seen[0], seen[1], "one carrier per thread");
        assertEquals(42, value[0]);
        assertNull(seen[0].running(), "the sharer's carrier is idle after its step");
    }

    /**
     * A first step run in the stub's frame ({@code enter}, the body, {@code exit}) that throws past the body's last
     * handler: the carrier gets its running coroutine back, and at the outermost level the resumptions the step
     * queued still run. Without this, the thread would keep a coroutine running that is gone, and queue every later
     * resumption behind it, never to run.
     */
    @Test
    void aFirstStepThatThrowsInTheStubsFrameRestoresTheCarrierAndRunsWhatItQueued() {
        Task<Integer> gate = new Task<>();
        AwaitThen<Integer, Integer> waiting = new AwaitThen<>(gate, v -> v + 1);
        waiting.start();
        Error boom = new Error("boom");
        Coroutine<Integer> started = new Run<>(() -> {}, 0);
        assertTrue(started.enter(), "started in the stub's frame");
        assertNull(started.parent(), "outermost: nothing was running");
        assertSame(started, Carrier.current().running());
        gate.succeed(1); // while a step runs: the waiting coroutine's resumption is queued
        assertFalse(waiting.isDone());
        assertSame(boom, assertThrows(Error.class, () -> {
            throw Coroutine.exitThrowing(started, boom);
        }));
        assertNull(Carrier.current().running());
        assertEquals(2, waiting.join(), "the queued resumption ran before the throw left the step");

        // Nested in another coroutine's step: that coroutine is running again afterwards.
        List<Object> seen = new ArrayList<>();
        Coroutine<Integer> parent = new Run<>(() -> {
            Coroutine<Integer> child = new Run<>(() -> {}, 0);
            assertTrue(child.enter());
            seen.add(child.parent());
            seen.add(Carrier.current().running());
            try {
                throw Coroutine.exitThrowing(child, boom);
            } catch (Error e) {
                seen.add(e);
            }
            seen.add(Carrier.current().running());
        }, 0);
        parent.start();
        assertEquals(List.of(parent, seen.get(1), boom, parent), seen);
        assertNotSame(parent, seen.get(1), "the child ran as the innermost coroutine");
    }

    /**
     * {@code exit} after a first step in the stub's frame gives the carrier back its running coroutine and lists a
     * call still running with its parent; the parked carrier is gone from the call. After a start that took the
     * general way ({@code enter} false, {@code startWith}) it changes nothing.
     */
    @Test
    void exitRestoresTheCarrierAndListsTheCallWithItsParent() {
        Task<Integer> gate = new Task<>();
        List<Object> seen = new ArrayList<>();
        Coroutine<Integer> parent = new Run<>(() -> {
            AwaitThen<Integer, Integer> child = new AwaitThen<>(gate, v -> v + 1);
            assertTrue(child.enter());
            seen.add(Carrier.current().running() == child);
            child.step(); // the first step: suspends on the gate
            assertSame(child, Coroutine.exit(child));
            seen.add(Carrier.current().running());
            seen.add(child.olderSibling);
        }, 0);
        parent.start();
        assertEquals(3, seen.size());
        assertEquals(true, seen.get(0), "the child ran as the innermost coroutine");
        assertSame(parent, seen.get(1), "the parent runs again after the child's exit");
        assertNull(seen.get(2), "listed as the parent's only child: no carrier left parked");
        assertFalse(parent.isDone(), "the parent's end waits for the child that exit listed");
        gate.succeed(1);
        assertTrue(parent.isDone());
        assertNull(Carrier.current().running());

        // Outermost: nobody lists the call, so only exit takes the parked carrier out of it, and a later throw on
        // this thread out of the body's last handler cannot restore the carrier through it again.
        Task<Integer> outerGate = new Task<>();
        AwaitThen<Integer, Integer> outermost = new AwaitThen<>(outerGate, v -> v);
        assertTrue(outermost.enter());
        outermost.step();
        assertSame(outermost, Coroutine.exit(outermost));
        assertNull(outermost.olderSibling, "the parked carrier is taken back");
        assertNull(Carrier.current().running());
        Error late = new Error("late");
        List<Object> after = new ArrayList<>();
        Coroutine<Integer> later = new Run<>(() -> {
            try {
                throw Coroutine.exitThrowing(outermost, late);
            } catch (Error e) {
                after.add(e);
            }
            after.add(Carrier.current().running());
        }, 0);
        later.start();
        assertEquals(List.of(late, later), after, "a throw after exit leaves the running coroutine as it is");
        outerGate.succeed(3);
        assertEquals(3, outermost.join());

        Coroutine<Integer> general = new Run<>(() -> {}, 5);
        Object[] before = {Carrier.current().running(), general.olderSibling};
        assertSame(general, Coroutine.exit(general));
        assertArrayEquals(before, new Object[] {Carrier.current().running(), general.olderSibling});
    }

    /**
     * {@code exitThrowing} restores a carrier only on the thread that parked it. A body resumed on another thread
     * while the first step's thread has not reached {@code exit} yet finds that thread's carrier parked; what its
     * last handler throws is rethrown there with neither carrier touched.
     */
    @Test
    void exitThrowingOnAnotherThreadLeavesTheParkedCarrierAlone() throws Exception {
        Coroutine<Integer> started = new Run<>(() -> {}, 0);
        assertTrue(started.enter());
        Carrier mine = Carrier.current();
        Error boom = new Error("boom");
        Object[] seen = new Object[3];
        Thread other = new Thread(() -> {
            try {
                throw Coroutine.exitThrowing(started, boom);
            } catch (Error e) {
                seen[0] = e;
            }
            seen[1] = Carrier.current().running();
        });
        other.start();
        other.join();
        seen[2] = started.olderSibling;
        assertSame(boom, seen[0], "rethrown as it was");
        assertNull(seen[1], "the other thread's carrier was not made to run anything");
        assertSame(mine, seen[2], "still parked for this thread's exit");
        assertSame(started, mine.running(), "this thread's carrier untouched");
        assertSame(started, Coroutine.exit(started));
        assertNull(mine.running());
    }

    /**
     * A body whose first step threw past its last handler, and whose call to restore the carrier overflowed the stack
     * as well, has marked its coroutine (the field write it makes first). The carrier takes the marked coroutine off
     * when it next looks: from plain code, a resumption runs at once and a new start is nobody's child; inside
     * another coroutine's step, what that step starts next is its child. Without this, the thread would keep a
     * coroutine running that is gone.
     */
    @Test
    void aCoroutineMarkedAsThrownOutOfItsBodyIsTakenOffTheCarrier() {
        Coroutine<Integer> gone = new Run<>(() -> {}, 0);
        assertTrue(gone.enter());
        gone.awaited = Coroutine.THREW; // and the body's exitThrowing never ran
        assertEquals("dev.coda.TestCoroutines$Run abandoned: its first step threw out of the call", gone.toString());
        Task<Integer> gate = new Task<>();
        AwaitThen<Integer, Integer> waiting = new AwaitThen<>(gate, v -> v + 1);
        waiting.start();
        assertNull(waiting.parent(), "started from plain code: nobody's child");
        gate.succeed(1);
        assertTrue(waiting.isDone(), "resumed at once, from plain code");
        assertEquals(2, TaskWaitersTest.outcomeOf(waiting));
        assertNull(Carrier.current().running());

        List<Object> seen = new ArrayList<>();
        Task<Integer> childGate = new Task<>();
        Coroutine<Integer> parent = new Run<>(() -> {
            Coroutine<Integer> child = new Run<>(() -> {}, 0);
            child.enter();
            child.awaited = Coroutine.THREW;
            AwaitThen<Integer, Integer> next = new AwaitThen<>(childGate, v -> v);
            next.start();
            seen.add(next.parent());
            seen.add(Carrier.current().running());
        }, 0);
        parent.start();
        assertEquals(2, seen.size());
        assertSame(parent, seen.get(0), "started after the marked one: the running body's child");
        assertSame(parent, seen.get(1));
        assertFalse(parent.isDone(), "the parent's end waits for its child");
        childGate.succeed(7);
        assertTrue(parent.isDone());
        assertNull(Carrier.current().running());

        // Two in a row: a coroutine whose body threw while a marked one still stood above it.
        Coroutine<Integer> outerGone = new Run<>(() -> {}, 0);
        outerGone.enter();
        Coroutine<Integer> innerGone = new Run<>(() -> {}, 0);
        innerGone.enter();
        innerGone.awaited = Coroutine.THREW;
        outerGone.awaited = Coroutine.THREW;
        assertSame(outerGone, innerGone.parent());
        assertNull(Carrier.current().running(), "both taken off: nothing ran before them");
    }
}
