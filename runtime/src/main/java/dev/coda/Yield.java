package dev.coda;

/**
 * The task of {@link Coda#yieldNow}: the pool is asked to complete it only once a waiter is registered, so that an
 * awaiting coroutine always suspends and resumes in the pool. Asked at creation, the pool could complete it before
 * the await, which would then go on inline on the caller's thread. It is made {@code DETACHED}, which here means not
 * yet asked; the first waiter's {@link #reattach} clears the bit and asks, once.
 */
final class Yield extends Task<Void> {
    Yield() {
        markWhilePending(DETACHED);
    }

    @Override
    void reattach() {
        if (unmarkWhilePending(DETACHED)) Timers.runAsync(() -> succeed(null));
    }
}
