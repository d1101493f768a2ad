package dev.coda;

/**
 * A resource whose release is asynchronous. In an async function, a try-with-resources resource of this type and
 * an {@link Owned @Owned} variable are <em>owned</em>: their {@link #closeAsync()} is awaited when their scope
 * ends, on every path, cancellation included.
 */
public interface AsyncCloseable extends AutoCloseable {
    /**
     * Starts releasing the resource. Must be idempotent: a second call completes without a second effect.
     */
    Task<Void> closeAsync();

    /**
     * The blocking fallback for code that is not async: waits until {@link #closeAsync()} completes and rethrows its
     * failure (unchecked as is, checked wrapped in {@link java.util.concurrent.CompletionException}). On a thread
     * that is running a coroutine it throws {@link IllegalStateException} instead: blocking there could wait for a
     * completion that only this thread would deliver.
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
