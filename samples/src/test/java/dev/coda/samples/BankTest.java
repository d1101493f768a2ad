package dev.coda.samples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.coda.CompletableTask;
import dev.coda.Task;
import dev.coda.samples.Midway.InjectedFailure;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A thousand transfers, a few dozen at a time over four connections: a third commit, a third fail after their debit,
 * a third are cancelled after their debit. Only the committed ones change the balances, and every connection is
 * back in the pool at the end.
 */
@Timeout(120)
class BankTest {
    private static final int ACCOUNTS = 6;
    private static final long INITIAL_BALANCE = 1_000_000; // more than all the transfers could take from one account
    private static final int CONNECTIONS = 4;
    private static final int TRANSFERS = 1_000;
    private static final int AT_ONCE = 24;

    private enum Fate { COMMIT, FAIL, CANCEL }

    /** A transfer under way, and what the test expects of it. */
    private record Started(int from, int to, long amount, Fate fate, Task<Void> task, InjectedFailure failure,
                           CompletableFuture<Void> debited) {}

    @Test
    void onlyCommittedTransfersMoveMoneyAndEveryConnectionComesBack() throws Exception {
        Bank bank = Bank.open(ACCOUNTS, INITIAL_BALANCE, CONNECTIONS).join();
        try {
            Map<Integer, Long> expected = new TreeMap<>();
            for (int id = 1; id <= ACCOUNTS; id++) expected.put(id, INITIAL_BALANCE);
            Random random = new Random(20261206);
            int committed = 0;
            int mostWaiting = 0;
            for (int first = 0; first < TRANSFERS; first += AT_ONCE) {
                List<Started> batch = new ArrayList<>();
                for (int i = first; i < Math.min(first + AT_ONCE, TRANSFERS); i++) {
                    batch.add(start(bank, i, random));
                }
                mostWaiting = Math.max(mostWaiting, bank.pool().waiting());
                for (Started s : batch) {
                    if (settle(s)) {
                        expected.merge(s.from(), -s.amount(), Long::sum);
                        expected.merge(s.to(), s.amount(), Long::sum);
                        committed++;
                    }
                }
            }

            assertTrue(mostWaiting > 0, "transfers waited for a connection");
            assertEquals(334, committed, "transfers 0, 3, 6... 999 commit");
            Map<Integer, Long> balances = bank.balances().join();
            assertEquals(expected, balances, "initial balances plus the committed transfers, and nothing else");
            assertEquals(ACCOUNTS * INITIAL_BALANCE, balances.values().stream().mapToLong(Long::longValue).sum());
            ConnectionPool pool = bank.pool();
            assertEquals(CONNECTIONS, pool.total());
            assertEquals(pool.total(), pool.idle(), "every connection is back in the pool");
            assertEquals(0, pool.waiting());
        } finally {
            bank.closeAsync().join();
        }
        Threads.assertNoneAlive("coda-db-");
    }

    private static Started start(Bank bank, int i, Random random) {
        int from = 1 + random.nextInt(ACCOUNTS);
        int to = 1 + (from + random.nextInt(ACCOUNTS - 1)) % ACCOUNTS; // any account but from
        long amount = 1 + random.nextInt(1_000);
        Fate fate = Fate.values()[i % 3];
        CompletableFuture<Void> debited = new CompletableFuture<>();
        switch (fate) {
            case FAIL: {
                InjectedFailure failure = new InjectedFailure("transfer " + i);
                Midway midway = () -> {
                    debited.complete(null);
                    throw failure;
                };
                return new Started(from, to, amount, fate, bank.transfer(from, to, amount, midway), failure, debited);
            }
            case CANCEL: {
                // Made in the transfer, the gate is its child: cancelling the transfer cancels the gate too.
                Midway midway = () -> {
                    debited.complete(null);
                    return new CompletableTask<Void>();
                };
                Task<Void> task = bank.transfer(from, to, amount, midway);
                // Cancelled once it has debited: from this thread if it got there already, else from the transfer
                // itself, between the debit and the gate, and delivered at the gate.
                debited.thenRun(task::cancel);
                return new Started(from, to, amount, fate, task, null, debited);
            }
            default: {
                Midway midway = () -> {
                    debited.complete(null);
                    return Task.done();
                };
                return new Started(from, to, amount, fate, bank.transfer(from, to, amount, midway), null, debited);
            }
        }
    }

    /** Waits for the transfer, checks it ended as planned, and says whether it committed. */
    private static boolean settle(Started s) {
        switch (s.fate()) {
            case FAIL:
                assertSame(s.failure(), assertThrows(InjectedFailure.class, s.task()::join));
                break;
            case CANCEL:
                assertThrows(CancellationException.class, s.task()::join);
                assertTrue(s.task().isCancelled());
                break;
            default:
                s.task().join();
        }
        assertTrue(s.debited().isDone(), "every transfer debited before it ended");
        return s.fate() == Fate.COMMIT;
    }
}
