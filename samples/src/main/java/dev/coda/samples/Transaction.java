package dev.coda.samples;

import static dev.coda.Coda.await;

import dev.coda.Async;
import dev.coda.AsyncCloseable;
import dev.coda.Coda;
import dev.coda.Owned;
import dev.coda.Task;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * A database transaction, owned by the async function that began it:
 * <pre>{@code
 * @Owned Transaction tx = await(Transaction.begin(c));
 * ... statements on c ...
 * }</pre>
 * Its drop commits when the function leaves the transaction's scope normally ({@link #closeAsync()}), and rolls back
 * when an exception or a cancellation ends it ({@link #abortAsync}). The drop is awaited and never interrupted: a
 * cancellation that comes while the COMMIT runs is not delivered there, so a transfer that committed reports
 * success, and one that reports cancelled or failed was rolled back.
 */
public final class Transaction implements AsyncCloseable {
    private final PooledConnection connection;
    private final AtomicBoolean ended = new AtomicBoolean();

    private Transaction(PooledConnection connection) {
        this.connection = connection;
    }

    @Async
    public static Task<Transaction> begin(PooledConnection connection) {
        // Owned before the BEGIN is awaited: cancelled there, it rolls back whatever the BEGIN did.
        @Owned Transaction tx = new Transaction(connection);
        await(connection.beginTransaction());
        return Task.completed(Coda.move(tx));
    }

    /** Commits: the owner's scope ended normally. A second call, or one after {@link #abortAsync}, does nothing. */
    @Override
    public Task<Void> closeAsync() {
        return ended.compareAndSet(false, true) ? Task.from(connection.commitTransaction()) : Task.done();
    }

    /** Rolls back: the owner's scope ended with {@code cause} in flight. A second call does nothing. */
    @Override
    public Task<Void> abortAsync(Throwable cause) {
        return ended.compareAndSet(false, true) ? Task.from(connection.rollbackTransaction()) : Task.done();
    }
}
