package dev.coda;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeoutException;

/**
 * The task of {@link Coda#timeout}: a {@link Combination} of one input, the body, and a timer. If the timer fires
 * first, the body is cancelled, and the task fails with {@link TimeoutException} once the body's cleanup has
 * finished (its cleanup failures suppressed onto it). A body that still completes otherwise keeps its outcome.
 */
final class Timeout<T> extends Combination<T> {
    private final Duration limit;
    /** The timer fired and decided the outcome; read by {@link #settle} only for a body that ended cancelled. */
    private volatile boolean timedOut;
    private volatile ScheduledFuture<?> timer;

    private Timeout(Task<T> body, Duration limit) {
        super(List.of(body));
        this.limit = limit;
    }

    static <T> Task<T> start(Duration limit, long nanos, Task<T> body) {
        Timeout<T> t = new Timeout<>(body, limit);
        t.timer = Timers.schedule(t::expire, Math.max(0, nanos));
        t.watch();
        if (t.isDone()) t.timer.cancel(false);
        return t;
    }

    private void expire() {
        decide(() -> timedOut = true); // only if the timer decided: a body cancelled by someone else stays so
    }

    @Override
    boolean decides(Task<?> input) {
        return false;
    }

    @Override
    void allCompleted() {
        ScheduledFuture<?> t = timer;
        if (t != null) t.cancel(false);
    }

    @Override
    @SuppressWarnings("unchecked")
    void settle(Task<?> decisive) {
        Task<T> body = (Task<T>) inputs[0];
        Throwable failure = body.failureNow();
        if (timedOut && body.isCancelled()) failWith(new TimeoutException("timed out after " + limit), false);
        else if (failure != null) failWith(failure, body.isCancelled()); // cancelled elsewhere: cancelled, as it is
        else succeedWith(body.valueNow(), body.valueNow());
    }
}
