package dev.coda.tests.cancel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.coda.Task;
import java.util.Arrays;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A body suspends on a pending task on one thread while another thread cancels it, and its finally block awaits the
 * same task again: the cancellation may resume the first suspension only, never the second (which would resume the
 * body at an await whose task is still pending). Rounds: {@code -Dcoda.race.rounds}, 1,000,000 by default.
 */
@Timeout(value = 600, unit = TimeUnit.SECONDS)
class ResumptionClaimRaceTest {
    private static final int ROUNDS = Integer.getInteger("coda.race.rounds", 1_000_000);

    private volatile int round;
    private volatile int finished;
    private volatile CompletableFuture<String> go;
    private volatile Task<String> task;
    private volatile Throwable thrown;

    @Test
    void aCancellationResumesOnlyTheSuspensionItSaw() {
        Thread resumer = worker("resumer", () -> go.complete("go"));
        Thread canceller = worker("canceller", () -> task.cancel());
        try {
            for (int i = 1; i <= ROUNDS; i++) {
                CompletableFuture<String> source = new CompletableFuture<>();
                Task<String> f = Task.from(source);
                String[] seen = new String[1];
                go = new CompletableFuture<>();
                task = Racing.awaitAgainInFinally(go, f, seen);
                finished = 0;
                round = i;
                while (finished < 2) {
                    if (thrown != null) throw new AssertionError("round " + i + ": a worker threw", thrown);
                    Thread.yield(); // three threads on what may be two cores: spinning would starve a worker
                }
                source.complete("f");
                Task<String> t = task;
                assertTrue(t.isCancelled(), "round " + i + ": " + t);
                CancellationException outcome = assertThrows(CancellationException.class, t::join);
                assertEquals("[]", Arrays.toString(outcome.getSuppressed()),
                        "round " + i + ": nothing may go wrong during the cleanup");
                assertEquals("f", seen[0], "round " + i + ": the finally's await returned what f produced");
            }
        } finally {
            round = -1;
            resumer.interrupt();
            canceller.interrupt();
        }
        System.out.println("[coda-race] " + ROUNDS + " rounds of cancel() against a suspension re-awaited in finally");
    }

    private Thread worker(String name, Runnable action) {
        Thread t = new Thread(() -> {
            int seen = 0;
            while (true) {
                int r;
                while ((r = round) == seen) Thread.yield();
                if (r < 0) return;
                seen = r;
                try {
                    action.run();
                } catch (Throwable e) {
                    thrown = e;
                    return;
                }
                synchronized (this) {
                    finished++;
                }
            }
        }, name);
        t.setDaemon(true);
        t.start();
        return t;
    }
}
