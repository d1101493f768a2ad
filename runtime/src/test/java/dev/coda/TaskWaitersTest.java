package dev.coda;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicIntegerArray;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.atomic.AtomicReferenceArray;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The waiter stack of {@link Task}: waiters run exactly once, in the order they registered, on the thread that
 * completes the task; a waiter added after completion is refused. Also under races.
 */
@Timeout(value = 20, unit = TimeUnit.SECONDS)
class TaskWaitersTest {

    @Test
    void oneWaiterRunsOnceWithTheSourceTaskAndSeesTheOutcome() {
        Task<String> task = new Task<>();
        List<Object> seen = new ArrayList<>();
        assertTrue(task.addWaiter(source -> {
            seen.add(source);
            seen.add(source.isDone());
            seen.add(source.join());
        }));
        assertTrue(seen.isEmpty());
        assertTrue(task.succeed("v"));
        assertEquals(List.of(task, true, "v"), seen);
    }

    @Test
    void manyWaitersRunInRegistrationOrderExactlyOnce() {
        Task<String> task = new Task<>();
        List<Integer> order = new ArrayList<>();
        int n = 100;
        for (int i = 0; i < n; i++) {
            int id = i;
            assertTrue(task.addWaiter(source -> order.add(id)));
        }
        assertTrue(order.isEmpty());
        assertTrue(task.succeed("v"));
        List<Integer> expected = new ArrayList<>();
        for (int i = 0; i < n; i++) expected.add(i);
        assertEquals(expected, order);
        // completing again neither succeeds nor re-runs the waiters
        assertFalse(task.succeed("w"));
        assertFalse(task.fail(new RuntimeException()));
        assertEquals(expected, order);
        assertEquals("v", task.join());
    }

    @Test
    void twoWaitersRunInRegistrationOrder() {
        Task<String> task = new Task<>();
        List<String> order = new ArrayList<>();
        task.addWaiter(source -> order.add("first"));
        task.addWaiter(source -> order.add("second"));
        task.fail(new RuntimeException());
        assertEquals(List.of("first", "second"), order);
    }

    @Test
    void waitersRunOnTheCompletingThread() throws Exception {
        Task<String> task = new Task<>();
        AtomicReference<Thread> ranOn = new AtomicReference<>();
        task.addWaiter(source -> ranOn.set(Thread.currentThread()));
        Thread completer = new Thread(() -> task.succeed("v"), "completer");
        completer.start();
        completer.join();
        assertSame(completer, ranOn.get());
    }

    @Test
    void waiterAddedAfterCompletionIsRefusedAndNeverRuns() {
        Task<String> task = new Task<>();
        task.succeed("v");
        AtomicInteger runs = new AtomicInteger();
        assertFalse(task.addWaiter(source -> runs.incrementAndGet()));
        assertEquals(0, runs.get());
        assertFalse(Task.completed(1).addWaiter(source -> runs.incrementAndGet()));
        assertFalse(Task.done().addWaiter(source -> runs.incrementAndGet()));
        assertFalse(Task.failed(new RuntimeException()).addWaiter(source -> runs.incrementAndGet()));
        assertEquals(0, runs.get());
    }

    @Test
    void firstCompletionWins() {
        Task<String> task = new Task<>();
        RuntimeException error = new RuntimeException();
        assertTrue(task.fail(error));
        assertFalse(task.succeed("late"));
        assertFalse(task.fail(new IllegalStateException()));
        assertSame(error, org.junit.jupiter.api.Assertions.assertThrows(RuntimeException.class, task::join));
    }

