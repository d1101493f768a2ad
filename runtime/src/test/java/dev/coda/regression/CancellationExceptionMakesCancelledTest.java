package dev.coda.regression;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.coda.Coroutine;
import dev.coda.Task;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

/**
 * Task.fail classifies an outcome as CANCELLED by the exception's type. A coroutine that merely lets the
 * CancellationException of an awaited, foreign-cancelled task propagate therefore reports isCancelled() == true,
 * although awaiting a task that someone else cancelled throws an ordinary CancellationException: the awaiting
 * coroutine has failed with it, and is not itself cancelled. Structured concurrency, where a child's failure that
 * nobody saw becomes its parent's, will need to tell "cancelled" (no failure to propagate) from "failed with a
 * CancellationException" (a failure to propagate).
 */
class CancellationExceptionMakesCancelledTest {

    static final class AwaitOnly extends Coroutine<Object> {
        private Task<?> dep;
        AwaitOnly(Task<?> dep) { this.dep = dep; }

        @Override
        protected void resume() {
            Task<?> t = dep;
            dep = null;
            if (!ready(t)) throw new AssertionError("test expects a done task");
            returnValue(take(t)); // throws the CancellationException, uncaught
        }
    }

    @Test
    void awaitingACancelledTaskMakesTheAwaiterCancelled() {
        CompletableFuture<Object> foreign = new CompletableFuture<>();
        foreign.cancel(false);
        Task<Object> awaiter = new AwaitOnly(Task.from(foreign)).start();
        assertTrue(awaiter.isDone());
        // Observed: true. Expected: the awaiter failed (with a CancellationException) but was not cancelled.
        assertFalse(awaiter.isCancelled());
    }
}
