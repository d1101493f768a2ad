package dev.coda;

import java.util.concurrent.ScheduledFuture;

/**
 * The task of {@link Coda#sleep}: succeeds when its timer fires. It is a child of the coroutine that created it, so a
 * cancelled coroutine sleeping on it cancels it, which removes the timer.
 */
final class Sleep extends ChildTask<Void> {
    private final ScheduledFuture<?> timer;

    Sleep(long nanos) {
        super(Carrier.current().parentOfNew());
        timer = Timers.schedule(() -> succeed(null), nanos);
        started();
    }

    @Override
    public boolean cancel() {
        boolean cancelled = super.cancel();
        timer.cancel(false);
        return cancelled;
    }
}
