package dev.coda.tests.leaf;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.coda.CompletableTask;
import dev.coda.Task;
import dev.coda.tests.support.Res;
import dev.coda.tests.support.Events;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Cancellation reaches the operation awaited: stages awaited directly, completable tasks, returned futures. */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class LeafCancellationTest {
    @BeforeEach
    void reset() {
        Events.take();
    }

    // ---- the future an async function returns ---------------------------------------------------------------------

    @Test
    void cancellingTheReturnedFutureCancelsTheCallAndCompletesAfterItsCleanup() throws Exception {
        CompletableFuture<Void> closing = new CompletableFuture<>();
        CompletableFuture<String> in = new CompletableFuture<>();
        CompletableFuture<String> future = Leaves.holding(new Res("r", closing), in);
        assertFalse(future.isDone());

        assertTrue(future.cancel(true), "the request is under way");
        // Delivered at once: the finally ran, the resource's close started, and the awaited stage was cancelled.
        assertEquals(List.of("finally", "close r"), Events.take());
        assertTrue(in.isCancelled(), "the stage the call awaited is cancelled with it");
        assertFalse(future.isDone(), "the future completes once the cleanup has: the close is still running");

        closing.complete(null);
        assertTrue(future.isCancelled());
        assertThrows(CancellationException.class, future::join);
        assertEquals(List.of(), Events.take());
    }

    @Test
    void cancellingTheReturnedFutureOfADoneCallReportsFalse() {
        CompletableFuture<String> future = Leaves.holding(new Res("r", CompletableFuture.completedFuture(null)),
                CompletableFuture.completedFuture("v"));
        assertEquals("r:v", future.join());
        assertFalse(future.cancel(true));
        assertEquals("r:v", future.join());
    }

    @Test
    void completingTheReturnedFutureFromOutsideCancelsTheCall() {
        CompletableFuture<String> in = new CompletableFuture<>();
        CompletableFuture<String> future = Leaves.holding(new Res("r", CompletableFuture.completedFuture(null)), in);
        assertTrue(future.completeExceptionally(new TimeoutException("gave up")));
        assertEquals(List.of("finally", "close r"), Events.take());
        assertTrue(in.isCancelled());
        ExecutionException e = assertThrows(ExecutionException.class, future::get);
        assertEquals("gave up", e.getCause().getMessage());
    }

    @Test
    void orTimeoutOnTheReturnedFutureCancelsTheCall() throws Exception {
        CompletableFuture<String> in = new CompletableFuture<>();
        CompletableFuture<String> future = Leaves.holding(new Res("r", CompletableFuture.completedFuture(null)), in)
                .orTimeout(50, TimeUnit.MILLISECONDS);
        CompletionException e = assertThrows(CompletionException.class, future::join);
        assertTrue(e.getCause() instanceof TimeoutException, e.toString());
        // The future times out first; the cancellation it makes runs right after, on the timer's thread.
        assertThrows(CancellationException.class, () -> in.get(10, TimeUnit.SECONDS),
                "the timeout reached the stage the call awaited");
        assertEquals(List.of("finally", "close r"), eventsWhenThereAre(2));
    }

    /** The events logged so far, once there are {@code n} of them (logged by another thread). */
    private static List<String> eventsWhenThereAre(int n) throws InterruptedException {
        List<String> seen = new java.util.ArrayList<>();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (seen.size() < n && System.nanoTime() < deadline) {
            seen.addAll(Events.take());
            Thread.sleep(1);
        }
        return seen;
    }

    @Test
    void aReturnedStageBelongsToTheCallAndIsCancelledWithIt() {
        CompletableFuture<String> in = new CompletableFuture<>();
        CompletionStage<String> stage = Leaves.handsOn(in);
        assertEquals(List.of("hands on"), Events.take());
        assertTrue(stage.toCompletableFuture().cancel(false));
        assertTrue(in.isCancelled(), "cancelling the call reached the stage it returned");
        assertTrue(stage.toCompletableFuture().isCancelled());
    }

    @Test
    void toCompletableFutureOfATaskCancelsTheTask() {
        CompletableFuture<String> f = new CompletableFuture<>();
        Task<String> t = Leaves.awaitsStage(f);
        CompletableFuture<String> future = t.toCompletableFuture();
        assertTrue(future.cancel(false));
        assertTrue(t.isCancelled());
        assertTrue(future.isCancelled());
        assertTrue(f.isCancelled());
        assertEquals(List.of("finally"), Events.take());
    }

    // ---- stages awaited directly, and views -----------------------------------------------------------------------

    @Test
    void aStageAwaitedDirectlyIsCancelledBeforeTheBodyUnwinds() {
        CompletableFuture<String> f = new CompletableFuture<>();
        List<String> seen = new java.util.ArrayList<>();
        f.whenComplete((v, e) -> seen.add("stage " + (e == null ? v : e.getClass().getSimpleName())));
        Task<String> t = Leaves.awaitsStageSeeingIt(f);
        assertTrue(t.cancel());
        // The stage was cancelled before the body unwound: its finally sees it cancelled.
        assertEquals(List.of("stage CancellationException"), seen);
        assertEquals(List.of("finally, stage cancelled: true"), Events.take());
        assertTrue(t.isCancelled());
        assertTrue(f.isCancelled());
    }

    @Test
    void aViewNeverCancelsTheStage() {
        CompletableFuture<String> shared = new CompletableFuture<>();
        Task<String> t = Leaves.awaitsView(shared);
        assertTrue(t.cancel());
        assertEquals(List.of("finally"), Events.take());
        assertFalse(shared.isDone(), "a view leaves the stage to whoever shares it");
        Task<String> view = Task.from(shared);
        assertTrue(view.cancel());
        assertFalse(shared.isDone());
        assertTrue(shared.complete("still usable"));
    }

    @Test
    void anOwningAwaitCancelsTheStageToo() {
        CompletableFuture<Res> f = new CompletableFuture<>();
        Task<String> t = Leaves.awaitsStageOwned(f);
        assertTrue(t.cancel());
        assertTrue(f.isCancelled());
        assertTrue(t.isCancelled());
        assertEquals(List.of(), Events.take(), "nothing was produced, so nothing is closed");
    }

    @Test
    void doneFuturesAreTakenAsTheyAre() {
        IllegalStateException boom = new IllegalStateException("boom");
        Task<String> t = Leaves.awaitsDoneFutures(CompletableFuture.completedFuture("a"),
                CompletableFuture.failedFuture(boom));
        assertEquals("a then boom", t.join());
        CompletableFuture<String> cancelled = new CompletableFuture<>();
        cancelled.cancel(false);
        Task<String> u = Leaves.awaitsStage(cancelled);
        CancellationException e = assertThrows(CancellationException.class, u::join);
        assertFalse(u.isCancelled(), "awaiting a stage cancelled by others is a failure of the awaiting call");
        assertTrue(e.getMessage() == null || !e.getMessage().isEmpty());
    }

    @Test
    void aRequestMadeBeforeTheAwaitCancelsAPendingStageWithoutSuspending() {
        CompletableFuture<String> first = new CompletableFuture<>();
        CompletableFuture<String> second = new CompletableFuture<>();
        Task<String> t = Leaves.timed(first, Duration.ofMinutes(1));
        Task<List<String>> both = Leaves.bothOf(second, new CompletableFuture<>());
        assertTrue(t.cancel());
        assertTrue(both.cancel());
        assertTrue(first.isCancelled());
        assertTrue(second.isCancelled());
    }

    // ---- wherever the runtime cancels -----------------------------------------------------------------------------

    @Test
    void theLoserOfAnyCancelsTheStageItAwaits() {
        CompletableFuture<String> a = new CompletableFuture<>();
        CompletableFuture<String> b = new CompletableFuture<>();
        Task<String> t = Leaves.firstOf(a, b);
        a.complete("a");
        assertEquals("a", t.join());
        assertTrue(b.isCancelled(), "the loser's stage");
    }

    @Test
    void aFailureInAllCancelsTheOtherStage() {
        CompletableFuture<String> a = new CompletableFuture<>();
        CompletableFuture<String> b = new CompletableFuture<>();
        Task<List<String>> t = Leaves.bothOf(a, b);
        IllegalStateException boom = new IllegalStateException("boom");
        a.completeExceptionally(boom);
        assertSame(boom, assertThrows(IllegalStateException.class, t::join));
        assertTrue(b.isCancelled());
    }

    @Test
    void aScopesCancelledChildCancelsTheStageItAwaits() {
        CompletableFuture<String> f = new CompletableFuture<>();
        Task<String> t = Leaves.scopeFails(f);
        assertEquals("owner failed", assertThrows(IllegalStateException.class, t::join).getMessage());
        assertTrue(f.isCancelled());
    }

    @Test
    void aTimedOutBodyCancelsTheStageItAwaits() {
        CompletableFuture<String> f = new CompletableFuture<>();
        Task<String> t = Leaves.timed(f, Duration.ofMillis(50));
        CompletionException e = assertThrows(CompletionException.class, t::join);
        assertTrue(e.getCause() instanceof TimeoutException, e.toString());
        assertTrue(f.isCancelled());
    }

    // ---- the completable task ----------------------------------------------------------------------------------

    @Test
    void aCancelledAwaiterCancelsItsCompletableTaskAndTheHookRunsFirst() {
        AtomicReference<CompletableTask<Integer>> made = new AtomicReference<>();
        Task<Integer> t = Leaves.awaitsOwnCompletable(made);
        CompletableTask<Integer> op = made.get();
        assertTrue(t.cancel());
        assertEquals(List.of("hook", "finally"), Events.take());
        assertTrue(op.isCancelled());
        assertTrue(t.isCancelled());
        assertFalse(op.complete(1), "a cancelled task takes no value");
    }

    @Test
    void aCompletableTaskMadeElsewhereIsOnlyAbandonedByACancelledAwaiter() {
        CompletableTask<Integer> op = new CompletableTask<>();
        op.onCancel(() -> Events.log("hook"));
        Task<Integer> t = Leaves.awaitsCompletable(op);
        assertTrue(t.cancel());
        assertEquals(List.of("finally"), Events.take());
        assertFalse(op.isDone(), "not the call's child: whoever made it completes it");
        assertTrue(op.complete(3));
        assertTrue(t.isCancelled());
    }

    @Test
    void completingTwiceReportsFalseAndTheHookNeverRuns() {
        AtomicReference<CompletableTask<Integer>> made = new AtomicReference<>();
        Task<Integer> t = Leaves.awaitsOwnCompletable(made);
        CompletableTask<Integer> op = made.get();
        assertTrue(op.complete(7));
        assertFalse(op.complete(8));
        assertFalse(op.completeExceptionally(new IllegalStateException()));
        assertFalse(op.cancel());
        assertEquals(7, t.join());
        assertEquals(List.of("finally"), Events.take());
    }

    @Test
    void aHookSetOnACancelledTaskRunsAtOnceAndASecondHookIsRefused() {
        CompletableTask<String> op = new CompletableTask<>();
        assertTrue(op.cancel());
        List<String> ran = new java.util.ArrayList<>();
        op.onCancel(() -> ran.add("late hook"));
        assertEquals(List.of("late hook"), ran);

        CompletableTask<String> other = new CompletableTask<>();
        other.onCancel(() -> ran.add("first"));
        assertThrows(IllegalStateException.class, () -> other.onCancel(() -> ran.add("second")));
        other.cancel();
        assertEquals(List.of("late hook", "first"), ran);
    }

    @Test
    void aHookFailureIsSuppressedOntoTheCancellation() {
        CompletableTask<String> op = new CompletableTask<>();
        IllegalStateException closeFailed = new IllegalStateException("close failed");
        op.onCancel(() -> {
            throw closeFailed;
        });
        assertTrue(op.cancel());
        CancellationException e = assertThrows(CancellationException.class, op::join);
        assertEquals(List.of(closeFailed), List.of(e.getSuppressed()));
    }

    @Test
    void theTaskIsItsOwnCompletionHandler() {
        CompletableTask<Integer> op = new CompletableTask<>();
        op.completed(5, "ignored");
        assertEquals(5, op.join());
        CompletableTask<Integer> failed = new CompletableTask<>();
        java.io.IOException io = new java.io.IOException("reset");
        failed.failed(io, null);
        CompletionException e = assertThrows(CompletionException.class, failed::join);
        assertSame(io, e.getCause());
    }

    @Test
    void theHookRunsExactlyOnceWhenCancelRacesCompletion() throws Exception {
        int rounds = 100_000;
        java.util.concurrent.atomic.AtomicInteger hooks = new java.util.concurrent.atomic.AtomicInteger();
        int cancelledRounds = 0;
        java.util.concurrent.ExecutorService other = java.util.concurrent.Executors.newSingleThreadExecutor();
        try {
            for (int i = 0; i < rounds; i++) {
                CompletableTask<Integer> op = new CompletableTask<>();
                java.util.concurrent.atomic.AtomicInteger ran = new java.util.concurrent.atomic.AtomicInteger();
                op.onCancel(ran::incrementAndGet);
                java.util.concurrent.CountDownLatch go = new java.util.concurrent.CountDownLatch(1);
                int value = i;
                java.util.concurrent.Future<Boolean> completer = other.submit(() -> {
                    go.await();
                    return op.complete(value);
                });
                go.countDown();
                boolean cancelled = op.cancel();
                boolean completed = completer.get();
                assertTrue(cancelled != completed, "exactly one of cancel and complete wins, round " + i);
                assertEquals(cancelled ? 1 : 0, ran.get(), "the hook ran once if cancel won, never otherwise");
                assertEquals(cancelled, op.isCancelled());
                if (cancelled) cancelledRounds++;
                hooks.addAndGet(ran.get());
            }
        } finally {
            other.shutdownNow();
        }
        assertEquals(cancelledRounds, hooks.get());
    }
}
