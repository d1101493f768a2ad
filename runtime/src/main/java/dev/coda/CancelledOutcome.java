package dev.coda;

import java.util.concurrent.CancellationException;

/**
 * The outcome of a cancelled task, as awaiters, {@code join()} and {@code toCompletableFuture()} see it. It has no
 * stack trace of its own: it is made where the task completes, inside the runtime, which says nothing about the
 * cancellation. What matters travels as suppressed exceptions, each with its own trace: every failure raised during
 * the cleanup.
 */
final class CancelledOutcome extends CancellationException {
    private static final long serialVersionUID = 1L;

    CancelledOutcome() {
        super("cancelled");
    }

    @Override
    public synchronized Throwable fillInStackTrace() {
        return this;
    }
}
