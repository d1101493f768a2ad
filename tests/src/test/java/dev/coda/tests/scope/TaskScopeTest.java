package dev.coda.tests.scope;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.coda.Task;
import dev.coda.tests.scope.Spawning.Conn;
import dev.coda.tests.support.Events;
import java.util.ArrayDeque;
import java.util.List;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** TaskScope with rewritten children: deferred starts, @Owned parameters of unstarted children, fail-fast. */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class TaskScopeTest {
    private final ArrayDeque<Runnable> queue = new ArrayDeque<>();
    private final ExecutorService pool = Executors.newFixedThreadPool(2);

    @BeforeEach
    void reset() {
        Events.take();
    }

    @AfterEach
    void stop() throws InterruptedException {
        pool.shutdownNow();
        assertTrue(pool.awaitTermination(10, TimeUnit.SECONDS));
    }

    private void runQueue() {
        Runnable r;
        while ((r = queue.poll()) != null) r.run();
    }

    @Test
    void aChildCancelledBeforeItsBodyRanDropsItsOwnedParametersLastFirstAndNeverRuns() {
        Conn a = new Conn("a");
        Conn b = new Conn("b");
        CompletableFuture<Void> bClosing = new CompletableFuture<>();
        b.closing = bClosing;
        IllegalStateException aFailed = new IllegalStateException("a failed");
        a.closing = CompletableFuture.failedFuture(aFailed);
        Task<String> child = Spawning.spawnHandler(queue::add, a, b, new CompletableFuture<>());
        assertEquals(1, queue.size());
        assertTrue(child.cancel());
        assertEquals(List.of("close b"), Events.take());
        assertFalse(child.isDone(), "a waits for b's close, and the task for both");
        bClosing.complete(null);
        assertEquals(List.of("close a"), Events.take());
        CancellationException outcome = assertThrows(CancellationException.class, child::join);
        assertArrayEquals(new Throwable[] {aFailed}, outcome.getSuppressed());
        runQueue();
        assertEquals(List.of(), Events.take(), "the body never runs");
        assertEquals(1, a.closes());
        assertEquals(1, b.closes());
    }

    @Test
    void aChildThatStartsRunsOnTheExecutorAndDropsItsParametersAtExit() throws Exception {
        Conn a = new Conn("a");
        Conn b = new Conn("b");
        CompletableFuture<String> input = new CompletableFuture<>();
        Task<String> child = Spawning.spawnHandler(pool, a, b, input);
        input.complete("hello");
        assertEquals("hello via ab", child.toCompletableFuture().get(10, TimeUnit.SECONDS));
        assertEquals(List.of("handle a1b", "close b", "close a"), Events.take());
    }

    @Test
    void anAsyncLambdaOwnsItsOwnedParameterWhetherItRunsOrIsCancelledFirst() {
        Conn c = new Conn("c");
        assertEquals("p!", Spawning.spawnLambda(Runnable::run, c, "p").join());
        assertEquals(List.of("lambda c1", "close c"), Events.take());
        Conn d = new Conn("d");
        Task<String> cancelled = Spawning.spawnLambda(queue::add, d, "p");
        cancelled.cancel();
        runQueue();
        assertTrue(cancelled.isCancelled());
        assertEquals(List.of("close d"), Events.take());
        assertEquals(1, d.closes());
    }

    @Test
    void cancellingTheOwnerCancelsTheChildrenThroughTheScopeNewestFirst() {
        Conn a = new Conn("a");
        Conn b = new Conn("b");
        CompletableFuture<String> in = new CompletableFuture<>();
        Task<String> owner = Spawning.serveAll(queue::add, a, b, in, new CompletableFuture<>());
        assertEquals(List.of("waiting"), Events.take());
        queue.poll().run(); // a's server starts; b's has not
        assertEquals(List.of("serve a"), Events.take());
        assertTrue(owner.cancel());
        assertEquals(List.of("close b", "served a", "close a"), Events.take(),
                "b, never started, drops its parameter; a unwinds through its finally and drops its own");
        assertTrue(owner.isCancelled());
        runQueue();
        assertEquals(List.of(), Events.take());
        assertEquals(1, a.closes());
        assertEquals(1, b.closes());
    }

    @Test
    void theFirstFailingChildCancelsItsSiblingAndTheScopeThrowsTheFailure() {
        Conn a = new Conn("a");
        CompletableFuture<String> failing = new CompletableFuture<>();
        Task<String> owner = Spawning.failFast(a, new CompletableFuture<>(), failing);
        assertEquals(List.of("serve a", "spawned"), Events.take());
        assertFalse(owner.isDone(), "the scope waits for its children");
        failing.completeExceptionally(new IllegalStateException("boom"));
        assertEquals(List.of("served a", "close a", "caught boom"), Events.take());
        assertEquals("after scope", owner.join());
    }

    @Test
    void cancelRacingTheStartOnAnotherThreadDropsEveryParameterExactlyOnce() throws Exception {
        int ran = 0;
        int dropped = 0;
        for (int i = 0; i < 20_000; i++) {
            Conn a = new Conn("a");
            Conn b = new Conn("b");
            AtomicBoolean waiting = new AtomicBoolean();
            AtomicBoolean go = new AtomicBoolean();
            CountDownLatch started = new CountDownLatch(1);
            Task<String> child = Spawning.spawnHandler(r -> pool.execute(() -> {
                waiting.set(true);
                awaitSet(go);
                r.run();
                started.countDown();
            }), a, b, CompletableFuture.completedFuture("x"));
            awaitSet(waiting);
            go.set(true);
            if ((i & 3) == 0) Thread.yield(); // on a single free core, lets the start go first at times
            child.cancel();
            assertTrue(started.await(10, TimeUnit.SECONDS));
            assertTrue(child.isDone(), "iteration " + i);
            List<String> events = Events.take();
            if (events.contains("handle a1b")) ran++;
            else dropped++;
            if (!child.isCancelled()) assertEquals("x via ab", child.join());
            assertEquals(1, a.closes(), "iteration " + i + " " + events);
            assertEquals(1, b.closes(), "iteration " + i + " " + events);
        }
        System.out.println("[coda-spawn-race] 20000 races of cancel against start: body ran " + ran
                + ", cancelled before it ran " + dropped);
        assertTrue(ran > 0 && dropped > 0, "both sides of the race were taken");
    }

    @Test
    void cancellingAnOwnerThatWaitsInTheScopesCloseCancelsTheChildren() {
        for (boolean onExecutor : new boolean[] {false, true}) {
            Conn a = new Conn("a");
            Task<String> owner = Spawning.ownerWaitsInClose(onExecutor ? queue::add : null, a, new CompletableFuture<>());
            runQueue();
            assertEquals(List.of("spawned", "serve a"), Events.take().stream().sorted(java.util.Comparator.reverseOrder()).toList());
            assertFalse(owner.isDone(), "the close waits for the child");
            // The request meets no await of the owner's own: its cleanup runs to completion, cancelling the child,
            // and the owner keeps its own outcome (so cancel() reports it was not cancelled).
            assertFalse(owner.cancel());
            assertEquals(List.of("served a", "close a"), Events.take(), "the child is cancelled, and cleans up");
            assertEquals("closed", owner.join());
            assertEquals(1, a.closes());
        }
    }

    @Test
    void aCancelledOwnerAwaitingTheCloseItselfCancelsTheChildrenAndWaitsForThem() {
        Conn a = new Conn("a");
        CompletableFuture<Void> closing = new CompletableFuture<>();
        a.closing = closing;
        Task<String> owner = Spawning.ownerAwaitsTheClose(a, new CompletableFuture<>());
        assertEquals(List.of("serve a", "spawned"), Events.take());
        assertTrue(owner.cancel());
        assertEquals(List.of("served a", "close a"), Events.take());
        assertFalse(owner.isDone(), "the close is the owner's child: it waits for the children's cleanup");
        closing.complete(null);
        assertTrue(owner.isCancelled());
    }

    @Test
    void anOwnerThatFailsCancelsItsScopesChildrenAndFailsAfterTheirCleanup() {
        Conn a = new Conn("a");
        CompletableFuture<Void> closing = new CompletableFuture<>();
        a.closing = closing;
        Task<String> owner = Spawning.ownerThrows(a, new CompletableFuture<>());
        assertEquals(List.of("serve a", "served a", "close a"), Events.take());
        assertFalse(owner.isDone(), "the owner waits for the child's cleanup");
        closing.complete(null);
        IllegalStateException failure = assertThrows(IllegalStateException.class, owner::join);
        assertEquals("owner failed", failure.getMessage());
    }

    /**
     * Waits for {@code flag} set by another thread: spins briefly, then yields, so that the race still runs where
     * both threads share one free core (spinning alone would hold it for a whole time slice per hand-over).
     */
    private static void awaitSet(AtomicBoolean flag) {
        for (int spins = 0; !flag.get(); spins++) {
            if (spins < 100) Thread.onSpinWait();
            else Thread.yield();
        }
    }
}
