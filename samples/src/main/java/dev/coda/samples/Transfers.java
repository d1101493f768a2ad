package dev.coda.samples;

import static dev.coda.Coda.await;

import dev.coda.Async;
import dev.coda.Coda;
import dev.coda.Owned;
import dev.coda.Task;
import dev.coda.samples.Midway.InjectedFailure;
import java.io.PrintStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeoutException;

/**
 * The {@code db} sample: transfers between the accounts of a {@link Bank}, all started at once over a pool of fewer
 * connections, so most of them wait for one. Some fail after their debit; some stall after it and are cancelled by a
 * timeout. Each of those rolls its debit back, so the balances still add up, and every connection is back in the pool
 * at the end.
 */
public final class Transfers {
    static final int ACCOUNTS = 5;
    static final long INITIAL_BALANCE = 1_000;
    static final int CONNECTIONS = 4;
    static final int TRANSFERS = 30;
    /** A stalled transfer would pause this long mid-transaction... */
    static final Duration STALL = Duration.ofSeconds(30);
    /** ...but is cancelled after this. */
    static final Duration STALL_LIMIT = Duration.ofMillis(200);

    private Transfers() {}

    enum Plan { COMMIT, FAIL, STALL }

    enum Outcome { COMMITTED, FAILED, TIMED_OUT }

    /** What the sample did: how each transfer ended, the balances after them all, and the pool at the end. */
    public record Result(List<Outcome> outcomes, Map<Integer, Long> balances, int idleConnections, int connections) {
        public int count(Outcome outcome) {
            return Collections.frequency(outcomes, outcome);
        }

        public long sum() {
            return balances.values().stream().mapToLong(Long::longValue).sum();
        }
    }

    public static Result run(PrintStream out) {
        Result result = runAll().join();
        out.println(TRANSFERS + " transfers between " + ACCOUNTS + " accounts over " + CONNECTIONS + " pooled connections");
        out.println("  committed:   " + result.count(Outcome.COMMITTED));
        out.println("  rolled back: " + result.count(Outcome.FAILED) + " after a failure mid-transaction, "
                + result.count(Outcome.TIMED_OUT) + " cancelled mid-transaction by a " + STALL_LIMIT.toMillis()
                + " ms timeout");
        out.println("balances: " + result.balances() + ", sum " + result.sum() + " (" + ACCOUNTS + " x "
                + INITIAL_BALANCE + " at the start)");
        out.println("pool: " + result.idleConnections() + " of " + result.connections() + " connections idle");
        return result;
    }

    @Async
    static Task<Result> runAll() {
        @Owned Bank bank = await(Bank.open(ACCOUNTS, INITIAL_BALANCE, CONNECTIONS));
        Random random = new Random(20261206);
        List<Task<Outcome>> attempts = new ArrayList<>();
        for (int i = 0; i < TRANSFERS; i++) {
            int from = 1 + random.nextInt(ACCOUNTS);
            int to = 1 + (from + random.nextInt(ACCOUNTS - 1)) % ACCOUNTS; // any account but from
            long amount = 1 + random.nextInt(100);
            Plan plan = i % 5 == 1 ? Plan.FAIL : i % 7 == 3 ? Plan.STALL : Plan.COMMIT;
            attempts.add(attempt(bank, from, to, amount, plan));
        }
        List<Outcome> outcomes = await(Task.all(attempts));
        Map<Integer, Long> balances = await(bank.balances());
        return Task.completed(new Result(outcomes, balances, bank.pool().idle(), bank.pool().total()));
    }

    /**
     * One transfer, and how it ended. A failure or a timeout is an outcome here, not an exception, so that
     * {@code Task.all} does not cancel the other transfers.
     */
    @Async
    static Task<Outcome> attempt(Bank bank, int from, int to, long amount, Plan plan) {
        try {
            switch (plan) {
                case FAIL:
                    await(bank.transfer(from, to, amount, Midway.failing(new InjectedFailure("injected after the debit"))));
                    break;
                case STALL:
                    await(Coda.timeout(STALL_LIMIT, () -> bank.transfer(from, to, amount, Midway.pause(STALL))));
                    break;
                default:
                    await(bank.transfer(from, to, amount));
            }
            return Task.completed(Outcome.COMMITTED);
        } catch (InjectedFailure e) {
            return Task.completed(Outcome.FAILED);
        } catch (Exception e) {
            if (!(e instanceof TimeoutException)) throw e;
            return Task.completed(Outcome.TIMED_OUT);
        }
    }
}
