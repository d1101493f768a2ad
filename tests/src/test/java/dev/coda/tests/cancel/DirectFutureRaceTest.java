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

    private volatile CompletableFuture<String> go;
    private volatile Task<String> task;

    @Test
    void aCancellationRacingASuspensionOnAFutureCancelsTheFutureItSuspendedOn() {
        try (RaceWorkers workers = new RaceWorkers()
                .add("resumer", () -> go.complete("go"))
                .add("canceller", () -> task.cancel())) {
            for (int i = 1; i <= ROUNDS; i++) {
                CompletableFuture<String> f = new CompletableFuture<>();
                String[] seen = new String[1];
                int[] finallies = new int[1];
                go = new CompletableFuture<>();
                task = Racing.awaitFutureAfterGo(go, f, seen, finallies);
                workers.run(i);
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
        }
        System.out.println("[coda-race] " + ROUNDS + " rounds of cancel() against a suspension on a future");
    }
}
