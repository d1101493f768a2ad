package dev.coda.transformer.constructs;

import static dev.coda.transformer.constructs.Driver.*;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.coda.Task;
import dev.coda.transformer.support.Instrumented;
import java.lang.reflect.Field;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The execution model: where and when the body runs, and that long chains of awaits do not grow the stack. */
class ExecutionModelTest {
    static Instrumented code;

    @BeforeAll
    static void compile() {
        code = program("Exec", """
                public static final List<Long> depths = new ArrayList<>();
                static long depth() { return StackWalker.getInstance().walk(s -> s.count()); }
                static String thread() { return Thread.currentThread().getName(); }

                @Async public static Task<String> sync(CompletableFuture<String> f) {
                    log("start on " + thread());
                    int a = await(Task.completed(1));
                    log("after completed await " + a + " on " + thread());
                    String s = await(f);
                    log("resumed on " + thread());
                    return Task.completed(s);
                }
                @Async public static Task<String> twoThreads(CompletableFuture<String> f, CompletableFuture<String> g) {
                    String a = await(f);
                    String t1 = thread();
                    String b = await(g);
                    return Task.completed(a + "@" + t1 + " " + b + "@" + thread());
                }
                @Async public static Task<Integer> noSuspend() {
                    int s = await(Task.completed(1));
                    s += await(CompletableFuture.completedFuture(2));
                    s += await(Task.done()) == null ? 3 : 0;
                    try { await(Task.failed(new IllegalStateException("x"))); } catch (IllegalStateException e) { s += 4; }
                    log("end");
                    return Task.completed(s);
                }
                @Async public static Task<Long> million(int n) {
                    long sum = 0;
                    Task<Integer> one = Task.completed(1);
                    for (int i = 0; i < n; i++) sum += await(i % 2 == 0 ? one : Task.completed(i));
                    return Task.completed(sum);
                }
                @Async public static Task<Long> drivenLoop(int n) {
                    long sum = 0;
                    for (int i = 0; i < n; i++) {
                        sum += await(later(i));
                        if (i == 1 || i == n / 2 || i == n - 1) depths.add(depth());
                    }
                    return Task.completed(sum);
                }
                @Async public static Task<Integer> link(Task<Integer> below) { return Task.completed(await(below) + 1); }
                public static Task<Integer> chain(int n, Task<Integer> leaf) {
                    Task<Integer> t = leaf;
                    for (int i = 0; i < n; i++) t = link(t);
                    return t;
                }
                @Async public static Task<String> visible(int id, CompletableFuture<Integer> f) {
                    int a = id * 3; long b = id * 7L; String s = "id" + id; int[] arr = {id}; double d = id / 2.0;
                    int v = await(f);
                    return Task.completed(a + ":" + b + ":" + s + ":" + arr[0] + ":" + d + ":" + v);
                }
                @Async public static Task<String> completer(CompletableFuture<String> f) {
                    log("A before " + await(later(0)));
                    f.complete("from A");
                    log("A after complete");
                    return Task.completed("A");
                }
                @Async public static Task<String> waiter(CompletableFuture<String> f) {
                    String v = await(f);
                    log("B resumed with " + v);
                    return Task.completed("B");
                }
                @Async public static Task<String> throwsAfterResume(CompletableFuture<String> f) {
                    String v = await(f);
                    throw new IllegalStateException("thrown after " + v);
                }
                """);
    }

    @BeforeEach
    void clean() {
        reset();
    }

    @SuppressWarnings("unchecked")
    static List<Long> depths() throws Exception {
        return (List<Long>) code.load("p.Exec").getField("depths").get(null);
    }

    @Test
    void bodyRunsOnTheCallersThreadUntilTheFirstSuspendingAwait() throws Throwable {
        String me = Thread.currentThread().getName();
        CompletableFuture<String> f = new CompletableFuture<>();
        Task<String> t = start(code, "Exec", "sync", f);
        log("call returned");
        assertFalse(t.isDone());
        Thread completer = new Thread(() -> f.complete("v"), "completer-thread");
        completer.start();
        completer.join();
        assertEquals("v", t.join());
        assertLog("start on " + me, "after completed await 1 on " + me, "call returned", "resumed on completer-thread");
    }

    @Test
    void eachResumptionRunsOnTheThreadThatCompletedTheAwaitedFuture() throws Throwable {
        CompletableFuture<String> f = new CompletableFuture<>();
        CompletableFuture<String> g = new CompletableFuture<>();
        Task<String> t = start(code, "Exec", "twoThreads", f, g);
        Thread a = new Thread(() -> f.complete("a"), "first");
        a.start();
        a.join();
        assertFalse(t.isDone());
        Thread b = new Thread(() -> g.complete("b"), "second");
        b.start();
        b.join();
        assertEquals("a@first b@second", t.join());
    }

