package dev.coda.tests.children;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.coda.Task;
import dev.coda.tests.support.Events;
import java.util.List;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Children that are started and not awaited, in both modes: a parent never completes before them, cancels
 * them when it leaves exceptionally, and never loses their failures.
 */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class ChildrenTest {
    @BeforeEach
    void reset() {
        Events.take();
    }

    @Test
    void aNormalExitWaitsForAChildNobodyAwaited() {
        CompletableFuture<String> in = new CompletableFuture<>();
        Task<String> parent = Children.forgets(in, null);
        assertEquals(List.of("audit started", "parent returns"), Events.take());
        assertFalse(parent.isDone(), "the parent's body has ended, but its child still runs");
        in.complete("ok");
        assertEquals(List.of("audit done ok", "audit unwound"), Events.take());
        assertEquals("parent", parent.join());
    }

    @Test
    void aFailureNobodySawBecomesTheParents() {
        CompletableFuture<String> in = new CompletableFuture<>();
        IllegalArgumentException auditFailed = new IllegalArgumentException("audit failed");
        Task<String> parent = Children.forgets(in, auditFailed);
        in.complete("ok");
        IllegalArgumentException thrown = assertThrows(IllegalArgumentException.class, parent::join);
        assertSame(auditFailed, thrown, "the child's own exception, not a wrapper");
        assertEquals(0, thrown.getSuppressed().length);
    }

    @Test
    void aFailureNobodySawIsSuppressedOntoTheParentsOwn() {
        IllegalArgumentException child = new IllegalArgumentException("child");
        IllegalStateException own = new IllegalStateException("own");
        Task<String> parent = Children.failsAfterAChildFailed(child, own);
        IllegalStateException thrown = assertThrows(IllegalStateException.class, parent::join);
        assertSame(own, thrown);
        assertArrayEquals(new Throwable[] {child}, thrown.getSuppressed());
    }

    @Test
    void aFailureTheParentAwaitedAndHandledIsNotReportedAgain() {
        CompletableFuture<String> in = new CompletableFuture<>();
        Task<String> parent = Children.handles(in);
        in.complete("ok");
        assertEquals("handled audit failed", parent.join());
    }

    @Test
    void anExceptionalExitCancelsTheChildAndWaitsForItsCleanup() {
        CompletableFuture<String> cleanup = new CompletableFuture<>();
        Task<String> parent = Children.failsWithAChildRunning(new CompletableFuture<>(), cleanup);
        assertEquals(List.of("child started", "parent throws", "child cleaning up"), Events.take());
        assertFalse(parent.isDone(), "the parent waits for the cancelled child's cleanup");
        cleanup.complete("c");
        assertEquals(List.of("child cleaned up"), Events.take());
        IllegalStateException thrown = assertThrows(IllegalStateException.class, parent::join);
        assertEquals("parent failed", thrown.getMessage());
        assertEquals(0, thrown.getSuppressed().length, "a child cancelled by its parent has nothing to report");
    }

    @Test
    void aCancelledParentCancelsItsChildAndCompletesAfterItsCleanup() {
        CompletableFuture<String> cleanup = new CompletableFuture<>();
        Task<String> parent = Children.waitsWithAChild(new CompletableFuture<>(), cleanup, new CompletableFuture<>());
        assertEquals(List.of("child started"), Events.take());
        assertTrue(parent.cancel());
        assertEquals(List.of("child cleaning up"), Events.take());
        assertFalse(parent.isDone());
        cleanup.complete("c");
        assertEquals(List.of("child cleaned up"), Events.take());
        assertTrue(parent.isCancelled());
        assertThrows(CancellationException.class, parent::join);
    }

    @Test
    void aChildsCleanupFailureIsSuppressedOntoTheParentsCancellation() {
        CompletableFuture<String> cleanup = new CompletableFuture<>();
        Task<String> parent = Children.waitsWithAChild(new CompletableFuture<>(), cleanup, new CompletableFuture<>());
        parent.cancel();
        IllegalStateException broken = new IllegalStateException("cleanup broke");
        cleanup.completeExceptionally(broken);
        CancellationException thrown = assertThrows(CancellationException.class, parent::join);
        assertEquals(1, thrown.getSuppressed().length, "the child's cancelled outcome, which carries the failure");
        assertEquals(List.of(broken), List.of(thrown.getSuppressed()[0].getSuppressed()));
    }

    @Test
    void detachOptsAChildOut() {
        CompletableFuture<String> in = new CompletableFuture<>();
        Task<?>[] out = new Task<?>[1];
        Task<String> parent = Children.detaches(in, out);
        assertEquals("parent", parent.join(), "a detached child is not waited for");
        in.complete("ok");
        assertThrows(IllegalArgumentException.class, out[0]::join);
        assertEquals("parent", parent.join(), "nor is its failure the parent's");
    }

    @Test
    void aChildReturnedWhileUnwindingIsCancelledAndWaitedFor() {
        CompletableFuture<String> cleanup = new CompletableFuture<>();
        Task<String> parent = Children.returnsAChildWhileUnwinding(new CompletableFuture<>(), new CompletableFuture<>(),
                cleanup);
        assertTrue(parent.cancel());
        assertEquals(List.of("parent unwinding", "returned started", "returned cleaning up"), Events.take());
        assertFalse(parent.isDone(), "the returned child is still cleaning up");
        IllegalStateException broken = new IllegalStateException("cleanup broke");
        cleanup.completeExceptionally(broken);
        assertTrue(parent.isCancelled());
        CancellationException thrown = assertThrows(CancellationException.class, parent::join);
        assertEquals(List.of(broken), List.of(thrown.getSuppressed()[0].getSuppressed()),
                "the returned child's cleanup failure is not lost");
    }

    @Test
    void aParentCancelledAfterReturningAChildCancelsItAndWaits() {
        CompletableFuture<String> cleanup = new CompletableFuture<>();
        Task<String> parent = Children.returnsAChild(new CompletableFuture<>(), cleanup);
        assertEquals(List.of("returned started"), Events.take());
        assertTrue(parent.cancel());
        assertEquals(List.of("returned cleaning up"), Events.take());
        assertFalse(parent.isDone());
        cleanup.complete("c");
        assertTrue(parent.isCancelled());
    }

    @Test
    void aParentCancelledWhileWaitingForAChildKeepsItsOwnOutcome() {
        CompletableFuture<String> cleanup = new CompletableFuture<>();
        Task<String> parent = Children.forgets(new CompletableFuture<>(), null);
        assertEquals(List.of("audit started", "parent returns"), Events.take());
        assertFalse(parent.cancel(), "the body has ended with a value: the request only stops the child");
        assertEquals(List.of("audit unwound"), Events.take());
        assertEquals("parent", parent.join());
        assertTrue(cleanup.complete("unused"));
    }

    @Test
    void aGrandchildsCleanupFailureFailsAParentThatKeptItsValueWithThatFailure() {
        CompletableFuture<String> cleanup = new CompletableFuture<>();
        Task<String> parent = Children.forgetsAChildAwaitingItsOwn(new CompletableFuture<>(), cleanup);
        assertEquals(List.of("grandchild started", "parent returns"), Events.take());
        assertFalse(parent.cancel(), "the body has ended with a value: the request only stops its child");
        assertEquals(List.of("grandchild cleaning up"), Events.take());
        IllegalStateException cleanupFailed = new IllegalStateException("cleanup failed");
        cleanup.completeExceptionally(cleanupFailed);
        // The grandchild is cancelled with that failure, its parent cancelled with the grandchild's outcome
        // suppressed: the parent, which was not cancelled, fails with the failure itself, not with a cancellation.
        assertFalse(parent.isCancelled());
        assertSame(cleanupFailed, assertThrows(IllegalStateException.class, parent::join));
    }

    @Test
    void cancelledOutcomesThatHoldEachOtherStillGiveTheParentAFailure() {
        // The cancelled parent returned r and completes as r's cancelled outcome; its other child's cleanup let
        // that same outcome escape, and the parent reports the child's outcome onto it: the two outcomes hold each
        // other. The grandparent, which kept its value, takes the first failure it finds, once.
        Task<String> q = Children.cancelsAChildItForgets(new CompletableFuture<>(), new CompletableFuture<>());
        assertTrue(q.isDone(), "the grandparent completed");
        assertFalse(q.isCancelled());
        assertThrows(CancellationException.class, q::join);
        Events.take();
    }

    @Test
    void cleanupWorkStartedWhileUnwindingIsWaitedForNotCancelled() {
        CompletableFuture<String> flush = new CompletableFuture<>();
        Task<String> parent = Children.startsCleanupWork(new CompletableFuture<>(), flush);
        assertTrue(parent.cancel());
        assertEquals(List.of("flush started"), Events.take());
        assertFalse(parent.isDone(), "the parent waits for its cleanup work");
        flush.complete("f");
        assertEquals(List.of("flush done f", "flush unwound"), Events.take());
        assertTrue(parent.isCancelled());
    }

    @Test
    void aChildThatFailedWithACancellationExceptionFailsItsParentWithIt() {
        CompletableFuture<Integer> f = new CompletableFuture<>();
        CancellationException gone = new CancellationException("gone");
        Task<String> later = Children.forgetsAPlusOne(Task.from(f));
        f.completeExceptionally(gone);
        assertTrue(later.isDone());
        assertFalse(later.isCancelled(), "the child failed: it was not cancelled, nor is its parent");
        assertSame(gone, assertThrows(CancellationException.class, later::join));

        CancellationException atOnce = new CancellationException("gone at once");
        Task<String> now = Children.forgetsAPlusOne(Task.failed(atOnce));
        assertFalse(now.isCancelled());
        assertSame(atOnce, assertThrows(CancellationException.class, now::join));
    }
}
