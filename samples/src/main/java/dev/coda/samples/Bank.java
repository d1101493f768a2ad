package dev.coda.samples;

import static dev.coda.Coda.await;

import dev.coda.Async;
import dev.coda.AsyncCloseable;
import dev.coda.Coda;
import dev.coda.Owned;
import dev.coda.Task;
import io.r2dbc.h2.H2ConnectionConfiguration;
import io.r2dbc.h2.H2ConnectionFactory;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Accounts in an H2 database held in memory, in this JVM, reached over R2DBC through a {@link ConnectionPool}.
 * {@link #transfer} moves money between two accounts in one transaction. Closing the bank closes the connections,
 * which drops the database with the last of them, and ends the database's threads.
 */
public final class Bank implements AsyncCloseable {
    private static final String CREATE_TABLE = "CREATE TABLE account (id INT PRIMARY KEY, balance BIGINT NOT NULL)";
    private static final String INSERT_ACCOUNT = "INSERT INTO account (id, balance) VALUES ($1, $2)";
    private static final String LOCK_BALANCE = "SELECT balance FROM account WHERE id = $1 FOR UPDATE";
    private static final String DEBIT = "UPDATE account SET balance = balance - $1 WHERE id = $2";
    private static final String CREDIT = "UPDATE account SET balance = balance + $1 WHERE id = $2";
    private static final String BALANCES = "SELECT id, balance FROM account ORDER BY id";

    /** Each bank has a database of its own. */
    private static final AtomicInteger DATABASES = new AtomicInteger();

    private final DatabaseThreads threads;
    private final ConnectionPool pool;
    private final AtomicBoolean closed = new AtomicBoolean();

    private Bank(DatabaseThreads threads, ConnectionPool pool) {
        this.threads = threads;
        this.pool = pool;
    }

    /** A new database with accounts 1 to {@code accounts}, each holding {@code balance}, and a pool of {@code connections}. */
    @Async
    public static Task<Bank> open(int accounts, long balance, int connections) {
        H2ConnectionFactory database = new H2ConnectionFactory(H2ConnectionConfiguration.builder()
                .inMemory("bank-" + DATABASES.incrementAndGet())
                .username("sa")
                .property("LOCK_TIMEOUT", "10000") // ms a statement waits for a row lock; H2's default is 2 s
                .build());
        // Owned until the bank takes them over: if a step fails, what was opened is closed.
        @Owned DatabaseThreads threads = new DatabaseThreads();
        @Owned ConnectionPool pool = await(ConnectionPool.open(database, connections, threads));
        await(createAccounts(pool, accounts, balance));
        return Task.completed(new Bank(Coda.move(threads), Coda.move(pool)));
    }

    @Async
    private static Task<Void> createAccounts(ConnectionPool pool, int accounts, long balance) {
        @Owned PooledConnection c = await(pool.acquire());
        await(c.update(CREATE_TABLE));
        for (int id = 1; id <= accounts; id++) {
            await(c.update(INSERT_ACCOUNT, id, balance));
        }
        return Task.done();
    }

    public ConnectionPool pool() {
        return pool;
    }

    public Task<Void> transfer(int from, int to, long amount) {
        return transfer(from, to, amount, Midway.NOTHING);
    }

    /**
     * Moves {@code amount} from account {@code from} to account {@code to} in one transaction: reads both balances,
     * debits {@code from}, runs {@code midway}, credits {@code to}. The transaction's drop commits after a normal exit
     * and rolls the debit back after a failure or a cancellation; the connection goes back to the pool on every exit.
     */
    @Async
    public Task<Void> transfer(int from, int to, long amount, Midway midway) {
        if (from == to || amount <= 0) {
            throw new IllegalArgumentException("transfer of " + amount + " from " + from + " to " + to);
        }
        @Owned PooledConnection c = await(pool.acquire());
        @Owned Transaction tx = await(Transaction.begin(c));
        // Both rows are locked, the lower id first: two transfers between the same accounts in opposite directions
        // would otherwise each lock one row and wait for the other.
        long first = await(lockBalance(c, Math.min(from, to)));
        long second = await(lockBalance(c, Math.max(from, to)));
        long available = from < to ? first : second;
        if (available < amount) {
            throw new IllegalStateException("account " + from + " holds " + available + ", less than " + amount);
        }
        await(c.update(DEBIT, amount, from));
        await(midway.between());
        await(c.update(CREDIT, amount, to));
        return Task.done(); // the drops commit tx, then return c to the pool
    }

    @Async
    private static Task<Long> lockBalance(PooledConnection c, int account) {
        List<Long> balance = await(c.query(LOCK_BALANCE, row -> row.get(0, Long.class), account));
        if (balance.isEmpty()) throw new IllegalArgumentException("no account " + account);
        return Task.completed(balance.get(0));
    }

    /** Every account's balance, by id. */
    @Async
    public Task<Map<Integer, Long>> balances() {
        @Owned PooledConnection c = await(pool.acquire());
        List<Map.Entry<Integer, Long>> rows = await(c.query(BALANCES,
                row -> Map.entry(row.get("id", Integer.class), row.get("balance", Long.class))));
        Map<Integer, Long> balances = new TreeMap<>();
        for (Map.Entry<Integer, Long> row : rows) balances.put(row.getKey(), row.getValue());
        return Task.completed(balances);
    }

    /** Closes the pool's connections, then lets the database's threads end; a second call does nothing. */
    @Override
    public Task<Void> closeAsync() {
        return closed.compareAndSet(false, true) ? shutDown() : Task.done();
    }

    @Async
    private Task<Void> shutDown() {
        try {
            await(pool.closeAsync());
        } finally {
            await(threads.closeAsync());
        }
        return Task.done();
    }
}
