package dev.coda.tests.structured;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.coda.AsyncCloseable;
import dev.coda.Task;
import dev.coda.tests.scope.Spawning.Conn;
import dev.coda.tests.support.Events;
import java.util.ArrayDeque;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Regression tests for structured concurrency at its edges, in both modes. */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class StructuredTest {
    @BeforeEach
    void reset() {
        Events.take();
    }

    @Test
    void aDetachedSleepOrCombinationIsAbandonedNotCancelledWithTheCaller() {
        Task<?>[] out = new Task<?>[1];
        Task<String> t = Structured.sleepDetached(out);
        assertTrue(t.cancel());
        assertTrue(t.isCancelled());
        assertFalse(out[0].isDone(), "detach() opts the sleep out of structured concurrency");
        out[0].cancel();

        CompletableFuture<String> in = new CompletableFuture<>();
        Task<String> u = Structured.anyDetached(out, in);
        assertTrue(u.cancel());
        assertTrue(u.isCancelled());
        assertFalse(out[0].isDone(), "the caller abandons it");
        in.complete("x");
        assertEquals("x", out[0].join());
    }

    @Test
    void aCancelledOwnerAwaitingTheCloseInAFinallyCancelsTheChildren() {
        Conn a = new Conn("a");
        Task<String> owner = Structured.closeInFinally(a, new CompletableFuture<>(), new CompletableFuture<>());
        assertEquals(List.of("serve a", "waiting"), Events.take());
        assertTrue(owner.cancel());
        assertEquals(List.of("served a", "close a"), Events.take());
        assertTrue(owner.isCancelled());
    }

    @Test
    void anUnstartedChildCancelledWithAnOwnedScopeCancelsThatScopesChildren() {
        ArrayDeque<Runnable> queue = new ArrayDeque<>();
        Task<String> child = Structured.spawnWithScope(queue::add, new CompletableFuture<>());
        assertTrue(child.cancel());
        assertEquals(List.of("inner child unwound"), Events.take());
        assertTrue(child.isCancelled());
    }

    @Test
    void aTimeoutOrAnyOverAFunctionThatReturnsAForeignTaskStopsWaitingForIt() throws Exception {
        CompletableFuture<String> network = new CompletableFuture<>();
        assertEquals("caught TimeoutException", Structured.limited(network).toCompletableFuture().get(10, TimeUnit.SECONDS));
        assertEquals("cached", Structured.race(network).join(), "the loser, cancelled, no longer waits for the network");

        // The stage is declared to produce a String; erased, it carries a resource here, as a producer of one would.
        CompletableFuture<Object> late = new CompletableFuture<>();
        @SuppressWarnings("unchecked")
        Task<String> adopting = Structured.lookup(false, (CompletableFuture<String>) (CompletableFuture<?>) late);
        assertTrue(adopting.cancel());
        assertTrue(adopting.isCancelled());
        boolean[] closed = new boolean[1];
        late.complete((AsyncCloseable) () -> {
            closed[0] = true;
            return Task.done();
        });
        assertFalse(closed[0], "a returned task is passed through, not owned: its value is left to its other holders");
    }

    @Test
    void cleanupWorkSpawnedWhileUnwindingRunsToCompletion() {
        CompletableFuture<String> flushIn = new CompletableFuture<>();
        Task<String> t = Structured.cleanupInFinally(new CompletableFuture<>(), flushIn);
        assertEquals(List.of("working"), Events.take());
        assertTrue(t.cancel());
        assertEquals(List.of("flushing"), Events.take());
        assertFalse(t.isDone(), "the cleanup scope waits for its child, which is not cancelled");
        flushIn.complete("done");
        assertEquals(List.of("flushed done"), Events.take());
        assertTrue(t.isCancelled());
    }

    @Test
    void aRequestMadeBeforeAForeignReturnIsMetAtTheReturn() {
        CompletableFuture<String> go = new CompletableFuture<>();
        CompletableFuture<String> never = new CompletableFuture<>();
        Task<String> t = Structured.cancelThenReturnForeign(go, never);
        Structured.self = t;
        go.complete("go");
        assertTrue(t.isCancelled(), "requested while the body ran: the returned foreign task is not waited for");
        never.complete("late");
        assertTrue(t.isCancelled());
    }
}
