package dev.coda;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.reflect.Field;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
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
        t.onCancel(() -> {});
        assertTrue(t.complete("v"));
        Field hook = CompletableTask.class.getDeclaredField("hook");
        hook.setAccessible(true);
        assertNull(hook.get(t), "the hook, and what it holds, is released");
        assertFalse(t.cancel());
    }
}
