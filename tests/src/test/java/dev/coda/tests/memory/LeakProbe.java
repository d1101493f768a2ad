package dev.coda.tests.memory;

import static dev.coda.Coda.await;

import dev.coda.Async;
import dev.coda.Task;
import java.lang.management.ManagementFactory;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * Run in a JVM of its own by {@link NothingLeftBehindTest}: abandons waits on long-lived tasks many times and prints
 * the heap in use after a full collection, before and after, as {@code name=bytes} lines.
 */
public final class LeakProbe {
    private LeakProbe() {}

    @Async
    static Task<String> waitFor(Task<String> shutdown) {
        return Task.completed(await(shutdown));
    }

    @Async
    static Task<Integer> work(int i) {
        return Task.completed(await(Task.completed(i)));
    }

    /** Each round races a finished piece of work against a view of the shutdown signal, which loses. */
    @Async
    static Task<Integer> raceShutdown(int rounds, CompletableFuture<String> shutdown, long[] heap) {
        int sum = 0;
        for (int i = 0; i < rounds; i++) {
            if (i == rounds / 10) heap[0] = usedAfterGc();
            sum += (Integer) await(Task.<Object>any(List.of(work(i), Task.from(shutdown))));
        }
        heap[1] = usedAfterGc();
        return Task.completed(sum);
    }

    public static void main(String[] args) {
        switch (args[0]) {
            case "waiters": {
                int n = Integer.parseInt(args[1]);
                Task<String> shutdown = Task.from(new CompletableFuture<>());
                long before = usedAfterGc();
                long suspended = suspendThenCancel(n, shutdown);
                long after = usedAfterGc();
                System.out.println("before=" + before);
                System.out.println("suspended=" + suspended);
                System.out.println("after=" + after);
                System.out.println("shutdown=" + shutdown.isDone()); // keeps the shared task reachable to the end
                break;
            }
            case "any": {
                int rounds = Integer.parseInt(args[1]);
                CompletableFuture<String> shutdown = new CompletableFuture<>();
                long[] heap = new long[2];
                int sum = raceShutdown(rounds, shutdown, heap).join();
                System.out.println("early=" + heap[0]);
                System.out.println("late=" + heap[1]);
                System.out.println("sum=" + sum + " shutdown=" + shutdown.isDone());
                break;
            }
            default:
                throw new IllegalArgumentException(args[0]);
        }
    }

    /**
     * Suspends {@code n} coroutines on {@code shutdown}, measures, cancels them oldest first (the far end of the
     * waiter chain), and returns the measure. The tasks live in this frame only, so that nothing of the caller's
     * (a loop's hidden copy of the array, kept by compiled code) can hold them when the caller measures again.
     */
    private static long suspendThenCancel(int n, Task<String> shutdown) {
        Task<?>[] waiting = new Task<?>[n];
        for (int i = 0; i < n; i++) waiting[i] = waitFor(shutdown);
        long suspended = usedAfterGc();
        for (Task<?> t : waiting) t.cancel();
        for (Task<?> t : waiting) if (!t.isCancelled()) throw new AssertionError("not cancelled: " + t);
        return suspended;
    }

    static long usedAfterGc() {
        long used = Long.MAX_VALUE;
        for (int i = 0; i < 4; i++) {
            System.gc();
            used = Math.min(used, ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed());
        }
        return used;
    }
}
