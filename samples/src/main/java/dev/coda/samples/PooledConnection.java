package dev.coda.samples;

import dev.coda.AsyncCloseable;
import dev.coda.Task;
import io.r2dbc.spi.Connection;
import io.r2dbc.spi.Result;
import io.r2dbc.spi.Row;
import io.r2dbc.spi.Statement;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Function;
import reactor.core.publisher.Flux;

/**
 * One loan of a connection from a {@link ConnectionPool}, owned by its borrower:
 * {@code @Owned PooledConnection c = await(pool.acquire());}. Its close returns the connection to the pool, once.
 * Each loan is an object of its own, so a borrower that closes twice, or late, never returns a connection that
 * someone else holds by then.
 *
 * <p>Statements return futures to await directly: a cancellation delivered at such an await cancels the statement
 * if it has not started (see {@link DatabaseThreads#first}).
 */
public final class PooledConnection implements AsyncCloseable {
    private final ConnectionPool pool;
    private final Connection connection;
    private final DatabaseThreads threads;
    private final AtomicBoolean returned = new AtomicBoolean();

    PooledConnection(ConnectionPool pool, Connection connection, DatabaseThreads threads) {
        this.pool = pool;
        this.connection = connection;
        this.threads = threads;
    }

    /** How many rows {@code sql} changed; {@code $1}, {@code $2}... in it are bound to {@code args}. */
    public CompletableFuture<Long> update(String sql, Object... args) {
        return threads.first(() -> Flux.from(bound(sql, args).execute())
                .flatMap(Result::getRowsUpdated)
                .reduce(0L, Long::sum));
    }

    /** The rows {@code sql} selects, each made into a value by {@code reader}. */
    public <T> CompletableFuture<List<T>> query(String sql, Function<Row, T> reader, Object... args) {
        return threads.first(() -> Flux.from(bound(sql, args).execute())
                .flatMap(result -> result.map((row, metadata) -> reader.apply(row)))
                .collectList());
    }

    CompletableFuture<Void> beginTransaction() {
        return threads.first(() -> open().beginTransaction());
    }

    CompletableFuture<Void> commitTransaction() {
        return threads.first(() -> open().commitTransaction());
    }

    CompletableFuture<Void> rollbackTransaction() {
        return threads.first(() -> open().rollbackTransaction());
    }

    private Statement bound(String sql, Object[] args) {
        Statement statement = open().createStatement(sql);
        for (int i = 0; i < args.length; i++) statement.bind(i, args[i]);
        return statement;
    }

    /** The connection, while this loan holds it. */
    private Connection open() {
        if (returned.get()) throw new IllegalStateException("this connection was returned to its pool");
        return connection;
    }

    /** Returns the connection to the pool; a second call does nothing. */
    @Override
    public Task<Void> closeAsync() {
        if (returned.compareAndSet(false, true)) pool.release(connection);
        return Task.done();
    }
}
