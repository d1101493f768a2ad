package dev.coda;

import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

/** Two actions started at once from a common barrier: the races the edge-case tests provoke. */
final class Races {
    private Races() {}

    /** Runs {@code a} and {@code b} on {@code pool} from a common barrier; rethrows what either threw. */
    static void race(ExecutorService pool, Runnable a, Runnable b) throws Exception {
        CyclicBarrier barrier = new CyclicBarrier(2);
        Future<?> fa = pool.submit(() -> {
            await(barrier);
            a.run();
        });
        Future<?> fb = pool.submit(() -> {
            await(barrier);
            b.run();
        });
        fa.get(10, TimeUnit.SECONDS);
        fb.get(10, TimeUnit.SECONDS);
    }

    private static void await(CyclicBarrier barrier) {
        try {
            barrier.await(10, TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }
}
