package dev.coda;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.coda.TestCoroutines.AwaitThen;
import java.util.concurrent.CancellationException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A coroutine suspends on one thread while the task it awaits completes on another (and, in the second test, while a
 * third thread cancels it): the completion may come before the registration, between the registration and the
 * suspension's publication, or after it. Every round ends exactly one way, with the body run to its end once.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class SuspensionRaceTest {
    private static final int ROUNDS = 200_000;
    /** A round needs three or four threads scheduled at once: on a loaded 2-core machine, stop at this instead. */
    private static final long MAX_NANOS = 20_000_000_000L;

    private volatile int round;
    private volatile int finished;
    private volatile Task<String> awaited;
    private volatile AwaitThen<String, String> body;
    private volatile Throwable thrown;

    @Test
    void aCompletionRacingTheSuspensionResumesTheBodyExactlyOnce() throws Exception {
        int[] inline = new int[1];
        int rounds = race(false, (t, b) -> {
            assertEquals("v!", t.join(), "the body ran to its end once, with the value");
            if (b.suspensions == 1 && b.resumedOn == null) inline[0]++;
        });
        // How often the completion fell inside the suspension (a window of a few instructions) varies from run to
        // run, from none to a few dozen: reported, not required.
        System.out.println("[coda-race] " + rounds + " suspensions raced by a completion: " + inline[0]
                + " went on inline after the registration");
    }

    @Test
    void aCompletionAndACancellationRacingTheSuspensionEndOneWay() throws Exception {
        int[] outcomes = new int[2];
        int rounds = race(true, (t, b) -> {
            assertTrue(t.isDone());
            if (t.isCancelled()) {
                outcomes[1]++;
                try {
                    t.join();
                } catch (CancellationException expected) {
                    assertEquals(0, expected.getSuppressed().length, "nothing went wrong during the cleanup");
                }
            } else {
                outcomes[0]++;
                assertEquals("v!", t.join());
            }
        });
        System.out.println("[coda-race] " + rounds + " suspensions raced by a completion and a cancel(): "
                + outcomes[0] + " completed, " + outcomes[1] + " cancelled");
    }

    interface Check {
        void check(Task<String> outcome, AwaitThen<String, String> body) throws Exception;
    }

    /** Runs rounds until {@link #ROUNDS} or {@link #MAX_NANOS}; returns how many ran. */
    private int race(boolean cancel, Check check) throws Exception {
        round = 0;
        finished = 0;
        int rounds = 0;
        Thread starter = worker("starter", () -> body.start());
        Thread completer = worker("completer", () -> awaited.succeed("v"));
        Thread canceller = cancel ? worker("canceller", () -> body.cancel()) : null;
        int workers = cancel ? 3 : 2;
        long deadline = System.nanoTime() + MAX_NANOS;
        try {
            for (int i = 1; i <= ROUNDS && System.nanoTime() < deadline; i++) {
                awaited = new Task<>();
                body = new AwaitThen<>(awaited, v -> v + "!");
                finished = 0;
                round = i;
                while (finished < workers) {
                    if (thrown != null) throw new AssertionError("round " + i + ": a worker threw", thrown);
                    Thread.yield();
                }
                check.check(body, body);
                rounds = i;
            }
        } finally {
            round = -1;
        }
        starter.join();
        completer.join();
        if (canceller != null) canceller.join();
        return rounds;
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
