package dev.coda;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.coda.TestCoroutines.AwaitStage;
import dev.coda.TestCoroutines.AwaitThen;
import dev.coda.TestCoroutines.ReturnStage;
import dev.coda.TestCoroutines.ReturnTask;
import dev.coda.TestCoroutines.Throwing;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The protocol between generated state machines and {@link Coroutine} (ready, take, suspend, resumed; a body runs on
 * its caller's thread until it suspends, and resumes on the thread that completes what it awaits), with hand-made
 * state machines.
 */
@Timeout(value = 10, unit = TimeUnit.SECONDS)
class CoroutineProtocolTest {

    @Test
    void startRunsTheBodyAtOnceOnTheCallersThreadAndReturnsItself() {
        AwaitThen<Integer, Integer> co = new AwaitThen<>(Task.completed(1), v -> v + 1);
        assertFalse(co.isDone());
        assertSame(co, co.start());
        assertSame(Thread.currentThread(), co.startedOn);
        assertTrue(co.isDone());
    }

    @Test
    void awaitingACompletedTaskDoesNotSuspend() {
        AwaitThen<Integer, Integer> co = new AwaitThen<>(Task.completed(41), v -> v + 1);
        Task<Integer> task = co.start();
        assertTrue(task.isDone());
        assertEquals(42, task.join());
        assertEquals(0, co.suspensions);
        assertEquals(0, co.state, "the body never left its first state");
        assertNull(co.resumedOn);
    }

    @Test
    void awaitingAFailedTaskDoesNotSuspendAndRethrowsTheSameInstance() {
        IllegalStateException error = new IllegalStateException();
        AwaitThen<Object, Object> co = new AwaitThen<>(Task.failed(error), v -> v);
        co.start();
        assertTrue(co.isDone());
        assertEquals(0, co.suspensions);
        assertSame(error, assertThrows(IllegalStateException.class, co::join));
    }

    @Test
    void awaitingAPendingTaskSuspendsAndResumesOnTheCompletingThread() throws Exception {
        Task<Integer> dep = new Task<>();
        AwaitThen<Integer, Integer> co = new AwaitThen<>(dep, v -> v * 2);
        Task<Integer> task = co.start();
        assertFalse(task.isDone());
        assertEquals(1, co.suspensions);
        assertEquals(1, co.state);
        assertNull(co.resumedOn);

        Thread completer = new Thread(() -> dep.succeed(21), "completer");
        completer.start();
        completer.join();

        assertTrue(task.isDone());
        assertEquals(42, task.join());
        assertSame(Thread.currentThread(), co.startedOn);
        assertSame(completer, co.resumedOn);
        assertEquals(2, co.state);
    }

    @Test
    void resumptionFromANonCoroutineThreadRunsBeforeSucceedReturns() {
        Task<String> dep = new Task<>();
        List<String> log = new ArrayList<>();
        AwaitThen<String, String> co = new AwaitThen<>(dep, v -> {
            log.add("resumed with " + v);
            return v;
        });
        co.start();
        assertTrue(log.isEmpty());
        dep.succeed("x");
        log.add("succeed returned");
        assertEquals(List.of("resumed with x", "succeed returned"), log);
        assertSame(Thread.currentThread(), co.resumedOn);
    }

    @Test
    void awaitingAPendingCompletableFutureThroughAdapt() throws Exception {
        CompletableFuture<String> future = new CompletableFuture<>();
        AwaitThen<Object, Object> co = new AwaitThen<>(cast(Coroutine.adapt(future)), v -> v + "!");
        co.start();
        assertFalse(co.isDone());
        Thread completer = new Thread(() -> future.complete("cf"), "cf-completer");
        completer.start();
        completer.join();
        assertEquals("cf!", co.join());
        assertSame(completer, co.resumedOn);
    }

    @Test
    void failureOfTheAwaitedTaskAfterSuspensionIsRethrownAsTheSameInstance() throws Exception {
        Task<Integer> dep = new Task<>();
        AwaitThen<Integer, Integer> co = new AwaitThen<>(dep, v -> v);
        co.start();
        UnsupportedOperationException error = new UnsupportedOperationException();
        Thread completer = new Thread(() -> dep.fail(error));
        completer.start();
        completer.join();
        assertTrue(co.isDone());
        assertFalse(co.isCancelled());
        assertSame(error, assertThrows(UnsupportedOperationException.class, co::join));
    }

    @Test
    void checkedFailureOfTheAwaitedTaskEscapesUnwrapped() {
        Task<Integer> dep = new Task<>();
        AtomicReference<Throwable> seenInBody = new AtomicReference<>();
        IOException error = new IOException();
        Coroutine<Integer> co = new Coroutine<>() {
            int state;

            @Override
            protected void resume() {
                Task<?> t;
                switch (state) {
                    case 0:
                        t = dep;
                        state = 1;
                        if (suspend(t)) return;
                        // fall through
                    case 1:
                        t = resumed();
                        try {
                            take(t);
                        } catch (Throwable e) {
                            seenInBody.set(e);
                            throw e;
                        }
                        returnValue(0);
                        return;
                    default:
                        throw new AssertionError();
                }
            }
        };
        co.start();
        dep.fail(error);
        assertSame(error, seenInBody.get(), "await rethrows the checked exception as thrown, not wrapped");
        assertSame(error, assertThrows(CompletionException.class, co::join).getCause());
    }

    @Test
    void exceptionEscapingResumeFailsTheTaskWithThatInstance() {
        IllegalArgumentException error = new IllegalArgumentException();
        Task<Object> task = new Throwing(error).start();
        assertTrue(task.isDone());
        assertFalse(task.isCancelled());
        assertSame(error, assertThrows(IllegalArgumentException.class, task::join));
    }

    @Test
    void errorEscapingResumeFailsTheTaskWithThatInstance() {
        AssertionError error = new AssertionError("from the body");
        Task<Object> task = new Throwing(error).start();
        assertTrue(task.isDone());
        assertSame(error, assertThrows(AssertionError.class, task::join));
    }

    @Test
    void checkedExceptionEscapingResumeFailsTheTaskWithThatInstance() throws Exception {
        Exception error = new Exception("checked");
        Task<Object> task = new Throwing(error).start();
        assertTrue(task.isDone());
        assertSame(error, assertThrows(CompletionException.class, task::join).getCause());
        assertSame(error, assertThrows(java.util.concurrent.ExecutionException.class,
                () -> task.toCompletableFuture().get()).getCause());
    }

    @Test
    void exceptionEscapingResumeAfterResumptionOnAnotherThread() throws Exception {
        Task<Integer> dep = new Task<>();
        IllegalStateException error = new IllegalStateException();
        AwaitThen<Integer, Integer> co = new AwaitThen<>(dep, v -> {
            throw error;
        });
        co.start();
        assertFalse(co.isDone());
        Thread completer = new Thread(() -> dep.succeed(1));
        completer.start();
        completer.join();
        assertSame(error, assertThrows(IllegalStateException.class, co::join));
    }

    @Test
    void startedInsideAnotherCoroutineRunsInline() {
        List<String> log = new ArrayList<>();
        Coroutine<String> outer = new Coroutine<>() {
            @Override
            protected void resume() {
                log.add("outer before");
                Task<String> child = new TestCoroutines.Run<>(() -> log.add("child body"), "c").start();
                log.add("outer after, child done=" + child.isDone());
                assertTrue(ready(child));
                returnValue("o+" + take(child));
            }
        };
        outer.start();
        assertEquals(List.of("outer before", "child body", "outer after, child done=true"), log);
        assertEquals("o+c", outer.join());
    }

    /**
     * A body that leaves more pending children than its short list holds: the list moves into the end's record,
     * children started after that join it there, and the body's end waits for every one of them.
     */
    @Test
    void aBodyLeavingManyPendingChildrenWaitsForEachOfThem() {
        List<Task<Integer>> gates = new ArrayList<>();
        for (int i = 0; i < 12; i++) gates.add(new Task<>());
        Coroutine<String> parent = new Coroutine<>() {
            @Override
            protected void resume() {
                for (Task<Integer> gate : gates) new AwaitThen<>(gate, v -> v).start();
                returnValue("p");
            }
        };
        parent.start();
        for (int i = gates.size() - 1; i >= 0; i--) { // the newest first: the oldest are the ones to lose
            assertFalse(parent.isDone(), "the parent ended with " + (i + 1) + " children pending");
            gates.get(i).succeed(i);
        }
        assertEquals("p", parent.join());
    }

    // ---- returnTask / returnStage -------------------------------------------------------------------------------

    @Test
    void returnTaskWithACompletedTask() {
        Task<String> task = new ReturnTask<>(Task.completed("now")).start();
        assertTrue(task.isDone());
        assertEquals("now", task.join());
    }

    @Test
    void returnTaskWithAFailedTask() {
        RuntimeException error = new RuntimeException();
        Task<String> task = new ReturnTask<String>(Task.failed(error)).start();
        assertTrue(task.isDone());
        assertSame(error, assertThrows(RuntimeException.class, task::join));
    }

    @Test
    void returnTaskWithAPendingTaskAdoptsItsValue() throws Exception {
        Task<String> target = new Task<>();
        ReturnTask<String> co = new ReturnTask<>(target);
        Task<String> task = co.start();
        assertFalse(task.isDone());
        Thread completer = new Thread(() -> target.succeed("adopted"));
        completer.start();
        completer.join();
        assertTrue(task.isDone());
        assertEquals("adopted", task.join());
        assertEquals(1, co.runs, "adopting does not run the body again");
    }

    @Test
    void returnTaskWithAPendingTaskAdoptsItsFailure() {
        Task<String> target = new Task<>();
        Task<String> task = new ReturnTask<>(target).start();
        IOException error = new IOException();
        target.fail(error);
        assertTrue(task.isDone());
        assertFalse(task.isCancelled());
        assertSame(error, assertThrows(CompletionException.class, task::join).getCause());
    }

    @Test
    void returnTaskOfATaskCancelledElsewhereFailsWithItsCancellationException() {
        // A coroutine that meets a CancellationException from a task cancelled elsewhere fails with it; it is not
        // itself cancelled.
        Task<String> target = new Task<>();
        Task<String> task = new ReturnTask<>(target).start();
        CancellationException error = new CancellationException();
        target.mirrorFailure(error);
        assertTrue(target.isCancelled());
        assertTrue(task.isDone());
        assertFalse(task.isCancelled());
        assertSame(error, assertThrows(CancellationException.class, task::join));
    }

    @Test
    void returnTaskWithAPendingTaskIsAwaitableByAnotherCoroutine() {
        Task<Integer> target = new Task<>();
        Task<Integer> middle = new ReturnTask<>(target).start();
        AwaitThen<Integer, Integer> outer = new AwaitThen<>(middle, v -> v + 1);
        outer.start();
        assertFalse(outer.isDone());
        target.succeed(1);
        assertEquals(1, middle.join());
        assertEquals(2, outer.join());
    }

    @Test
    void returnTaskNullFailsWithNullPointerException() {
        Task<String> task = new ReturnTask<String>(null).start();
        assertTrue(task.isDone());
        assertThrows(NullPointerException.class, task::join);
    }

    @Test
    void returnStageWithAPendingFutureAdoptsItsOutcome() {
        CompletableFuture<String> future = new CompletableFuture<>();
        Task<String> task = new ReturnStage<>(future).start();
        assertFalse(task.isDone());
        future.complete("stage");
        assertEquals("stage", task.join());
    }

    @Test
    void returnStageUnwrapsCompletionException() {
        CompletableFuture<String> source = new CompletableFuture<>();
        Task<String> task = new ReturnStage<>(source.thenApply(s -> s)).start();
        IllegalStateException error = new IllegalStateException();
        source.completeExceptionally(error);
        assertSame(error, assertThrows(IllegalStateException.class, task::join));
    }

    @Test
    void returnStageNullFailsWithNullPointerException() {
        Task<String> task = new ReturnStage<String>(null).start();
        assertTrue(task.isDone());
        assertThrows(NullPointerException.class, task::join);
    }

    // ---- threads ------------------------------------------------------------------------------------------------

    /**
     * A coroutine loops 20,000 times: each round hands a fresh pending task to a pool that completes it (racing
     * with the suspension), then awaits it. Plain fields written before each suspension must be visible after the
     * resumption on whatever thread, and the body must never run on two threads at once.
     */
    @Test
    void stateWrittenBeforeSuspensionIsVisibleAfterResumptionOnAnyThread() throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(3);
        try {
            final int rounds = 20_000;
            AtomicInteger inBody = new AtomicInteger();
            AtomicInteger overlaps = new AtomicInteger();
            Coroutine<Long> co = new Coroutine<>() {
                int state;
                int round;
                long sum;
                int[] history = new int[rounds];

                @Override
                protected void resume() {
                    if (inBody.getAndIncrement() != 0) overlaps.incrementAndGet();
                    for (;;) {
                        Task<?> t;
                        switch (state) {
                            case 0: {
                                if (round == rounds) {
                                    long s = sum;
                                    for (int i = 0; i < rounds; i++) if (history[i] != i) s = -1;
                                    inBody.decrementAndGet();
                                    returnValue(s);
                                    return;
                                }
                                Task<Integer> next = new Task<>();
                                int value = round;
                                pool.execute(() -> next.succeed(value));
                                state = 1;
                                inBody.decrementAndGet();
                                if (suspend(next)) return;
                                inBody.incrementAndGet();
                            }
                            // fall through
                            case 1: {
                                t = resumed();
                                int v = (Integer) take(t);
                                history[round] = v;
                                sum += v;
                                round++;
                                state = 0;
                                continue;
                            }
                            default:
                                throw new AssertionError();
                        }
                    }
                }
            };
            co.start();
            long expected = (long) rounds * (rounds - 1) / 2;
            assertEquals(expected, co.toCompletableFuture().get(10, TimeUnit.SECONDS));
            assertEquals(0, overlaps.get(), "the body ran on two threads at once");
        } finally {
            pool.shutdownNow();
        }
    }

    @SuppressWarnings("unchecked")
    private static <T> Task<T> cast(Task<?> t) {
        return (Task<T>) t;
    }

    @Test
    void aPlainFutureIsSuspendedOnDirectlyAndResumesTheBodyOnce() {
        CompletableFuture<String> f = new CompletableFuture<>();
        AwaitStage<String> co = new AwaitStage<>(f, false);
        co.start();
        assertEquals(1, f.getNumberOfDependents(), "the coroutine itself is the future's one dependent");
        co.accept("stray", null); // not from the future, which is pending: ignored
        assertFalse(co.isDone());
        f.complete("v");
        assertEquals("v", co.join());
        co.accept("stray", null); // after the resumption: ignored
        assertEquals("v", co.join());
    }

    @Test
    void aStageAwaitGeneratedForAnOlderRuntimeResumesThroughResumed() {
        CompletableFuture<String> f = new CompletableFuture<>();
        AwaitStage<String> co = new AwaitStage<>(f, true);
        co.start();
        f.complete("v");
        assertEquals("v", co.join());

        CompletableFuture<String> g = new CompletableFuture<>();
        AwaitStage<String> failing = new AwaitStage<>(g, true);
        failing.start();
        IOException error = new IOException("boom");
        g.completeExceptionally(error);
        assertSame(error, assertThrows(CompletionException.class, failing::join).getCause());

        CompletableFuture<String> h = new CompletableFuture<>();
        AwaitStage<String> cancelled = new AwaitStage<>(h, true);
        cancelled.start();
        assertTrue(cancelled.cancel());
        assertTrue(h.isCancelled(), "the future was cancelled with the call");
        assertTrue(cancelled.isCancelled());
    }
}
