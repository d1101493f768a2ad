package dev.coda.tests.cancel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.coda.Task;
import dev.coda.tests.support.Events;
import java.util.List;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Cancellation, observed on classes rewritten by the plugin or the agent: a request is delivered at an await, the
 * coroutine unwinds through its finally blocks and drops, and its outcome is cancelled whatever the unwinding does.
 */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class CancellationTest {
    @BeforeEach
    void reset() {
        Events.take();
        Cancellable.self = null;
    }

    /** The outcome as every observer sees it: join, toCompletableFuture, and the cancelled flag. */
    private static CancellationException cancelledOutcome(Task<?> t) {
        assertTrue(t.isDone());
        assertTrue(t.isCancelled());
        CancellationException joined = assertThrows(CancellationException.class, t::join);
        CompletableFuture<?> cf = t.toCompletableFuture();
        assertTrue(cf.isCompletedExceptionally());
        Throwable viaFuture = assertThrows(Throwable.class, cf::get);
        Throwable unwrapped = viaFuture instanceof ExecutionException ? viaFuture.getCause() : viaFuture;
        assertTrue(unwrapped instanceof CancellationException, "toCompletableFuture reports " + unwrapped);
        return joined;
    }

    @Test
    void cancellingASuspendedTaskRunsFinallyButNotCatchException() {
        CompletableFuture<String> f = new CompletableFuture<>();
        Task<String> t = Cancellable.suspendedInTryFinally(f);
        assertEquals(List.of("start"), Events.take());
        assertTrue(t.cancel());
        assertEquals(List.of("finally"), Events.take());
        CancellationException e = cancelledOutcome(t);
        assertEquals(0, e.getSuppressed().length);
        // The foreign future is simply no longer waited for; completing it later resumes nothing.
        f.complete("late");
        assertEquals(List.of(), Events.take());
        assertTrue(t.isCancelled());
    }

    @Test
    void aRequestIsDeliveredAtTheNextAwaitEvenOfACompletedTask() {
        CompletableFuture<Integer> f = new CompletableFuture<>();
        Task<Integer> t = Cancellable.cancelsItselfThenAwaitsCompleted(f);
        Cancellable.self = t;
        f.complete(1);
        assertEquals(List.of("requested", "finally"), Events.take());
        cancelledOutcome(t);
    }

    @Test
    void aBodyThatFinishesWithoutAnotherAwaitKeepsItsOutcome() {
        CompletableFuture<Integer> f = new CompletableFuture<>();
        Task<Integer> t = Cancellable.cancelledAfterLastAwait(f);
        Cancellable.self = t;
        f.complete(4);
        assertEquals(List.of("requested"), Events.take());
        assertFalse(t.isCancelled());
        assertEquals(40, t.join());
        assertFalse(t.cancel(), "a finished task is not cancelled afterwards");
    }

    @Test
    void swallowingTheSignalDoesNotUndoTheCancellationAndLaterAwaitsRunToCompletion() {
        CompletableFuture<String> f = new CompletableFuture<>();
        CompletableFuture<String> g = new CompletableFuture<>();
        Task<String> t = Cancellable.swallows(f, g);
        t.cancel();
        assertEquals(List.of("caught Cancelled"), Events.take());
        assertFalse(t.isDone(), "the await after the swallowed signal is not cancelled");
        assertTrue(t.cancel(), "a repeated request is accepted and changes nothing");
        g.complete("g");
        assertEquals(List.of("after g"), Events.take());
        cancelledOutcome(t);
    }

    @Test
    void cleanupAwaitsRunToCompletionAndCleanupFailuresAreSuppressedOntoTheOutcome() {
        CompletableFuture<String> f = new CompletableFuture<>();
        CompletableFuture<String> cleanup = new CompletableFuture<>();
        Task<String> t = Cancellable.finallyAwaitsThenThrows(f, cleanup);
        t.cancel();
        assertFalse(t.isDone(), "the task is not cancelled before its cleanup finished");
        t.cancel();
        assertFalse(t.isDone());
        cleanup.complete("done");
        assertEquals(List.of("cleanup done"), Events.take());
        CancellationException e = cancelledOutcome(t);
        assertEquals(1, e.getSuppressed().length);
        assertEquals("cleanup failed", e.getSuppressed()[0].getMessage());
        assertTrue(e.getSuppressed()[0] instanceof IllegalStateException);
    }

    @Test
    void cancellingAParentCancelsTheChildItAwaitsAndWaitsForItsCleanup() {
        CompletableFuture<String> f = new CompletableFuture<>();
        CompletableFuture<String> cleanup = new CompletableFuture<>();
        Task<String> t = Cancellable.parent(f, cleanup);
        t.cancel();
        assertEquals(List.of(), Events.take(), "the parent waits for the child's cleanup before it unwinds");
        assertFalse(t.isDone());
        cleanup.complete("c");
        assertEquals(List.of("child cleanup c", "parent finally"), Events.take());
        cancelledOutcome(t);
        f.complete("late");
        assertEquals(List.of(), Events.take());
    }

    @Test
    void aDetachedTaskIsNotCancelledWithItsParent() {
        CompletableFuture<String> f = new CompletableFuture<>();
        CompletableFuture<String> cleanup = new CompletableFuture<>();
        Task<String> t = Cancellable.awaitsDetached(f, cleanup);
        t.cancel();
        assertEquals(List.of("parent finally"), Events.take());
        cancelledOutcome(t);
        f.complete("x");
        cleanup.complete("c");
        assertEquals(List.of("child cleanup c"), Events.take());
    }

    @Test
    void awaitingATaskCancelledElsewhereThrowsAnOrdinaryCancellationException() {
        CompletableFuture<String> f = new CompletableFuture<>();
        Task<String> foreign = Task.from(f);
        Task<String> t = Cancellable.awaitsForeign(foreign);
        assertTrue(foreign.cancel());
        assertEquals(List.of("caught CancellationException, suppressed 0"), Events.take());
        assertFalse(t.isCancelled());
        assertEquals("recovered", t.join());
    }

    @Test
    void aRequestMadeWhileTheBodyRunsIsDeliveredInsideTheLoop() {
        CompletableFuture<Integer> first = new CompletableFuture<>();
        Task<Integer> t = Cancellable.loop(first, 1_000);
        t.cancel();
        assertTrue(t.isDone());
        assertEquals(List.of(), Events.take(), "delivered at the first await, before the loop");
        cancelledOutcome(t);
    }

    @Test
    void cancelIsIdempotentAndANoOpOnFinishedTasks() {
        assertFalse(Task.completed(1).cancel());
        assertFalse(Task.failed(new IllegalStateException()).cancel());
        Task<Integer> pending = Task.from(new CompletableFuture<>());
        assertTrue(pending.cancel());
        assertTrue(pending.cancel());
        assertTrue(pending.isCancelled());
    }

    @Test
    void cancellingATaskThatReturnedItsChildCancelsTheChildAndEndsCancelled() {
        CompletableFuture<String> f = new CompletableFuture<>();
        CompletableFuture<String> cleanup = new CompletableFuture<>();
        Task<String> t = Cancellable.returnsChild(f, cleanup);
        assertEquals(List.of("returning the child"), Events.take());
        assertTrue(t.cancel());
        assertFalse(t.isDone(), "waits for the child's cleanup");
        cleanup.complete("c");
        assertEquals(List.of("child cleanup c"), Events.take());
        cancelledOutcome(t);
    }
}
