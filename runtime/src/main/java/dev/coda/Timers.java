package dev.coda;

import java.time.Duration;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

/**
 * The runtime's timer: one daemon thread that only schedules. What a timer does when it fires (complete a sleep,
 * cancel a body that ran out of time, and so resume coroutines) runs on {@link ForkJoinPool#commonPool()}, so user
 * code never holds the timer thread. A cancelled timer is removed from the queue at once, so a loop of timeouts that
 * finish early leaves nothing behind.
 */
final class Timers {
    private Timers() {}

    private static final ScheduledThreadPoolExecutor SCHEDULER = scheduler();

    private static ScheduledThreadPoolExecutor scheduler() {
        ScheduledThreadPoolExecutor s = new ScheduledThreadPoolExecutor(1, r -> {
            Thread t = new Thread(r, "coda-timer");
            t.setDaemon(true);
            return t;
        });
        s.setRemoveOnCancelPolicy(true);
        return s;
    }

    /** Runs {@code action} off the timer thread (see {@link #runAsync}) after {@code nanos}. */
    static ScheduledFuture<?> schedule(Runnable action, long nanos) {
        return SCHEDULER.schedule(() -> runAsync(action), nanos, TimeUnit.NANOSECONDS);
    }

    /**
     * Runs {@code action} on the common pool; or, when the pool has no parallelism to offer (it may then never run a
     * submitted task by itself), on a cached pool of daemon threads of the runtime's own, where
     * {@code CompletableFuture} would start a thread per task.
     */
    static void runAsync(Runnable action) {
        if (ForkJoinPool.getCommonPoolParallelism() > 1) ForkJoinPool.commonPool().execute(action);
        else Fallback.POOL.execute(action);
    }

    /** Created on first use only. */
    private static final class Fallback {
        static final ExecutorService POOL = Executors.newCachedThreadPool(r -> {
            Thread t = new Thread(r, "coda-async");
            t.setDaemon(true);
            return t;
        });
    }

    /** {@code d} in nanoseconds, saturated; null is an error. */
    static long nanos(Duration d) {
        if (d == null) throw new NullPointerException("duration");
        try {
            return d.toNanos();
        } catch (ArithmeticException tooLong) {
            return d.isNegative() ? Long.MIN_VALUE : Long.MAX_VALUE;
        }
    }
}
