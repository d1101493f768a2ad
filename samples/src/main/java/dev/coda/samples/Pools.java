package dev.coda.samples;

import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/** Named thread pools for the samples, so that their output says which thread did what, and a bounded shutdown. */
final class Pools {
    private Pools() {}

    /** A fixed pool of non-daemon threads named {@code prefix-1}, {@code prefix-2}...; the caller shuts it down. */
    static ExecutorService fixedPool(String prefix, int threads) {
        AtomicInteger count = new AtomicInteger();
        ThreadFactory factory = runnable -> new Thread(runnable, prefix + "-" + count.incrementAndGet());
        return Executors.newFixedThreadPool(threads, factory);
    }

    /**
     * A pool of non-daemon threads named {@code prefix-1}, {@code prefix-2}..., started as tasks come in while every
     * thread is busy, ended after a minute idle; the caller shuts it down.
     */
    static ExecutorService cachedPool(String prefix) {
        AtomicInteger count = new AtomicInteger();
        ThreadFactory factory = runnable -> new Thread(runnable, prefix + "-" + count.incrementAndGet());
        return Executors.newCachedThreadPool(factory);
    }

    /** Stops {@code executor} and waits, at most five seconds, for its threads to end. */
    static void shutdown(ExecutorService executor) {
        executor.shutdownNow();
        try {
            if (!executor.awaitTermination(5, TimeUnit.SECONDS)) {
                throw new IllegalStateException("executor did not terminate within 5 s: " + executor);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
