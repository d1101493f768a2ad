package dev.coda;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

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
 * same await twice (a retry loop awaiting one failed task) does not grow; the awaits of a recursive function at one
 * line show once too, as frames carry no identity of the coroutine that added them. {@code
 * -Dcoda.asyncStackTraces=false} turns this off.
 */
final class AsyncTrace {

    /** Separates the frames where the failure was thrown from the awaits it came back through. */
    static final StackTraceElement BOUNDARY = new StackTraceElement("dev.coda.Coda", "await", "async boundary", -1);

    private AsyncTrace() {}

    /** The chains this builds are cut at this depth: a trace is for reading, and a cycle must not hang it. */
    private static final int MAX_DEPTH = 64;

    /** Whether async traces are on. Read on each use, not once: a test or an operator can switch it at run time. */
    private static boolean enabled() {
        return !"false".equalsIgnoreCase(System.getProperty("coda.asyncStackTraces"));
    }

    /**
     * The trace of the await {@code suspended} is suspended at, for the cancellation signal delivered there: its
     * frame, then the boundary and the awaits of the coroutines waiting for it, innermost first (only its frame when
     * async traces are off). Empty if the await's frame is not known.
     */
    static StackTraceElement[] ofSuspension(Coroutine<?> suspended) {
        StackTraceElement frame = suspended.awaitFrame();
        if (frame == null) return new StackTraceElement[0];
        Coroutine<?> awaiter = enabled() ? suspended.awaitingCoroutine() : null;
        StackTraceElement next = awaiter == null ? null : awaiter.awaitFrame();
        if (next == null) return new StackTraceElement[] {frame}; // nobody's await to add: the common case
        List<StackTraceElement> trace = new ArrayList<>();
        trace.add(frame);
        trace.add(BOUNDARY);
        trace.add(next);
        awaiter = awaiter.awaitingCoroutine();
        for (int depth = 1; awaiter != null && depth < MAX_DEPTH; depth++, awaiter = awaiter.awaitingCoroutine()) {
            StackTraceElement f = awaiter.awaitFrame();
            if (f == null) break;
            trace.add(f);
        }
        return trace.toArray(new StackTraceElement[0]);
    }

    /**
     * Adds {@code awaiter}'s await to {@code failure}'s trace, unless it is there already. The read and the write are
     * one step under the exception's lock, the one {@code Throwable}'s own trace methods take: one failure may cross
     * awaits on several threads at once (a shared failure completing several tasks). Nothing here changes what the
     * awaiter sees: an exception whose trace methods throw, or a trace that cannot be grown, keeps the trace it has.
     */
    static void crossed(Throwable failure, Coroutine<?> awaiter) {
        if (!enabled()) return;
        try {
            StackTraceElement frame = awaiter.awaitFrame();
            if (frame == null) return;
            synchronized (failure) {
                StackTraceElement[] trace = failure.getStackTrace();
                int boundary = Arrays.asList(trace).lastIndexOf(BOUNDARY);
                for (int i = boundary + 1; boundary >= 0 && i < trace.length; i++) if (frame.equals(trace[i])) return;
                StackTraceElement[] longer = Arrays.copyOf(trace, trace.length + (boundary < 0 ? 2 : 1));
                if (boundary < 0) longer[trace.length] = BOUNDARY;
                longer[longer.length - 1] = frame;
                failure.setStackTrace(longer);
            }
        } catch (Throwable t) {
            // A debugging aid gives up rather than replace the failure the program awaits.
        }
    }
}
