package dev.coda;

import static org.junit.jupiter.api.Assertions.*;

import dev.coda.TestCoroutines.SlowCancel;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ForkJoinWorkerThread;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Task.all, Task.any, Coda.sleep, Coda.yieldNow and Coda.timeout: losers and the rest of a failed all are cancelled
 * and waited for, cleanup included, before the combined task completes.
 */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class CombinatorsTest {
    private final List<String> log = new ArrayList<>();

    /** A resource value a task may produce. */
    final class Res implements AsyncCloseable {
        final String name;
        Task<Void> closing = Task.done();

        Res(String name) {
            this.name = name;
        }

        @Override
        public Task<Void> closeAsync() {
            TestCoroutines.log(log, "close " + name);
            return closing;
        }
    }

    @Test
    void allDeliversTheValuesInOrder() {
        Task<Object> a = new Task<>();
        Task<Object> b = new Task<>();
        Task<List<Object>> all = Task.all(List.of(a, b, Task.completed("c")));
        b.succeed("b");
        assertFalse(all.isDone());
        a.succeed(null);
        assertEquals(java.util.Arrays.asList(null, "b", "c"), all.join());
        assertEquals(List.of(), Task.all(List.of()).join());
    }

    @Test
    void allFailsWithTheFirstFailureAfterTheOthersCleanupNewestFirst() {
        SlowCancel first = new SlowCancel("first", log);
        SlowCancel second = new SlowCancel("second", log);
        Task<Object> failing = new Task<>();
        Task<Object> producer = new Task<>();
        Task<List<Object>> all = Task.all(List.of(first, producer, second, failing));
        Res produced = new Res("produced");
        producer.succeed(produced);
        IllegalStateException boom = new IllegalStateException("boom");
        failing.fail(boom);
        assertEquals(List.of("cancel second", "cancel first"), log);
        assertFalse(all.isDone(), "the losers' cleanup comes first");
        IllegalStateException cleanup = new IllegalStateException("cleanup failed");
        second.cleanedUp(cleanup);
        first.cleanedUp();
        assertEquals(List.of("cancel second", "cancel first", "close produced"), log, "a value nobody gets is closed");
        assertSame(boom, assertThrows(IllegalStateException.class, all::join));
        Throwable[] suppressed = boom.getSuppressed();
        assertEquals(1, suppressed.length, "a bare cancellation adds nothing; one with cleanup failures is kept");
        assertSame(cleanup, suppressed[0].getSuppressed()[0]);
    }

    @Test
    void anyDeliversTheFirstSuccessAfterTheLosersCleanupAndClosesALateValue() {
        SlowCancel slow = new SlowCancel("slow", log);
        Task<Object> late = new Task<>();
        Task<Object> winner = new Task<>();
        Task<Object> any = Task.any(List.of(slow, late, winner));
        winner.succeed("won");
        assertEquals(List.of("cancel slow"), log, "late is a plain task: cancelled at once, not logged");
        assertTrue(late.isCancelled());
        assertFalse(any.isDone());
        slow.cleanedUp();
        assertEquals("won", any.join());

        log.clear();
        Task<Object> failsFirst = new Task<>();
        Task<Object> succeeds = new Task<>();
        Task<Object> oneOfTwo = Task.any(List.of(failsFirst, succeeds));
        failsFirst.fail(new IllegalStateException("a failure does not decide"));
        Res first = new Res("first");
        succeeds.succeed(first);
        assertSame(first, oneOfTwo.join(), "the winner's value is delivered, not closed");

        Res second = new Res("second");
        Task<Void> closing = new Task<>();
        second.closing = closing;
        Task<Object> winning = new Task<>();
        SlowCancel loser = new SlowCancel("loser", log);
        Task<Object> raced = Task.any(List.of(winning, loser));
        winning.succeed("w");
        loser.succeed(second); // a second success, produced while the loser's cancellation was under way
        assertEquals(List.of("cancel loser", "close second"), log, "nobody gets it: it is closed");
        assertFalse(raced.isDone(), "and its close is waited for");
        closing.succeed(null);
        assertEquals("w", raced.join());
    }

    @Test
    void anyOfFailuresFailsWithTheFirstInListOrderAndOfNothingIsAnError() {
        IllegalStateException one = new IllegalStateException("one");
        IllegalStateException two = new IllegalStateException("two");
        Task<Object> a = new Task<>();
        Task<Object> any = Task.any(List.of(a, Task.failed(two)));
        a.fail(one);
        assertSame(one, assertThrows(IllegalStateException.class, any::join));
        assertArrayEquals(new Throwable[] {two}, one.getSuppressed());
        assertThrows(IllegalArgumentException.class, () -> Task.any(List.of()));
    }

    @Test
    void cancellingACombinationCancelsEveryInputAndCompletesCancelledAfterThem() {
        SlowCancel a = new SlowCancel("a", log);
        SlowCancel b = new SlowCancel("b", log);
        Task<List<Object>> all = Task.all(List.of(a, b));
        assertTrue(all.cancel());
        assertEquals(List.of("cancel b", "cancel a"), log);
        assertFalse(all.isDone());
        IllegalStateException cleanup = new IllegalStateException("cleanup");
        b.cleanedUp(cleanup);
        a.cleanedUp();
        CancellationException outcome = assertThrows(CancellationException.class, all::join);
        assertTrue(all.isCancelled());
        assertSame(cleanup, outcome.getSuppressed()[0].getSuppressed()[0]);
        assertTrue(all.cancel(), "already cancelled: still true, and nothing more happens");
    }

    @Test
    void sleepCompletesOnThePoolAfterItsDelayAndCancellingRemovesItsTimer() throws Exception {
        long start = System.nanoTime();
        Task<Void> s = Coda.sleep(Duration.ofMillis(50));
        java.util.concurrent.CompletableFuture<Thread> completedOn = new java.util.concurrent.CompletableFuture<>();
        boolean registered = s.addWaiter(source -> completedOn.complete(Thread.currentThread()));
        s.toCompletableFuture().get(10, TimeUnit.SECONDS);
        assertTrue(System.nanoTime() - start >= TimeUnit.MILLISECONDS.toNanos(50));
        if (registered) {
            assertOffTheCallerAndTheTimer(completedOn.get(10, TimeUnit.SECONDS));
        }
        assertTrue(Coda.sleep(Duration.ZERO).isDone());
        assertTrue(Coda.sleep(Duration.ofSeconds(-1)).isDone());
        assertThrows(NullPointerException.class, () -> Coda.sleep(null));

        Task<Void> forever = Coda.sleep(Duration.ofDays(365));
        int queued = timersQueued();
        assertTrue(forever.cancel());
        assertTrue(forever.isCancelled());
        assertEquals(queued - 1, timersQueued(), "the timer is gone");
    }

    /** The common pool, or with no parallelism there (as on 2 cores), a thread of its own; never the timer's. */
    private static void assertOffTheCallerAndTheTimer(Thread t) {
        assertNotSame(Thread.currentThread(), t);
        assertNotEquals("coda-timer", t.getName());
        if (java.util.concurrent.ForkJoinPool.getCommonPoolParallelism() > 1) {
            assertTrue(t instanceof ForkJoinWorkerThread, "" + t);
        } else {
            assertEquals("coda-async", t.getName());
        }
    }

    private static int timersQueued() throws Exception {
        var f = Timers.class.getDeclaredField("SCHEDULER");
        f.setAccessible(true);
        return ((java.util.concurrent.ScheduledThreadPoolExecutor) f.get(null)).getQueue().size();
    }

    @Test
    void yieldNowContinuesOnThePool() throws Exception {
        int registered = 0;
        for (int i = 0; i < 1000 && registered < 10; i++) {
            Task<Void> y = Coda.yieldNow();
            java.util.concurrent.CompletableFuture<Thread> on = new java.util.concurrent.CompletableFuture<>();
            // Only a waiter registered before the pool got to it shows where the completion ran.
            if (y.addWaiter(source -> on.complete(Thread.currentThread()))) {
                registered++;
                assertOffTheCallerAndTheTimer(on.get(10, TimeUnit.SECONDS));
            }
        }
        assertTrue(registered > 0, "the pool never lagged behind a registration");
    }

    @Test
    void timeoutDeliversABodyThatFinishesInTimeAndRemovesItsTimer() throws Exception {
        int queued = timersQueued();
        Task<Object> body = new Task<>();
        Task<Object> t = Coda.timeout(Duration.ofDays(1), () -> body);
        body.succeed("in time");
        assertEquals("in time", t.join());
        assertEquals(queued, timersQueued());
        IllegalStateException own = new IllegalStateException("own");
        assertSame(own, assertThrows(IllegalStateException.class, Coda.timeout(Duration.ofDays(1), () -> Task.failed(own))::join));
    }

    @Test
    void aBodyThatRunsOutOfTimeIsCancelledAndTheTimeoutComesAfterItsCleanup() throws Exception {
        SlowCancel body = new SlowCancel("body", log);
        Task<Object> t = Coda.timeout(Duration.ofMillis(20), () -> body);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (!logContains("cancel body") && System.nanoTime() < deadline) Thread.sleep(1);
        assertFalse(t.isDone(), "waits for the body's cleanup");
        IllegalStateException cleanup = new IllegalStateException("cleanup failed");
        body.cleanedUp(cleanup);
        CompletionException wrapped = assertThrows(CompletionException.class, t::join);
        TimeoutException timeout = (TimeoutException) wrapped.getCause();
        assertEquals("timed out after PT0.02S", timeout.getMessage());
        assertSame(cleanup, timeout.getSuppressed()[0].getSuppressed()[0]);
    }

    @Test
    void aBodyCancelledCleanlyAddsNothingToTheTimeout() throws Exception {
        SlowCancel body = new SlowCancel("body", log);
        Task<Object> t = Coda.timeout(Duration.ofMillis(20), () -> body);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (!logContains("cancel body") && System.nanoTime() < deadline) Thread.sleep(1);
        body.cleanedUp();
        CompletionException wrapped = assertThrows(CompletionException.class, t::join);
        TimeoutException timeout = (TimeoutException) wrapped.getCause();
        assertArrayEquals(new Throwable[0], timeout.getSuppressed());
    }

    @Test
    void cancellingATimeoutCancelsTheBodyAndABadDurationNeverStartsIt() {
        SlowCancel body = new SlowCancel("body", log);
        Task<Object> t = Coda.timeout(Duration.ofDays(1), () -> body);
        assertTrue(t.cancel());
        assertEquals(List.of("cancel body"), log);
        body.cleanedUp();
        assertTrue(t.isCancelled());
        boolean[] started = new boolean[1];
        assertThrows(NullPointerException.class, () -> Coda.timeout(null, () -> {
            started[0] = true;
            return Task.completed(1);
        }));
        assertFalse(started[0]);
    }

    private boolean logContains(String event) {
        synchronized (log) {
            return log.contains(event);
        }
    }

    @Test
    void aSuccessThatWouldLoseACleanupOrCloseFailureBecomesThatFailureAndClosesItsValue() {
        // A loser's cancellation carries a cleanup failure: any fails with it, and the winner's value is closed.
        SlowCancel loser = new SlowCancel("loser", log);
        Task<Object> winner = new Task<>();
        Task<Object> any = Task.any(List.of(winner, loser));
        Res won = new Res("won");
        winner.succeed(won);
        IllegalStateException cleanup = new IllegalStateException("cleanup failed");
        loser.cleanedUp(cleanup);
        assertSame(cleanup, assertThrows(IllegalStateException.class, any::join), "the cleanup failure itself");
        assertFalse(any.isCancelled());
        assertEquals(List.of("cancel loser", "close won"), log);

        // A late value whose close fails: the same, with the close failure.
        log.clear();
        Task<Object> first = new Task<>();
        SlowCancel second = new SlowCancel("second", log);
        Task<Object> raced = Task.any(List.of(first, second));
        Res kept = new Res("kept");
        first.succeed(kept);
        Res late = new Res("late");
        IllegalStateException closeFailed = new IllegalStateException("close late failed");
        late.closing = Task.failed(closeFailed);
        second.succeed(late);
        assertSame(closeFailed, assertThrows(IllegalStateException.class, raced::join));
        assertEquals(List.of("cancel second", "close late", "close kept"), log);
    }

    @Test
    void aCancelThatLosesToTheLastCompletionReturnsFalseAndChangesNothing() throws Exception {
        java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newSingleThreadExecutor();
        try {
            for (int i = 0; i < 20_000; i++) {
                Task<Object> input = new Task<>();
                Task<List<Object>> all = Task.all(List.of(input));
                java.util.concurrent.Future<?> completing = pool.submit(() -> input.succeed("v"));
                boolean cancelled = all.cancel();
                completing.get();
                all.toCompletableFuture().handle((v, e) -> null).get(10, TimeUnit.SECONDS);
                assertEquals(cancelled, all.isCancelled(), "iteration " + i + ": cancel() said " + cancelled);
            }
        } finally {
            pool.shutdownNow();
        }
    }
}
