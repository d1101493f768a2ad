package dev.coda;

/**
 * A resource whose release is asynchronous. In an async function, a try-with-resources resource of this type and
 * an {@link Owned @Owned} variable are <em>owned</em>: their release is awaited when their scope ends, on every
 * path, cancellation included: {@link #closeAsync()} when the scope ends normally, {@link #abortAsync(Throwable)}
 * when it ends with an exception or a cancellation in flight. A resource whose release does not depend on how its
 * scope ended implements {@code closeAsync()} only.
 */
public interface AsyncCloseable extends AutoCloseable {
    /**
     * Starts releasing the resource. Must be idempotent: a second call completes without a second effect. A failure
     * to release belongs in the returned task; drop glue treats a call that throws, or returns null, as a close that
     * failed with that exception (a {@code NullPointerException} for null).
     *
     * @return a task that completes once the resource is released, or fails with the reason it could not be
     */
    Task<Void> closeAsync();

    /**
     * Starts releasing the resource after its owner's scope ended abnormally: a transaction rolls back here where
     * {@link #closeAsync()} commits, a scope cancels its children first. Called instead of {@code closeAsync()} when
     * an exception is in flight at the end of the scope (a {@link Cancelled} when the owner is cancelled), and when
     * the runtime closes a value that no owner took (one that arrived after its awaiter was cancelled, a combinator's
     * value that is not delivered): {@code cause} is then the cancellation, the failure that made the value
     * unwanted, or null. The same rules hold as for {@code closeAsync()}: idempotent, and a second call to either
     * method completes without a second effect; a failure belongs in the returned task; the task is awaited, and a
     * cancellation of the owner is never delivered while it runs. It must not throw {@code cause}: the owner's
     * outcome already carries it.
     *
     * @param cause the exception in flight, or null when nothing failed but the value was not wanted
     * @return a task that completes once the resource is released, or fails with the reason it could not be; by
     *     default {@link #closeAsync()}'s
     */
    default Task<Void> abortAsync(Throwable cause) {
        return closeAsync();
    }

    /**
     * The blocking fallback for code that is not async: calls {@link #closeAsync()}, waits until its task completes
     * (as {@link Task#join()} does) and rethrows its failure. On a thread that is running a coroutine it throws
     * {@link IllegalStateException} instead, without closing anything: blocking there could wait for a completion
     * that only this thread would deliver.
     *
     * @throws IllegalStateException if the calling thread is running a coroutine
     * @throws java.util.concurrent.CompletionException wrapping the close's failure, if that is a checked exception
     * @throws RuntimeException the close's failure, as it was thrown, if it is unchecked (a
     *     {@link java.util.concurrent.CancellationException} if the close was cancelled)
     * @throws Error the close's failure, as it was thrown, if it is an error
     */
    @Override
    default void close() {
        if (Carrier.inCoroutine()) {
            throw new IllegalStateException("blocking close() of " + getClass().getName() + " on a thread that is "
                    + "running a coroutine: declare the resource in try-with-resources or @Owned inside an @Async "
                    + "method, or await closeAsync()");
        }
        closeAsync().join();
    }
}
