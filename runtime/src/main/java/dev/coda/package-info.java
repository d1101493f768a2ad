/**
 * The Coda runtime: async functions, their tasks, and the resources they own.
 *
 * <ul>
 *   <li>{@link dev.coda.Async @Async} marks an async function, returning a {@link dev.coda.Task}; in its body,
 *       {@link dev.coda.Coda#await(dev.coda.Task) Coda.await} suspends until a task or
 *       {@link java.util.concurrent.CompletionStage} completes.</li>
 *   <li>{@link dev.coda.AsyncCloseable} is a resource released asynchronously; a try-with-resources resource of that
 *       type, and an {@link dev.coda.Owned @Owned} variable, have their {@code closeAsync()} awaited on every exit,
 *       cancellation included.</li>
 *   <li>{@link dev.coda.Task#cancel()} cancels: the request is delivered at an await, as {@link dev.coda.Cancelled},
 *       and the function unwinds, its cleanup awaited.</li>
 *   <li>Tasks started while an async function runs are its children; {@link dev.coda.TaskScope} groups them,
 *       {@link dev.coda.Task#all}, {@link dev.coda.Task#any} and {@link dev.coda.Coda#timeout} combine them.</li>
 *   <li>{@link dev.coda.CompletableTask} and {@link dev.coda.AsyncChannels} bridge callback APIs and NIO;
 *       {@link dev.coda.CoroutineProbe} lists the coroutines alive.</li>
 * </ul>
 *
 * <p>The methods are rewritten into state machines at build time by the Maven plugin, or at load time by the agent;
 * code that was not rewritten throws {@link java.lang.IllegalStateException} from {@code Coda.await}.
 */
package dev.coda;
