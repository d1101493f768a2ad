package dev.coda.tests.cancel;

import java.util.ArrayList;
import java.util.List;

/**
 * Daemon threads that each run their action once per round, all released together, for the race tests: the test
 * sets a round up, calls {@link #run}, then checks what the actions did.
 */
final class RaceWorkers implements AutoCloseable {
    private final List<Thread> threads = new ArrayList<>();
    private volatile int round;
    private volatile int finished;
    private volatile Throwable thrown;

    /** Starts a worker named {@code name} that runs {@code action} once per round. */
    RaceWorkers add(String name, Runnable action) {
        Thread t = new Thread(() -> {
            int seen = 0;
            while (true) {
                int r;
                while ((r = round) == seen) Thread.yield();
                if (r < 0) return;
                seen = r;
                try {
                    action.run();
                } catch (Throwable e) {
                    thrown = e;
                    return;
                }
                synchronized (this) {
                    finished++;
                }
            }
        }, name);
        t.setDaemon(true);
        t.start();
        threads.add(t);
        return this;
    }

    /** Releases every worker for round {@code i} (from 1, increasing) and waits until each has run its action. */
    void run(int i) {
        finished = 0;
        round = i;
        while (finished < threads.size()) {
            if (thrown != null) throw new AssertionError("round " + i + ": a worker threw", thrown);
            Thread.yield(); // the workers and this thread on what may be two cores: spinning would starve a worker
        }
    }

    @Override
    public void close() {
        round = -1;
        for (Thread t : threads) t.interrupt();
    }
}
