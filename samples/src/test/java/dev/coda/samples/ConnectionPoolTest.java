package dev.coda.samples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.coda.Task;
import java.util.Map;
import java.util.concurrent.CancellationException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The pool of one connection of a two-account bank, borrowed from this thread. */
@Timeout(60)
class ConnectionPoolTest {
    private Bank bank;
    private ConnectionPool pool;

    @BeforeEach
    void open() {
        bank = Bank.open(2, 100, 1).join();
        pool = bank.pool();
    }

    @AfterEach
    void close() throws InterruptedException {
        bank.closeAsync().join();
        Threads.assertNoneAlive("coda-db-");
    }

    @Test
    void aBorrowerWaitsForTheConnectionAndGetsItWhenItComesBack() {
        PooledConnection first = pool.acquire().join();
        assertEquals(0, pool.idle());

        Task<PooledConnection> second = pool.acquire();
        assertFalse(second.isDone(), "every connection is lent");
        assertEquals(1, pool.waiting());

        first.closeAsync().join();
        assertTrue(second.isDone(), "the returned connection went to the waiter");
        assertEquals(0, pool.waiting());
        assertEquals(0, pool.idle());
        assertNotSame(first, second.join(), "a new loan");

        first.closeAsync().join();
        assertEquals(0, pool.idle(), "a second close of the first loan returns nothing");
        second.join().closeAsync().join();
        assertEquals(1, pool.idle());
    }

    @Test
    void aCancelledWaitLeavesTheQueueAndTheConnectionGoesBackToIdle() {
        PooledConnection held = pool.acquire().join();
        Task<PooledConnection> waiting = pool.acquire();

        assertTrue(waiting.cancel());
        assertTrue(waiting.isCancelled());
        assertEquals(0, pool.waiting());

        held.closeAsync().join();
        assertEquals(1, pool.idle(), "nobody waits for it any more");
    }

    @Test
    void aTransferCancelledWhileItWaitsForAConnectionMovesNothing() {
        PooledConnection held = pool.acquire().join();
        Task<Void> transfer = bank.transfer(1, 2, 10);
        assertFalse(transfer.isDone(), "it waits for the connection");
        assertEquals(1, pool.waiting());

        transfer.cancel();
        assertThrows(CancellationException.class, transfer::join);
        assertEquals(0, pool.waiting(), "its wait was cancelled with it");

        held.closeAsync().join();
        assertEquals(1, pool.idle());
        assertEquals(Map.of(1, 100L, 2, 100L), bank.balances().join());
    }

    @Test
    void aReturnedLoanCannotRunStatements() {
        PooledConnection loan = pool.acquire().join();
        loan.closeAsync().join();

        ExecutionException e = assertThrows(ExecutionException.class,
                () -> loan.update("UPDATE account SET balance = 0").get(10, TimeUnit.SECONDS));
        assertInstanceOf(IllegalStateException.class, e.getCause());
        assertEquals(Map.of(1, 100L, 2, 100L), bank.balances().join());
    }

    @Test
    void aClosedPoolFailsItsWaitersAndLendsNothingMore() {
        PooledConnection held = pool.acquire().join();
        Task<PooledConnection> waiting = pool.acquire();

        pool.closeAsync().join();
        assertInstanceOf(IllegalStateException.class, assertThrows(RuntimeException.class, waiting::join));
        assertInstanceOf(IllegalStateException.class, assertThrows(RuntimeException.class, () -> pool.acquire().join()));
        held.closeAsync().join(); // after the close: nothing to take back
        assertEquals(0, pool.idle());
    }
}
