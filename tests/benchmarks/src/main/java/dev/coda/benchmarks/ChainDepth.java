package dev.coda.benchmarks;

import static dev.coda.Coda.await;

import dev.coda.Async;
import dev.coda.PendingTasks;
import dev.coda.Task;

/**
 * The stack a chain of nested async calls needs: {@code chain(n)} awaits {@code chain(n - 1)}, and
 * {@code chain(0)} awaits a pending task. Not a JMH benchmark; it prints:
 * <ul>
 *   <li>the deepest chain that can be <em>started</em> on a thread with a 256 KiB stack, found by bisection. A call
 *       runs its body on the caller's stack until it first suspends, so starting the chain nests every level's
 *       frames. Each trial runs on a fresh thread; it fits if no level overflowed and completing the pending task
 *       then gives the right value. Measured once before a warm-up (mostly interpreted frames, which are larger)
 *       and three times after it (compiled frames, whose size depends on what the JIT inlined);</li>
 *   <li>that <em>completing</em> a chain takes constant stack: a chain of 20,000 calls, started on a thread with a
 *       1 GiB stack, completed from a thread with a 256 KiB stack, where each level's resumption would overflow if
 *       resumptions nested.</li>
 * </ul>
 * Run: {@code java -cp tests/benchmarks/target/coda-benchmarks.jar dev.coda.benchmarks.ChainDepth}.
 */
public final class ChainDepth {
    static final long SMALL_STACK = 256 * 1024;
    static final long LARGE_STACK = 1L << 30;
    static final int LONG_CHAIN = 20_000;

    private ChainDepth() {}

    @Async
    static Task<Integer> chain(int n, Task<Integer> gate) {
        if (n == 0) return Task.completed(await(gate));
        return Task.completed(await(chain(n - 1, gate)) + 1);
    }

    public static void main(String[] args) throws InterruptedException {
        System.out.printf("JVM %s, %s%n", Runtime.version(), System.getProperty("java.vm.name"));
        report("before warm-up", deepestStart());
        warmUp();
        for (int round = 1; round <= 3; round++) report("after warm-up, round " + round, deepestStart());
        completeLongChain();
    }

    private static void report(String when, int deepest) {
        // 256 KiB over the depth: an upper bound, since the JVM's guard pages take part of the stack.
        System.out.printf("deepest chain started on a 256 KiB stack, %s: %,d calls (at most %,d B of stack each)%n",
                when, deepest, deepest == 0 ? 0 : SMALL_STACK / deepest);
    }

    /** Chains of 100, started and completed 10,000 times on the main thread. */
    private static void warmUp() {
        for (int i = 0; i < 10_000; i++) {
            Task<Integer> gate = PendingTasks.pending();
            Task<Integer> top = chain(100, gate);
            PendingTasks.complete(gate, i);
            if (top.join() != i + 100) throw new AssertionError("warm-up: wrong value");
        }
    }

    /** The largest n for which {@link #startsOnSmallStack} holds, by doubling and then bisection. */
    private static int deepestStart() throws InterruptedException {
        int fits = 0;
        int fails = 64;
        while (startsOnSmallStack(fails)) {
            fits = fails;
            fails *= 2;
            if (fails > LONG_CHAIN * 64) throw new IllegalStateException("no overflow at " + fails + " calls");
        }
        while (fails - fits > 1) {
            int mid = (fits + fails) >>> 1;
            if (startsOnSmallStack(mid)) fits = mid;
            else fails = mid;
        }
        return fits;
    }

    /** Whether a chain of n starts, and then completes, on a fresh thread with a 256 KiB stack. */
    private static boolean startsOnSmallStack(int n) throws InterruptedException {
        boolean[] fits = new boolean[1];
        Throwable[] unexpected = new Throwable[1];
        Thread t = new Thread(null, () -> {
            Task<Integer> gate = PendingTasks.pending();
            try {
                Task<Integer> top = chain(n, gate);
                if (top.isDone()) return; // a level overflowed: its failure went up the chain
                PendingTasks.complete(gate, 0);
                fits[0] = top.join() == n;
            } catch (StackOverflowError e) {
                // thrown outside every body: not a fit either
            } catch (Throwable e) {
                unexpected[0] = e;
            }
        }, "chain-" + n, SMALL_STACK);
        t.start();
        t.join();
        if (unexpected[0] != null) throw new IllegalStateException("chain of " + n, unexpected[0]);
        return fits[0];
    }

    private static void completeLongChain() throws InterruptedException {
        Task<Integer> gate = PendingTasks.pending();
        @SuppressWarnings("unchecked")
        Task<Integer>[] top = new Task[1];
        Thread builder = new Thread(null, () -> top[0] = chain(LONG_CHAIN, gate), "build", LARGE_STACK);
        builder.start();
        builder.join();
        if (top[0] == null || top[0].isDone()) {
            System.out.printf("could not start a chain of %,d calls on a 1 GiB stack: %s%n", LONG_CHAIN, top[0]);
            return;
        }
        Throwable[] thrown = new Throwable[1];
        long[] nanos = new long[1];
        Thread completer = new Thread(null, () -> {
            long start = System.nanoTime();
            try {
                PendingTasks.complete(gate, 0);
            } catch (Throwable e) {
                thrown[0] = e;
            }
            nanos[0] = System.nanoTime() - start;
        }, "complete", SMALL_STACK);
        completer.start();
        completer.join();
        if (thrown[0] != null) {
            System.out.printf("completing a chain of %,d calls on a 256 KiB stack threw %s%n", LONG_CHAIN, thrown[0]);
        } else if (!top[0].isDone()) {
            System.out.printf("completing a chain of %,d calls on a 256 KiB stack left it pending: %s%n",
                    LONG_CHAIN, top[0]);
        } else if (!top[0].isCancelled() && PendingTasks.failureOf(top[0]) == null) {
            System.out.printf("completed a chain of %,d calls from a thread with a 256 KiB stack in %.1f ms: "
                    + "value %,d (expected %,d)%n", LONG_CHAIN, nanos[0] / 1e6, top[0].join(), LONG_CHAIN);
        } else {
            System.out.printf("completing a chain of %,d calls on a 256 KiB stack failed it: %s%n", LONG_CHAIN,
                    PendingTasks.failureOf(top[0]));
        }
    }
}
