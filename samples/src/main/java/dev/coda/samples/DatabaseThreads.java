package dev.coda.samples;

import dev.coda.AsyncCloseable;
import dev.coda.Task;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.function.Supplier;
import org.reactivestreams.Publisher;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Scheduler;
import reactor.core.scheduler.Schedulers;

/**
 * The threads the database's statements run on, and the bridge from an R2DBC publisher to a future that a
 * coroutine awaits.
 *
 * <p>H2 runs embedded, in this JVM: a statement executes on the thread that subscribes to it, and one that waits for
 * a row lock blocks that thread. Subscribing on threads of the database's own keeps that wait off the caller's
 * thread, the timer and the common pool; a coroutine resumes on the database thread that ran its statement, and runs
 * there only until its next await. A thread is started whenever every one is busy: a statement that waits for a lock
 * must never keep the statement that would release it (the rollback of a cancelled transfer, say) from running.
 */
final class DatabaseThreads implements AsyncCloseable {
    private final ExecutorService executor = Pools.cachedPool("coda-db");
    // fromExecutor, not fromExecutorService: a cancelled subscription never interrupts a statement under way.
    private final Scheduler scheduler = Schedulers.fromExecutor(executor);

    /**
     * The first value of the publisher that {@code statement} makes (null if it has none), as a future; the publisher
     * is made and subscribed to on these threads. Awaited directly, the future belongs to the awaiting coroutine: if
     * it is cancelled there, the future is cancelled and cancels the subscription, so a statement that has not
     * started never runs (one already running finishes).
     */
    <T> CompletableFuture<T> first(Supplier<? extends Publisher<? extends T>> statement) {
        return Mono.<T>defer(() -> Mono.from(statement.get())).subscribeOn(scheduler).toFuture();
    }

    /** Lets the threads end once their last statement is done; it does not wait for them, so any thread may call it. */
    @Override
    public Task<Void> closeAsync() {
        executor.shutdown();
        return Task.done();
    }
}