    /**
     * 8 threads try to complete the same task (half succeed, half fail) while 4 other threads register waiters.
     * Exactly one completion wins; every accepted waiter runs exactly once and sees the winner's outcome; every
     * refused waiter never runs, and its registrar then sees a done task.
     */
    @Test
    void racingCompletersAndWaiters() throws Exception {
        final int iterations = 10_000;
        final int completers = 8;
        final int adders = 4;
        final int waitersPerAdder = 4;
        final int parties = completers + adders;

        AtomicReferenceArray<Task<Object>> tasks = new AtomicReferenceArray<>(iterations);
        for (int i = 0; i < iterations; i++) tasks.set(i, new Task<>());
        RuntimeException[] errors = new RuntimeException[completers];
        for (int k = 0; k < completers; k++) errors[k] = new RuntimeException("completer " + k);

        AtomicIntegerArray wins = new AtomicIntegerArray(iterations);
        AtomicIntegerArray winner = new AtomicIntegerArray(iterations);
        int slots = iterations * adders * waitersPerAdder;
        AtomicIntegerArray runs = new AtomicIntegerArray(slots);
        AtomicIntegerArray accepted = new AtomicIntegerArray(slots); // 1 accepted, 2 refused
        AtomicReferenceArray<Object> seenOutcome = new AtomicReferenceArray<>(slots);
        AtomicInteger refusedButNotDone = new AtomicInteger();
        AtomicReference<Throwable> crash = new AtomicReference<>();

        CyclicBarrier barrier = new CyclicBarrier(parties);
        List<Thread> threads = new ArrayList<>();
        for (int p = 0; p < parties; p++) {
            final int id = p;
            Thread t = new Thread(() -> {
                try {
                    for (int i = 0; i < iterations; i++) {
                        barrier.await(10, TimeUnit.SECONDS);
                        Task<Object> task = tasks.get(i);
                        if (id < completers) {
                            boolean won = (id % 2 == 0) ? task.succeed(id) : task.fail(errors[id]);
                            if (won) {
                                wins.incrementAndGet(i);
                                winner.set(i, id);
                            }
                        } else {
                            int base = (i * adders + (id - completers)) * waitersPerAdder;
                            for (int w = 0; w < waitersPerAdder; w++) {
                                int slot = base + w;
                                boolean ok = task.addWaiter(source -> {
                                    runs.incrementAndGet(slot);
                                    seenOutcome.set(slot, outcomeOf(source));
                                });
                                accepted.set(slot, ok ? 1 : 2);
                                if (!ok && !task.isDone()) refusedButNotDone.incrementAndGet();
                            }
                        }
                    }
                } catch (Throwable t1) {
                    crash.compareAndSet(null, t1);
                    barrier.reset();
                }
            }, "racer-" + p);
            threads.add(t);
            t.start();
        }
        for (Thread t : threads) t.join();
        if (crash.get() != null) throw new AssertionError("racer crashed", crash.get());

        assertEquals(0, refusedButNotDone.get(), "a refused waiter's registrar saw an unfinished task");
        int acceptedCount = 0;
        for (int i = 0; i < iterations; i++) {
            assertEquals(1, wins.get(i), "winners in iteration " + i);
            Task<Object> task = tasks.get(i);
            assertTrue(task.isDone());
            int w = winner.get(i);
            Object expected = (w % 2 == 0) ? (Object) w : errors[w];
            assertSame(expected, outcomeOf(task), "outcome of iteration " + i);
            for (int a = 0; a < adders * waitersPerAdder; a++) {
                int slot = i * adders * waitersPerAdder + a;
                int state = accepted.get(slot);
                if (state == 1) {
                    acceptedCount++;
                    assertEquals(1, runs.get(slot), "accepted waiter " + slot + " runs");
                    assertSame(expected, seenOutcome.get(slot), "outcome seen by waiter " + slot);
                } else if (state == 2) {
                    assertEquals(0, runs.get(slot), "refused waiter " + slot + " runs");
                } else {
                    fail("waiter " + slot + " never registered");
                }
            }
        }
        assertTrue(acceptedCount > 0, "no waiter was ever accepted: the race did not happen");
        assertTrue(acceptedCount < slots, "no waiter was ever refused: the race did not happen");
    }

    /** The value, or the exception, of a done task. */
    static Object outcomeOf(Task<?> task) {
        try {
            return task.join();
        } catch (Throwable t) {
            return t;
        }
    }

    @Test
    void aCancelledCoroutineUnregistersFromTheForeignTaskItAbandons() throws Exception {
        Task<Object> foreign = new Task<>();
        TestCoroutines.AwaitThen<Object, Object> c = new TestCoroutines.AwaitThen<>(foreign, v -> v);
        c.start();
        var waiters = Task.class.getDeclaredField("waiters");
        waiters.setAccessible(true);
        assertSame(c, waiters.get(foreign), "suspended: the coroutine is the foreign task's one waiter");
        assertTrue(c.cancel());
        assertTrue(c.isCancelled());
        assertNull(waiters.get(foreign), "abandoned: the foreign task no longer holds the cancelled coroutine");
        assertTrue(foreign.succeed("late"));
    }

    /**
     * A removal races the completion for one waiter among several: exactly one of them takes it. Either the removal
     * reports that it took the waiter and the waiter never runs, or the waiter runs once and the removal reports
     * that it did not: never both (a double wake-up), never neither (a lost one).
     */
    @Test
    void aRemovalAndTheCompletionNeverBothTakeTheSameWaiter() throws Exception {
        int rounds = 4_000;
        CyclicBarrier start = new CyclicBarrier(2);
        int[] taken = new int[2];
        for (int r = 0; r < rounds; r++) {
            Task<String> task = new Task<>();
            AtomicInteger runs = new AtomicInteger();
            Waiter contested = source -> runs.incrementAndGet();
            int below = r % 3; // alone, or inside a chain, at the top or further down
            for (int i = 0; i < below; i++) task.addWaiter(source -> {});
            task.addWaiter(contested);
            if (r % 2 == 0) task.addWaiter(source -> {});
            boolean[] removed = new boolean[1];
            Thread remover = new Thread(() -> {
                await(start);
                removed[0] = task.removeWaiter(contested);
            });
            remover.start();
            await(start);
            task.succeed("v");
            remover.join();
            assertEquals(removed[0] ? 0 : 1, runs.get(),
                    "round " + r + ": removal " + (removed[0] ? "took" : "missed") + " the waiter, which ran "
                            + runs.get() + " times");
            taken[removed[0] ? 0 : 1]++;
        }
        System.out.println("[coda-race] removal against completion: " + taken[0] + " removed, " + taken[1] + " run");
    }

    private static void await(CyclicBarrier barrier) {
        try {
            barrier.await();
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }
}
