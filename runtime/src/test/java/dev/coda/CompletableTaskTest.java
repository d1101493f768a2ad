package dev.coda;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.reflect.Field;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The completable task's hook protocol, where the tests of async code cannot reach. */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class CompletableTaskTest {

    @Test
    void onlyOneHookRunsOnATaskCancelledBeforeAnyWasSet() {
        CompletableTask<String> t = new CompletableTask<>();
        assertTrue(t.cancel());
        List<String> ran = new ArrayList<>();
        t.onCancel(() -> ran.add("first"));
        assertThrows(IllegalStateException.class, () -> t.onCancel(() -> ran.add("second")));
        assertEquals(List.of("first"), ran);
    }

    @Test
    void cancelReportsTrueWhileAnotherThreadsCancellationRunsTheHook() throws Exception {
        CompletableTask<String> t = new CompletableTask<>();
        CountDownLatch hookRunning = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        t.onCancel(() -> {
            hookRunning.countDown();
            try {
                release.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        Thread other = new Thread(t::cancel);
        other.start();
        assertTrue(hookRunning.await(10, TimeUnit.SECONDS));
        assertFalse(t.isDone(), "the cancellation is published after its hook");
        assertTrue(t.cancel(), "a cancellation is under way");
        assertFalse(t.complete("late"));
        release.countDown();
        other.join();
        assertTrue(t.isCancelled());
    }

    @Test
    void aCompletedTaskLetsGoOfItsHook() throws Exception {
        CompletableTask<String> t = new CompletableTask<>();
        Runnable set = () -> {};
        t.onCancel(set);
        assertTrue(t.complete("v"));
        Field hook = CompletableTask.class.getDeclaredField("hook");
        hook.setAccessible(true);
        assertFalse(hook.get(t) instanceof Runnable, "the hook, and what it holds, is released");
        assertFalse(t.cancel());
    }

    /**
     * A completion and a cancellation racing, with a hook set or not (set before, or after by the cancelling side):
     * exactly one of them reports that it completed the task, the outcome is that one's, and the hook runs once if
     * the task ends cancelled and never otherwise.
     */
    @Test
    void aCompletionAndACancellationRacingAgreeOnTheOutcomeAndTheHook() throws Exception {
        int rounds = 3_000;
        CyclicBarrier start = new CyclicBarrier(2);
        int[] outcomes = new int[2];
        for (int r = 0; r < rounds; r++) {
            CompletableTask<String> t = new CompletableTask<>();
            AtomicInteger hookRuns = new AtomicInteger();
            int variant = r % 3;
            if (variant == 0) t.onCancel(hookRuns::incrementAndGet);
            boolean[] cancelled = new boolean[1];
            Thread canceller = new Thread(() -> {
                try {
                    start.await();
                } catch (Exception e) {
                    throw new AssertionError(e);
                }
                cancelled[0] = t.cancel();
                if (variant == 1) t.onCancel(hookRuns::incrementAndGet);
            });
            canceller.start();
            start.await();
            boolean completed = t.complete("v");
            canceller.join();
            assertTrue(t.isDone());
            assertEquals(!completed, t.isCancelled(), "round " + r);
            assertEquals(t.isCancelled(), cancelled[0], "round " + r);
            int expectedRuns = t.isCancelled() && variant != 2 ? 1 : 0;
            assertEquals(expectedRuns, hookRuns.get(), "round " + r + ", variant " + variant);
            outcomes[completed ? 0 : 1]++;
        }
        System.out.println("[coda-race] completion against cancellation: " + outcomes[0] + " completed, "
                + outcomes[1] + " cancelled");
    }
}
