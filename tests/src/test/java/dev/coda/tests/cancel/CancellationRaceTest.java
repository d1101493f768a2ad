package dev.coda.tests.cancel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.coda.Task;
import dev.coda.tests.cancel.Racing.Counted;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Cancellation against completion, from two threads released together, 100,000 times: every resource is closed
 * exactly once, and the outcome is either the value or cancelled, never both and never neither.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class CancellationRaceTest {
    private static final int ITERATIONS = 100_000;

    private volatile CompletableFuture<String> future;
    private volatile Task<String> task;

    @Test
    void cancellationRacingCompletionClosesEveryResourceOnceAndEndsOneWay() throws Exception {
        CyclicBarrier start = new CyclicBarrier(3);
        CyclicBarrier end = new CyclicBarrier(3);
        Thread completer = worker("completer", start, end, () -> future.complete("v"));
        Thread canceller = worker("canceller", start, end, () -> task.cancel());
        int completed = 0;
        int cancelled = 0;
        try {
            for (int i = 0; i < ITERATIONS; i++) {
                Counted first = new Counted();
                Counted second = new Counted();
                future = new CompletableFuture<>();
                task = Racing.holdTwo(first, second, future);
                start.await();
                end.await();
                Task<String> t = task;
                assertTrue(t.isDone(), "iteration " + i + ": not done");
                if (t.isCancelled()) {
                    cancelled++;
                    assertThrows(CancellationException.class, t::join);
                } else {
                    completed++;
                    assertEquals("vtrue", t.join());
                }
                assertEquals(1, first.closes(), "iteration " + i + ": try-with-resources resource closes");
                assertEquals(1, second.closes(), "iteration " + i + ": @Owned local closes");
            }
        } finally {
            completer.interrupt();
            canceller.interrupt();
        }
        assertEquals(ITERATIONS, completed + cancelled);
        System.out.println("[coda-race] " + ITERATIONS + " races: " + completed + " completed, " + cancelled + " cancelled");
    }

    private static Thread worker(String name, CyclicBarrier start, CyclicBarrier end, Runnable action) {
        Thread t = new Thread(() -> {
            try {
                while (true) {
                    start.await();
                    action.run();
                    end.await();
                }
            } catch (Exception stopped) {
                // interrupted or the barrier broke: the test is over
            }
        }, name);
        t.setDaemon(true);
        t.start();
        return t;
    }
}
