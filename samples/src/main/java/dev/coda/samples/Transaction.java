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
 * await(tx.commit());
 * }</pre>
 * A close is not told how its scope ended, so the function commits explicitly, as its last step, and the drop rolls
 * back whatever was not committed: after an exception, a cancellation, or a return before the commit. After a
 * commit the drop does nothing.
 */
public final class Transaction implements AsyncCloseable {
    private final PooledConnection connection;
    private volatile boolean committed;
    private final AtomicBoolean closed = new AtomicBoolean();

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

    /**
     * Commits the transaction. Only a commit that completed counts: one that failed, or was cancelled before it ran,
     * leaves the rollback to the drop. (A cancellation that comes while the COMMIT runs cannot take it back: the
     * function then ends cancelled with its work committed, as with any database.)
     */
    @Async
    public Task<Void> commit() {
        if (committed || closed.get()) throw new IllegalStateException("the transaction has ended");
        await(connection.commitTransaction());
        committed = true;
        return Task.done();
    }

    /** Rolls back unless committed; a second call does nothing. */
    @Override
    public Task<Void> closeAsync() {
        if (!closed.compareAndSet(false, true) || committed) return Task.done();
        return Task.from(connection.rollbackTransaction());
    }
}
