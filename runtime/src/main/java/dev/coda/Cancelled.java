package dev.coda;

/**
 * The signal that unwinds a cancelled coroutine. It is thrown from the {@code await} at which a cancellation is
 * delivered, so {@code finally} blocks and drop glue run while {@code catch (Exception e)} does not see it. It is an
 * {@link Error} for that reason, not because anything went wrong.
 *
 * <p>Catching it does not undo the cancellation: once delivered, the task's outcome is cancelled whatever the
 * unwinding does. Failures raised while unwinding are added to it as suppressed and end up on the
 * {@link java.util.concurrent.CancellationException} that awaiters see.
 *
 * <p>Its stack trace is cheap to make. Delivered at an await the coroutine was suspended at, it is the async trace
 * of that await, known when the code was rewritten: the await's frame at the user's source line, then, after the
 * boundary frame {@code dev.coda.Coda.await(async boundary)}, the await of each coroutine waiting for this one,
 * innermost first. Delivered at an await that did not suspend, it is the thread's stack, as for any exception.
 * {@link #fillInStackTrace()} captures nothing.
 */
public final class Cancelled extends Error {
    private static final long serialVersionUID = 1L;

    private Cancelled() {
        super("cancelled");
    }

    /** A signal whose stack trace is {@code trace}, with no walk of the thread's stack. */
    static Cancelled at(StackTraceElement[] trace) {
        Cancelled c = new Cancelled();
        c.setStackTrace(trace);
        return c;
    }

    /** A signal with the thread's stack trace. */
    static Cancelled here() {
        Cancelled c = new Cancelled();
        c.captureStack();
        return c;
    }

    private void captureStack() {
        super.fillInStackTrace();
    }

    /**
     * Does nothing: the runtime gives the signal its trace when it makes it, and walking the stack to build one is
     * most of what a cancellation would otherwise cost.
     *
     * @return this signal
     */
    @Override
    public Throwable fillInStackTrace() {
        return this;
    }
}
