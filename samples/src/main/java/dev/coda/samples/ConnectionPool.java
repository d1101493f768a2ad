package dev.coda.samples;

import static dev.coda.Coda.await;

import dev.coda.Async;
import dev.coda.AsyncCloseable;
import dev.coda.Coda;
import dev.coda.CompletableTask;
import dev.coda.Owned;
import dev.coda.Task;
import io.r2dbc.spi.Connection;
import io.r2dbc.spi.ConnectionFactory;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;

/**
 * A fixed number of R2DBC connections, each lent to one borrower at a time. {@link #acquire()} lends an idle
 * connection at once; when every one is lent, the borrower waits, without blocking a thread, until one comes back.
 * Connections go to waiters in the order they came. The loan is a {@link PooledConnection}, whose close returns the
 * connection, so a borrower holds it as {@code @Owned PooledConnection c = await(pool.acquire());} and it comes back
 * on every exit, cancellation included.
 */
public final class ConnectionPool implements AsyncCloseable {
    private final DatabaseThreads threads;
    private final List<Connection> connections = new ArrayList<>();
    private final Deque<Connection> idle = new ArrayDeque<>();
    private final Deque<CompletableTask<PooledConnection>> waiters = new ArrayDeque<>();
    private boolean closed;

    private ConnectionPool(DatabaseThreads threads) {
        this.threads = threads;
    }

    /** Opens {@code size} connections; their statements run on {@code threads}. */
    @Async
    public static Task<ConnectionPool> open(ConnectionFactory factory, int size, DatabaseThreads threads) {
        @Owned ConnectionPool pool = new ConnectionPool(threads); // if an open fails, closes those already opened
        for (int i = 0; i < size; i++) {
            pool.add(await(threads.first(factory::create)));
        }
        return Task.completed(Coda.move(pool));
    }

    private synchronized void add(Connection connection) {
        connections.add(connection);
        idle.add(connection);
    }

    /**
     * A loan of a connection: completed at once if one is idle, else when one is returned. Cancelling the task
     * while it waits takes it out of the queue. Called in an async function, a waiting task is that function's
     * child, so cancelling the function cancels the wait; and a connection handed over just as the function is
     * cancelled is a value in transit, which Coda closes, returning it here.
     */
    public Task<PooledConnection> acquire() {
        CompletableTask<PooledConnection> waiter;
        synchronized (this) {
            if (closed) return Task.failed(new IllegalStateException("the connection pool is closed"));
            Connection connection = idle.poll();
            if (connection != null) return Task.completed(new PooledConnection(this, connection, threads));
            waiter = new CompletableTask<>();
            waiters.add(waiter);
        }
        waiter.onCancel(() -> {
            synchronized (this) {
                waiters.remove(waiter);
            }
        });
        return waiter;
    }

    /** Takes {@code connection} back: to the longest waiter, or among the idle ones. */
    void release(Connection connection) {
        while (true) {
            CompletableTask<PooledConnection> next;
            synchronized (this) {
                if (closed) return; // closed already, with the others
                next = waiters.poll();
                if (next == null) {
                    idle.add(connection);
                    return;
                }
            }
            // Outside the lock: completing the task resumes its borrower. It fails only if the borrower was
            // cancelled meanwhile (its hook is about to remove a waiter no longer there): try the next one.
            if (next.complete(new PooledConnection(this, connection, threads))) return;
        }
    }

    /** Connections not lent. */
    public synchronized int idle() {
        return idle.size();
    }

    /** Connections in the pool, lent or not. */
    public synchronized int total() {
        return connections.size();
    }

    /** Borrowers waiting for a connection. */
    public synchronized int waiting() {
        return waiters.size();
    }

    /**
     * Closes every connection, lent or not (so close the pool once the loans are back); the borrowers still
     * waiting fail with {@link IllegalStateException}, and so does a later {@link #acquire()}.
     */
    @Override
    public Task<Void> closeAsync() {
        List<CompletableTask<PooledConnection>> stranded;
        List<Connection> all;
        synchronized (this) {
            if (closed) return Task.done();
            closed = true;
            idle.clear();
            stranded = List.copyOf(waiters);
            waiters.clear();
            all = List.copyOf(connections);
        }
        for (CompletableTask<PooledConnection> waiter : stranded) {
            waiter.completeExceptionally(new IllegalStateException("the connection pool was closed"));
        }
        return closeEach(all);
    }

    @Async
    private Task<Void> closeEach(List<Connection> all) {
        for (Connection connection : all) {
            await(threads.first(connection::close));
        }
        return Task.done();
    }
}
