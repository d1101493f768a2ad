package dev.coda.tests.memory;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.coda.tests.support.FreshJvm;
import java.io.IOException;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Abandoned waits leave nothing behind: a waiter that is cancelled, or a view that loses a race, stays registered on
 * nothing. Each case runs {@link LeakProbe} in a fresh JVM, with this JVM's class path and agent, and compares the
 * heap after a full collection.
 */
@Timeout(value = 300, unit = TimeUnit.SECONDS)
class NothingLeftBehindTest {
    @Test
    void cancelledWaitersOfASharedPendingTaskAreReleased() throws Exception {
        int n = 50_000;
        Map<String, Long> heap = probe("waiters", n);
        long held = heap.get("suspended") - heap.get("before");
        long left = heap.get("after") - heap.get("before");
        System.out.printf("[coda-memory] %,d suspended waiters: %,d B (%d B each); after cancelling them: %,d B%n",
                n, held, held / n, left);
        assertTrue(held > n * 40L, "the probe measures what it should: " + held + " B for " + n + " waiters");
        assertTrue(left < 256 * 1024, "cancelled waiters are released: " + left + " B left");
    }

    @Test
    void aStageRacedAndAbandonedInALoopDoesNotGrow() throws Exception {
        int rounds = 200_000;
        Map<String, Long> heap = probe("any", rounds);
        long growth = heap.get("late") - heap.get("early");
        double perRound = growth / (rounds * 0.9);
        System.out.printf("[coda-memory] %,d rounds of any(work, from(shutdown)): %,d B growth over the last %,d "
                + "(%.2f B per round)%n", rounds, growth, rounds * 9 / 10, perRound);
        assertTrue(growth < 256 * 1024, "a view that lost leaves nothing on the stage: " + growth + " B");
    }

    /** Runs {@code LeakProbe} with the case and count in a fresh JVM; its {@code name=value} lines. */
    private static Map<String, Long> probe(String which, int count) throws IOException, InterruptedException {
        return FreshJvm.run(List.of("-Xmx512m"), LeakProbe.class, which, Integer.toString(count));
    }
}
