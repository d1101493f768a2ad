package dev.coda.transformer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.coda.Task;
import dev.coda.transformer.support.Instrumented;
import java.lang.management.ManagementFactory;
import java.lang.reflect.Method;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * What an await costs: allocation per await and per suspending call (measured with the thread's allocation
 * counter), and stack depth when a long chain of awaits completes from a thread with a small stack.
 */
class CostTest {
    private static final com.sun.management.ThreadMXBean THREADS =
            (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();

    private static Instrumented code;
    private static Method loop;
        private static Method link;
    private static Method callAll;
    private static Method chain;

    @BeforeAll
    static void compile() throws Exception {
        code = Instrumented.compile("p/Cost.java", """
                package p;
                import dev.coda.*;
                public class Cost {
                    @Async public static Task<Long> loop(Task<Integer> done, int n) {
                        long sum = 0;
                        for (int i = 0; i < n; i++) sum += Coda.await(done);
                        return Task.completed(sum);
                    }
                    @Async public static Task<Integer> once(Task<Integer> pending) {
                        int v = Coda.await(pending);
                        return Task.completed(pending == null ? 0 : v);
                    }
                    /** Calls once() for each input, so the measurement sees no reflection allocation. */
                    public static void callAll(Task<Integer>[] in, Task<?>[] out) {
                        for (int i = 0; i < in.length; i++) out[i] = once(in[i]);
                    }
                    @Async public static Task<Integer> link(Task<Integer> next) {
                        return Task.completed(Coda.await(next) + 1);
                    }
                    @Async public static Task<Integer> chain(int depth, Task<Integer> leaf) {
                        if (depth == 0) return Task.completed(Coda.await(leaf));
                        int below = Coda.await(chain(depth - 1, leaf));
                        return Task.completed(below + 1);
                    }
                }
                """).requireClean();
        Class<?> c = code.load("p.Cost");
        loop = c.getMethod("loop", Task.class, int.class);
        link = c.getMethod("link", Task.class);
        callAll = c.getMethod("callAll", Task[].class, Task[].class);
        chain = c.getMethod("chain", int.class, Task.class);
    }

    private static long allocated() {
        return THREADS.getThreadAllocatedBytes(Thread.currentThread().getId());
    }

    @Test
    void awaitingCompletedTasksAllocatesNothingPerAwait() throws Exception {
        Task<Integer> done = Task.completed(1);
        for (int i = 0; i < 20; i++) loop.invoke(null, done, 100_000); // warm up: interpreter and JIT alike
        long baseline = Long.MAX_VALUE;
        long million = Long.MAX_VALUE;
        for (int round = 0; round < 5; round++) {
            long a0 = allocated();
            Task<?> t0 = (Task<?>) loop.invoke(null, done, 0);
            long a1 = allocated();
            Task<?> t1 = (Task<?>) loop.invoke(null, done, 1_000_000);
            long a2 = allocated();
            assertEquals(0L, t0.join());
            assertEquals(1_000_000L, t1.join());
            baseline = Math.min(baseline, a1 - a0);
            million = Math.min(million, a2 - a1);
        }
        System.out.printf("allocation: async call with 0 awaits %d B, with 1,000,000 completed awaits %d B%n",
                baseline, million);
        // The same call, a million awaits later, allocates the same: nothing per await (a few bytes of slack
        // cover a boxed result that falls outside the Long cache).
        assertTrue(million - baseline <= 64, "per-await allocation: " + (million - baseline) + " B over 1,000,000 awaits");
    }

    @Test
    void aSuspendingCallAllocatesOneStateMachine() throws Exception {
        int calls = 10_000;
        CompletableFuture<Integer>[] futures = new CompletableFuture[calls];
        Task<Integer>[] pending = new Task[calls];
        Task<?>[] results = new Task[calls];
        for (int round = 0; round < 3; round++) {
            for (int i = 0; i < calls; i++) {
                futures[i] = new CompletableFuture<>();
                pending[i] = Task.from(futures[i]);
            }
            long a0 = allocated();
            callAll.invoke(null, pending, results);
            long a1 = allocated();
            for (int i = 0; i < calls; i++) futures[i].complete(7);
            long a2 = allocated();
            for (int i = 0; i < calls; i++) assertEquals(7, results[i].join());
            if (round == 2) {
                long perCall = (a1 - a0) / calls;
                long perResume = (a2 - a1) / calls;
                System.out.printf("allocation: suspending call %d B (state machine %s), completion and resumption %d B%n",
                        perCall, results[0].getClass().getSimpleName(), perResume);
                // One state-machine object, 48 bytes with compressed references: a 12-byte header; the task's
                // state word, outcome and waiters; the parent and the next older sibling; what the suspension
                // awaits, and the newest child or the end's record; the generated state label and one spilled
                // reference. Nothing for registering as a waiter.
                assertTrue(perCall <= 48, "bytes per suspending call: " + perCall);
                // Resuming and completing allocates nothing in the coroutine (the value 7 is a cached Integer);
                // the bytes here belong to CompletableFuture's own completion machinery.
                assertTrue(perResume <= 64, "bytes per resumption: " + perResume);
            }
        }
    }

    @Test
    void chainOf20000AwaitsCompletesOnA256KiBStack() throws Exception {
        CompletableFuture<Integer> leaf = new CompletableFuture<>();
        Task<Integer> t = Task.from(leaf);
        for (int i = 0; i < 20_000; i++) {
            @SuppressWarnings("unchecked")
            Task<Integer> next = (Task<Integer>) link.invoke(null, t);
            t = next;
        }
        assertFalse(t.isDone());
        assertEquals(20_000, completeOnSmallStack(leaf, t));
    }

    @Test
    void recursiveChainOf20000CallsCompletesOnA256KiBStack() throws Throwable {
        CompletableFuture<Integer> leaf = new CompletableFuture<>();
        AtomicReference<Object> started = new AtomicReference<>();
        // Starting 20,000 nested calls is ordinary recursion and needs a deep stack; completing them must not.
        Thread starter = new Thread(null, () -> {
            try {
                started.set(chain.invoke(null, 20_000, Task.from(leaf)));
            } catch (Throwable e) {
                started.set(e);
            }
        }, "deep-starter", 512L * 1024 * 1024);
        starter.start();
        starter.join();
        if (started.get() instanceof Throwable) throw (Throwable) started.get();
        @SuppressWarnings("unchecked")
        Task<Integer> top = (Task<Integer>) started.get();
        assertFalse(top.isDone());
        assertEquals(20_000, completeOnSmallStack(leaf, top));
    }

    private static int completeOnSmallStack(CompletableFuture<Integer> leaf, Task<Integer> top) throws Exception {
        AtomicReference<Throwable> failure = new AtomicReference<>();
        Thread completer = new Thread(null, () -> {
            try {
                leaf.complete(0);
            } catch (Throwable e) {
                failure.set(e);
            }
        }, "small-stack", 256 * 1024);
        completer.start();
        completer.join();
        if (failure.get() != null) throw new AssertionError("completing the leaf failed", failure.get());
        assertTrue(top.isDone());
        return top.join();
    }
}
