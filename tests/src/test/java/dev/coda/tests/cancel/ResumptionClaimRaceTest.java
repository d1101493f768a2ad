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

    private volatile CompletableFuture<String> go;
    private volatile Task<String> task;

    @Test
    void aCancellationResumesOnlyTheSuspensionItSaw() {
        try (RaceWorkers workers = new RaceWorkers()
                .add("resumer", () -> go.complete("go"))
                .add("canceller", () -> task.cancel())) {
            for (int i = 1; i <= ROUNDS; i++) {
                CompletableFuture<String> source = new CompletableFuture<>();
                Task<String> f = Task.from(source);
                String[] seen = new String[1];
                go = new CompletableFuture<>();
                task = Racing.awaitAgainInFinally(go, f, seen);
                workers.run(i);
                source.complete("f");
                Task<String> t = task;
                assertTrue(t.isCancelled(), "round " + i + ": " + t);
                CancellationException outcome = assertThrows(CancellationException.class, t::join);
                assertEquals("[]", Arrays.toString(outcome.getSuppressed()),
                        "round " + i + ": nothing may go wrong during the cleanup");
                assertEquals("f", seen[0], "round " + i + ": the finally's await returned what f produced");
            }
        }
        System.out.println("[coda-race] " + ROUNDS + " rounds of cancel() against a suspension re-awaited in finally");
    }
}