    @Test
    void awaitingCompletedTasksDoesNotSuspend() throws Throwable {
        Task<Integer> t = start(code, "Exec", "noSuspend");
        log("returned");
        assertTrue(t.isDone());
        assertEquals(10, t.join());
        assertLog("end", "returned");
        Field state = t.getClass().getDeclaredField("state");
        state.setAccessible(true);
        assertEquals(0, state.getInt(t), "the state machine never recorded a suspension point");
    }

    @Test
    void millionCompletedAwaitsInALoopDoNotOverflow() throws Throwable {
        AtomicReference<Object> result = new AtomicReference<>();
        Thread small = new Thread(null, () -> {
            try {
                Task<Long> t = start(code, "Exec", "million", 1_000_000);
                result.set(t.isDone() ? t.join() : "pending");
            } catch (Throwable e) {
                result.set(e);
            }
        }, "small-stack", 256 * 1024);
        small.start();
        small.join();
        long expected = 0;
        for (int i = 0; i < 1_000_000; i++) expected += i % 2 == 0 ? 1 : i;
        assertEquals(expected, result.get());
    }

    @Test
    void hundredThousandDriverCompletedAwaitsDoNotGrowTheStack() throws Throwable {
        depths().clear();
        Task<Long> t = start(code, "Exec", "drivenLoop", 100_000);
        assertFalse(t.isDone());
        assertEquals(100_000, run());
        assertEquals(100_000L * 99_999 / 2, t.join());
        List<Long> d = depths();
        assertEquals(3, d.size());
        assertEquals(d.get(0), d.get(1), "stack depth at iterations 1 and 50,000: " + d);
        assertEquals(d.get(0), d.get(2), "stack depth at iterations 1 and 99,999: " + d);
    }

    @Test
    void longChainOfSuspendedCallersCompletesFromASmallStack() throws Throwable {
        CompletableFuture<Integer> leaf = new CompletableFuture<>();
        Task<Integer> top = start(code, "Exec", "chain", 50_000, Task.from(leaf));
        assertFalse(top.isDone());
        AtomicReference<Throwable> error = new AtomicReference<>();
        Thread small = new Thread(null, () -> {
            try {
                leaf.complete(0);
            } catch (Throwable e) {
                error.set(e);
            }
        }, "small-stack", 256 * 1024);
        small.start();
        small.join();
        assertNull(error.get());
        assertEquals(50_000, top.join());
    }

    @Test
    void everythingWrittenBeforeSuspensionIsVisibleAfterResumingOnAnotherThread() throws Throwable {
        int n = 2000;
        List<CompletableFuture<Integer>> futures = new ArrayList<>();
        List<Task<String>> tasks = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            CompletableFuture<Integer> f = new CompletableFuture<>();
            futures.add(f);
            tasks.add(start(code, "Exec", "visible", i, f));
        }
        ExecutorService pool = Executors.newFixedThreadPool(4);
        try {
            for (int i = 0; i < n; i++) {
                int k = i;
                pool.execute(() -> futures.get(k).complete(-k));
            }
        } finally {
            pool.shutdown();
            assertTrue(pool.awaitTermination(30, TimeUnit.SECONDS));
        }
        for (int i = 0; i < n; i++) {
            assertEquals(i * 3 + ":" + i * 7L + ":id" + i + ":" + i + ":" + i / 2.0 + ":" + -i, tasks.get(i).join());
        }
    }

    @Test
    void resumptionRequestedInsideARunningCoroutineIsDeferredUntilItYields() throws Throwable {
        CompletableFuture<String> f = new CompletableFuture<>();
        Task<String> b = start(code, "Exec", "waiter", f);
        Task<String> a = start(code, "Exec", "completer", f);
        assertFalse(a.isDone() || b.isDone());
        run();
        assertEquals("A", a.join());
        assertEquals("B", b.join());
        assertLog("A before 0", "A after complete", "B resumed with from A");
    }

    @Test
    void failureAfterResumingGoesToTheTaskNotToTheCompletingThread() throws Throwable {
        CompletableFuture<String> f = new CompletableFuture<>();
        Task<String> t = start(code, "Exec", "throwsAfterResume", f);
        assertTrue(f.complete("v"), "complete() returns normally");
        Throwable e = failure(t);
        assertEquals(IllegalStateException.class, e.getClass());
        assertEquals("thrown after v", e.getMessage());
    }

    @Test
    void theReturnedTaskIsTheStateMachineForSuspendingAndNonSuspendingCalls() throws Throwable {
        Task<?> done = start(code, "Exec", "noSuspend");
        assertEquals("p.Exec$$Coda$noSuspend", done.getClass().getName());
        CompletableFuture<String> f = new CompletableFuture<>();
        Task<?> pending = start(code, "Exec", "sync", f);
        assertSame(code.load("p.Exec$$Coda$sync"), pending.getClass());
        assertSame(dev.coda.Coroutine.class, pending.getClass().getSuperclass());
        f.complete("x");
        assertEquals("x", pending.join());
    }
}
