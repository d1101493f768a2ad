package dev.coda;

import java.util.Arrays;

/**
 * Async stack traces. A failure that comes back to a coroutine through an await it was suspended at gets a frame
 * for that await, at the user's source line, after the frames where it was thrown and a boundary frame:
 * <pre>
 *   at p.C.load(C.java:31)                    where it was thrown
 *   at ...                                    the thread that ran it
 *   at dev.coda.Coda.await(async boundary)
 *   at p.B.fetch(B.java:18)                   B's await of C's task
 *   at p.A.handle(A.java:9)                   A's await of B's task
 * </pre>
 * The line is known at build time (each state machine answers {@link Coroutine#awaitFrame()}), so nothing is
 * captured on the success path. The exception is the one thrown, with its frames extended in place: same object,
 * message and cause. A frame already there after the boundary is not added again, so a failure that crosses the
 * same await twice (a retry loop awaiting one failed task) does not grow. {@code -Dcoda.asyncStackTraces=false}
 * turns this off.
 */
final class AsyncTrace {

    /** Separates the frames where the failure was thrown from the awaits it came back through. */
    static final StackTraceElement BOUNDARY = new StackTraceElement("dev.coda.Coda", "await", "async boundary", -1);

    private AsyncTrace() {}

    /** Adds {@code awaiter}'s await to {@code failure}'s trace, unless it is there already. */
    static void crossed(Throwable failure, Coroutine<?> awaiter) {
        // Read on each failure, not once: a test or an operator can switch it at run time.
        if ("false".equalsIgnoreCase(System.getProperty("coda.asyncStackTraces"))) return;
        StackTraceElement frame = awaiter.awaitFrame();
        if (frame == null) return;
        StackTraceElement[] trace = failure.getStackTrace();
        int boundary = Arrays.asList(trace).lastIndexOf(BOUNDARY);
        for (int i = boundary + 1; boundary >= 0 && i < trace.length; i++) if (trace[i].equals(frame)) return;
        StackTraceElement[] longer = Arrays.copyOf(trace, trace.length + (boundary < 0 ? 2 : 1));
        if (boundary < 0) longer[trace.length] = BOUNDARY;
        longer[longer.length - 1] = frame;
        failure.setStackTrace(longer);
    }
}
