package dev.coda.tests.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.coda.Task;
import dev.coda.tests.support.Events;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The execution model, observed on classes rewritten by the plugin or the agent: a body runs on the caller's thread
 * until an await must suspend, then resumes on the thread that completes what it awaits; resumptions requested while
 * a coroutine runs are queued and run in order, in constant stack; a state machine never runs on two threads at once.
 */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class ExecutionModelTest {
    @BeforeEach
    void reset() {
        Events.take();
    }

    private static Thread named(String name, Runnable r) {
        Thread t = new Thread(r, name);
        t.start();
        return t;
    }

    @Test
    void bodyRunsOnTheCallersThreadUntilTheFirstSuspendingAwaitThenOnTheCompleter() throws Exception {
        String caller = Thread.currentThread().getName();
        CompletableFuture<String> f = new CompletableFuture<>();
        Task<String> t = Exec.callerThenCompleter(f);
        assertEquals(List.of("start on " + caller, "after completed await 1 on " + caller), Events.take());
        assertFalse(t.isDone());
        named("completer-1", () -> f.complete("v")).join();
        assertEquals(List.of("resumed with v on completer-1"), Events.take());
        assertTrue(t.isDone());
        assertEquals("v", t.join());
    }

    @Test
    void eachResumptionRunsOnTheThreadThatCompletedTheAwaitedFuture() throws Exception {
        CompletableFuture<String> f = new CompletableFuture<>();
        CompletableFuture<String> g = new CompletableFuture<>();
        Task<String> t = Exec.twoThreads(f, g);
        named("first", () -> f.complete("a")).join();
        assertFalse(t.isDone());
        named("second", () -> g.complete("b")).join();
        assertEquals("a@first b@second", t.join());
    }

    @Test
    void awaitingCompletedTasksAndStagesDoesNotSuspend() {
        Task<Integer> t = Exec.neverSuspends();
        assertTrue(t.isDone(), "done when the call returns");
        assertEquals(List.of("end on " + Thread.currentThread().getName()), Events.take());
        assertEquals(31, t.join());
        assertEquals("dev.coda.tests.model.Exec$$Coda$neverSuspends", t.getClass().getName());
    }

    @Test
    void aLoopAwaitingAHundredThousandCompletedTasks() {
        int n = 100_000;
        Task<Long> t = Exec.manyCompleted(n);
        assertTrue(t.isDone(), "no await suspended");
        long expected = 0;
        for (int i = 0; i < n; i++) if (i % 3 != 0) expected += i;
        assertEquals(expected, t.join());
    }

    @Test
    void aLoopAwaitingTenThousandTasksCompletedLaterFromAnotherThread() throws Exception {
        int n = 10_000;
        List<CompletableFuture<Integer>> futures = new ArrayList<>();
        for (int i = 0; i < n; i++) futures.add(new CompletableFuture<>());
        int[] depths = new int[3];
        Task<Long> t = Exec.awaitEach(futures, "producer", depths);
        assertFalse(t.isDone());
        Thread producer = named("producer", () -> {
            for (int i = 0; i < n; i++) futures.get(i).complete(i);
        });
        long packed = t.join();
        producer.join();
        long sum = (long) n * (n - 1) / 2;
        assertEquals(sum, packed / 100_000, "the sum");
        assertEquals(n, packed % 100_000, "every await after the first suspension continued on the producer");
        assertTrue(depths[0] > 0, "depth recorded");
        assertEquals(depths[0], depths[1], "the stack does not grow");
        assertEquals(depths[0], depths[2], "the stack does not grow");
    }

    @Test
    void aChainOfTwentyThousandSuspendedCallsCompletesFromASmallStack() throws Exception {
        CompletableFuture<Integer> leaf = new CompletableFuture<>();
        Task<Integer> t = Task.from(leaf);
        for (int i = 0; i < 20_000; i++) t = Exec.link(t);
        assertFalse(t.isDone());
        AtomicReference<Throwable> failure = new AtomicReference<>();
        Thread small = new Thread(null, () -> {
            try {
                leaf.complete(0);
            } catch (Throwable e) {
                failure.set(e);
            }
        }, "small-stack", 256 * 1024);
        small.start();
        small.join();
        assertEquals(null, failure.get());
        assertEquals(20_000, t.join());
    }

    @Test
    void everythingWrittenBeforeASuspensionIsVisibleAfterResumingOnAPoolThread() throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(4);
        try {
            int n = 500;
            List<CompletableFuture<Integer>> gates = new ArrayList<>();
            List<Task<String>> tasks = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                CompletableFuture<Integer> gate = new CompletableFuture<>();
                gates.add(gate);
                tasks.add(Exec.visibility(i, gate));
            }
            for (int i = 0; i < n; i++) {
                int k = i;
                pool.execute(() -> gates.get(k).complete(-k));
            }
            for (int i = 0; i < n; i++) {
                assertEquals((i * 3) + ":" + (i * 7L) + ":id" + i + ":" + i + ":" + (i + 1) + ":" + (-i), tasks.get(i).join());
            }
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void aResumptionRequestedWhileACoroutineRunsWaitsUntilItSuspends() {
        CompletableFuture<String> f = new CompletableFuture<>();
        CompletableFuture<String> later = new CompletableFuture<>();
        Task<String> a = Exec.waiter(f);
        Task<String> b = Exec.completerInside(f, later);
        assertEquals(List.of("A waits", "B completes", "B after complete", "A resumed with fromB"), Events.take());
        assertEquals("fromB", a.join());
        later.complete("done");
        assertEquals(List.of("B end"), Events.take());
        assertEquals("done", b.join());
    }

    @Test
    void anAsyncCallFromInsideACoroutineRunsInlineUntilItSuspends() {
        CompletableFuture<String> f = new CompletableFuture<>();
        Task<String> t = Exec.callsInline(f);
        assertEquals(List.of("outer before", "A waits", "outer after call, inner done=false"), Events.take());
        f.complete("x");
        assertEquals(List.of("A resumed with x", "outer resumed"), Events.take());
        assertEquals("x!", t.join());
    }

    @Test
    void aStateMachineNeverRunsOnTwoThreadsAtOnce() throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(8);
        try {
            int n = 2_000;
            List<CompletableFuture<Integer>> futures = new ArrayList<>();
            for (int i = 0; i < n; i++) futures.add(new CompletableFuture<>());
            Exec.Tally tally = new Exec.Tally();
            Task<Integer> t = Exec.tally(futures, tally);
            List<Integer> order = new ArrayList<>();
            for (int i = 0; i < n; i++) order.add(i);
            Collections.shuffle(order, new java.util.Random(42));
            for (int i : order) pool.execute(() -> futures.get(i).complete(1));
            assertEquals(n, t.join());
            assertEquals(n, tally.count);
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void coroutinesAwaitingOneFutureResumeInTheOrderTheyStartedWaiting() {
        CompletableFuture<String> shared = new CompletableFuture<>();
        Task<String> gate = Task.from(shared);
        Task<String> first = Exec.waitOn("first", gate);
        Task<String> second = Exec.waitOn("second", gate);
        Task<String> third = Exec.waitOn("third", gate);
        assertEquals(List.of(), Events.take());
        shared.complete("go");
        assertEquals(List.of("first go", "second go", "third go"), Events.take());
        assertEquals("first", first.join());
        assertEquals("second", second.join());
        assertEquals("third", third.join());
    }
}
