package dev.coda;

/**
 * A resource whose release is asynchronous. In an async function, a try-with-resources resource of this type and
 * an {@link Owned @Owned} variable are <em>owned</em>: their {@link #closeAsync()} is awaited when their scope
 * ends, on every path, cancellation included.
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
