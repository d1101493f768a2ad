package dev.coda;

/**
 * The signal that unwinds a cancelled coroutine. It is thrown from the {@code await} at which a cancellation is
 * delivered, so {@code finally} blocks and drop glue run while {@code catch (Exception e)} does not see it. It is an
 * {@link Error} for that reason, not because anything went wrong.
 *
 * <p>Catching it does not undo the cancellation: once delivered, the task's outcome is cancelled whatever the
 * unwinding does. Failures raised while unwinding are added to it as suppressed and end up on the
 * {@link java.util.concurrent.CancellationException} that awaiters see.
 */
public final class Cancelled extends Error {
    private static final long serialVersionUID = 1L;

    Cancelled() {
        super("cancelled");
    }
}
