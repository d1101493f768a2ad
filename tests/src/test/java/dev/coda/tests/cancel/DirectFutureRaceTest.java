package dev.coda.tests.cancel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
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
 * A body awaits a {@code CompletableFuture} directly, which registers it on the future itself: the future's
 * completion is then the only way to resume it, and a cancellation is met by cancelling the future. Here
 * {@code cancel()} on one thread races the body's resumption from {@code go} on another, and with it the body's
 * suspension on {@code f}: whichever side sees the other must cancel the future it is suspended on, or the body would
 * wait for {@code f} for ever. Rounds: {@code -Dcoda.race.rounds}, 1,000,000 by default.
 */
@Timeout(value = 600, unit = TimeUnit.SECONDS)
class DirectFutureRaceTest {
    private static final int ROUNDS = Integer.getInteger("coda.race.rounds", 1_000_000);

    private volatile int round;
    private volatile int finished;
    private volatile CompletableFuture<String> go;
    private volatile Task<String> task;
    private volatile Throwable thrown;

    @Test
    void aCancellationRacingASuspensionOnAFutureCancelsTheFutureItSuspendedOn() {
        Thread resumer = worker("resumer", () -> go.complete("go"));
        Thread canceller = worker("canceller", () -> task.cancel());
        try {
            for (int i = 1; i <= ROUNDS; i++) {
                CompletableFuture<String> f = new CompletableFuture<>();
                String[] seen = new String[1];
                int[] finallies = new int[1];
                go = new CompletableFuture<>();
                task = Racing.awaitFutureAfterGo(go, f, seen, finallies);
                finished = 0;
                round = i;
                while (finished < 2) {
                    if (thrown != null) throw new AssertionError("round " + i + ": a worker threw", thrown);
                    Thread.yield(); // three threads on what may be two cores: spinning would starve a worker
                }
                Task<String> t = task;
                // Nothing completes f but the cancellation: the body has ended by now, whatever the interleaving.
                assertTrue(t.isCancelled(), "round " + i + ": " + t + ", f " + f + ", go " + go);
                f.complete("late");
                CancellationException outcome = assertThrows(CancellationException.class, t::join);
                assertEquals("[]", Arrays.toString(outcome.getSuppressed()), "round " + i);
                assertNull(seen[0], "round " + i + ": the body took no value of f");
                assertEquals(1, finallies[0], "round " + i + ": the finally block ran once");
                assertEquals(0, f.getNumberOfDependents(), "round " + i + ": nothing is left registered on f");
            }
        } finally {
            round = -1;
            resumer.interrupt();
            canceller.interrupt();
        }
        System.out.println("[coda-race] " + ROUNDS + " rounds of cancel() against a suspension on a future");
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
