package dev.coda.tests.scope;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.coda.Task;
import dev.coda.tests.children.Children;
import dev.coda.tests.support.Events;
import java.util.ArrayDeque;
import java.util.List;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Structured concurrency and task scopes at their edges, in both modes, as the structured-concurrency and
 * cancellation docs describe them.
 */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class ScopeEdgesTest {
    @BeforeEach
    void reset() {
        Events.take();
    }

    private static CompletableFuture<String> f() {
        return new CompletableFuture<>();
    }

    private static IllegalArgumentException iae(String m) {
        return new IllegalArgumentException(m);
    }

    // ---- children not awaited ------------------------------------------------------------------------------------

    @Test
    void unseenFailuresAreReportedInStartOrderNotCompletionOrder() {
        CompletableFuture<String> a = f();
        CompletableFuture<String> b = f();
        IllegalArgumentException ea = iae("a");
        IllegalArgumentException eb = iae("b");
        Task<String> parent = ScopeEdges.forgetsTwo(a, ea, b, eb);
        assertEquals(List.of("a started", "b started", "parent returns"), Events.take());
        b.complete("B");
        assertFalse(parent.isDone());
        a.complete("A");
        assertEquals(List.of("b unwound", "a unwound"), Events.take());
        IllegalArgumentException thrown = assertThrows(IllegalArgumentException.class, parent::join);
        assertSame(ea, thrown, "the first in start order");
        assertArrayEquals(new Throwable[] {eb}, thrown.getSuppressed());
        assertFalse(parent.isCancelled());
    }

    @Test
    void unseenFailuresAreSuppressedOntoTheParentsOwnInStartOrder() {
        CompletableFuture<String> a = f();
        CompletableFuture<String> b = f();
        CompletableFuture<String> gate = f();
        IllegalArgumentException ea = iae("a");
        IllegalArgumentException eb = iae("b");
        IllegalStateException own = new IllegalStateException("own");
        Task<String> parent = ScopeEdges.forgetsTwoThenThrows(a, ea, b, eb, gate, own);
        b.complete("B");
        a.complete("A");
        assertFalse(parent.isDone());
        gate.complete("g");
        IllegalStateException thrown = assertThrows(IllegalStateException.class, parent::join);
        assertSame(own, thrown);
        assertArrayEquals(new Throwable[] {ea, eb}, thrown.getSuppressed());
    }

    @Test
    void anExceptionalExitCancelsRunningChildrenNewestFirst() {
        IllegalStateException own = new IllegalStateException("own");
        Task<String> parent = ScopeEdges.forgetsThreeThenThrows(f(), f(), f(), own);
        assertEquals(List.of("a started", "b started", "c started", "parent throws", "c unwound", "b unwound",
                "a unwound"), Events.take());
        assertSame(own, assertThrows(IllegalStateException.class, parent::join));
        assertEquals(0, own.getSuppressed().length, "children cancelled cleanly report nothing");
    }

    @Test
    void aFailureSeenOnceIsNotReportedAgainButAnUnseenOneIs() {
        CompletableFuture<String> a = f();
        CompletableFuture<String> b = f();
        IllegalArgumentException ea = iae("a");
        IllegalArgumentException eb = iae("b");
        Task<String> parent = ScopeEdges.handlesOneForgetsOne(a, ea, b, eb);
        a.complete("A");
        assertEquals(List.of("b started", "a started", "a unwound", "handled a"), Events.take());
        assertFalse(parent.isDone());
        b.complete("B");
        IllegalArgumentException thrown = assertThrows(IllegalArgumentException.class, parent::join);
        assertSame(eb, thrown);
        assertEquals(0, thrown.getSuppressed().length);
    }

    @Test
    void cancelAfterTheBodyReturnedCancelsTheChildrenNewestFirstAndKeepsTheValue() {
        Task<String> parent = ScopeEdges.forgetsTwo(f(), null, f(), null);
        assertEquals(List.of("a started", "b started", "parent returns"), Events.take());
        assertFalse(parent.cancel());
        assertEquals(List.of("b unwound", "a unwound"), Events.take());
        assertTrue(parent.isDone());
        assertFalse(parent.isCancelled());
        assertEquals("p", parent.join());
    }

    @Test
    void anAsyncLambdaWaitsForTheChildItStartedAndPassesOnItsFailure() {
        CompletableFuture<String> in = f();
        Task<String> outer = ScopeEdges.awaitsALambdaThatForgets(in, null);
        assertEquals(List.of("inner started", "lambda returns"), Events.take());
        assertFalse(outer.isDone(), "the lambda waits for its child");
        in.complete("ok");
        assertEquals(List.of("inner done ok", "inner unwound", "outer got L"), Events.take());
        assertEquals("L", outer.join());

        CompletableFuture<String> in2 = f();
        IllegalArgumentException error = iae("inner");
        Task<String> failing = ScopeEdges.awaitsALambdaThatForgets(in2, error);
        Events.take();
        in2.complete("ok");
        assertEquals(List.of("inner unwound"), Events.take());
        assertSame(error, assertThrows(IllegalArgumentException.class, failing::join));
        assertEquals(0, error.getSuppressed().length, "reported once");
    }

    @Test
    void aCancelledCallerCancelsTheAsyncLambdaItAwaitsAndTheLambdasChild() {
        CompletableFuture<String> cleanup = f();
        Task<String> outer = ScopeEdges.awaitsALambdaWithASlowChild(f(), cleanup, f());
        assertEquals(List.of("inner started"), Events.take());
        assertTrue(outer.cancel());
        assertEquals(List.of("inner cleaning up"), Events.take());
        assertFalse(outer.isDone());
        cleanup.complete("c");
        assertEquals(List.of("inner cleaned up"), Events.take());
        assertTrue(outer.isCancelled());
        assertEquals(0, assertThrows(CancellationException.class, outer::join).getSuppressed().length);
    }

    @Test
    void aChildStartedInAFinallyWithAnExceptionInFlightIsCancelled() {
        CompletableFuture<String> gate = f();
        IllegalStateException own = new IllegalStateException("own");
        Task<String> parent = ScopeEdges.startsWorkInFinallyThenThrows(gate, f(), own);
        gate.complete("g");
        // The docs make only work started while a cancellation unwinds cleanup work; an exception's exit cancels.
        assertEquals(List.of("flush started", "flush unwound"), Events.take());
        assertSame(own, assertThrows(IllegalStateException.class, parent::join));
        assertEquals(0, own.getSuppressed().length);
    }

    @Test
    void workStartedByADropWhileCancelledIsCleanupWorkWaitedForAndNeverCancelled() {
        CompletableFuture<String> flush = f();
        Task<String> owner = ScopeEdges.ownsAFlusher(f(), flush, null);
        assertTrue(owner.cancel());
        assertEquals(List.of("close flusher", "drop-work started"), Events.take());
        assertFalse(owner.isDone(), "the owner waits for the work its drop started");
        assertTrue(owner.cancel());
        assertEquals(List.of(), Events.take(), "a second request does not reach cleanup work");
        flush.complete("f");
        assertEquals(List.of("drop-work done f", "drop-work unwound"), Events.take());
        assertTrue(owner.isCancelled());
    }

    @Test
    void aFailureOfWorkStartedByADropOnANormalExitBecomesTheOwners() {
        CompletableFuture<String> gate = f();
        CompletableFuture<String> flush = f();
        IllegalArgumentException error = iae("flush failed");
        Task<String> owner = ScopeEdges.ownsAFlusher(gate, flush, error);
        gate.complete("g");
        assertEquals(List.of("close flusher", "drop-work started"), Events.take());
        assertFalse(owner.isDone());
        flush.complete("f");
        assertSame(error, assertThrows(IllegalArgumentException.class, owner::join));
    }

    @Test
    void aReturnedChildsValueIsLostToAnUnseenSiblingFailure() {
        CompletableFuture<String> s = f();
        CompletableFuture<String> r = f();
        IllegalArgumentException es = iae("sibling");
        Task<String> parent = ScopeEdges.returnsAChildWithAFailingSibling(s, es, r);
        s.complete("S");
        assertFalse(parent.isDone(), "the returned child still runs");
        r.complete("R");
        assertSame(es, assertThrows(IllegalArgumentException.class, parent::join));

        CompletableFuture<String> s2 = f();
        CompletableFuture<String> r2 = f();
        Task<String> parent2 = ScopeEdges.returnsAChildWithAFailingSibling(s2, es, r2);
        r2.complete("R");
        assertFalse(parent2.isDone(), "the sibling still runs");
        s2.complete("S");
        assertSame(es, assertThrows(IllegalArgumentException.class, parent2::join));
    }

    @Test
    void aChildThatFailsAfterItsParentCancelledItIsStillReported() {
        CompletableFuture<Void> closing = new CompletableFuture<>();
        IllegalArgumentException ea = iae("a");
        IllegalStateException own = new IllegalStateException("own");
        Task<String> parent = ScopeEdges.throwsWhileAChildDrops(closing, ea, own);
        assertEquals(List.of("a throws", "close a", "parent throws"), Events.take());
        assertFalse(parent.isDone(), "the child's drop is not interrupted, and the parent waits for it");
        closing.complete(null);
        assertSame(own, assertThrows(IllegalStateException.class, parent::join));
        assertArrayEquals(new Throwable[] {ea}, own.getSuppressed());
    }

    // ---- task scopes ---------------------------------------------------------------------------------------------

    @Test
    void spawnRunsEachBodyInlineAndTheCloseWaitsForEveryChild() {
        CompletableFuture<String> a = f();
        CompletableFuture<String> b = f();
        Task<?>[] out = new Task<?>[2];
        Task<String> owner = ScopeEdges.spawnsTwoInline(a, b, out);
        assertEquals(List.of("before", "a started", "after a", "b started", "closing"), Events.take());
        b.complete("B");
        assertEquals(List.of("b done B", "b unwound"), Events.take());
        assertFalse(owner.isDone());
        assertTrue(out[1].isDone());
        assertFalse(out[1].cancel(), "a child that succeeded is not cancelled");
        a.complete("A");
        assertEquals(List.of("a done A", "a unwound", "closed"), Events.take());
        assertEquals("done", owner.join());
        assertEquals("A", out[0].join());
        assertEquals("B", out[1].join());
    }

    @Test
    void theCloseReportsFailuresInOrderOfCompletion() {
        CompletableFuture<Void> closing = new CompletableFuture<>();
        IllegalArgumentException ea = iae("a");
        IllegalArgumentException eb = iae("b");
        Task<?>[] out = new Task<?>[2];
        Task<String> owner = ScopeEdges.closeOrder(closing, ea, eb, out);
        assertEquals(List.of("a throws", "close a", "b fails", "closing"), Events.take());
        assertFalse(owner.isDone(), "a's drop is not interrupted");
        closing.complete(null);
        IllegalArgumentException thrown = assertThrows(IllegalArgumentException.class, owner::join);
        assertSame(eb, thrown, "b completed first");
        assertArrayEquals(new Throwable[] {ea}, thrown.getSuppressed());
        assertFalse(out[0].isCancelled(), "a finished its body without another await: it keeps its failure");
        assertSame(ea, assertThrows(IllegalArgumentException.class, out[0]::join));
    }

    @Test
    void aCancelledChildsCleanupFailureIsReportedAfterTheFailuresEvenIfItCameFirst() {
        CompletableFuture<String> b = f();
        CompletableFuture<String> gate = f();
        IllegalStateException cleanupError = new IllegalStateException("cleanup");
        IllegalArgumentException eb = iae("b");
        Task<?>[] out = new Task<?>[2];
        Task<String> owner = ScopeEdges.cleanupFailureThenFailure(f(), cleanupError, b, eb, gate, out);
        assertEquals(List.of("a started", "b started"), Events.take());
        assertTrue(out[0].cancel());
        assertEquals(List.of("a unwound"), Events.take());
        assertTrue(out[0].isCancelled());
        assertFalse(out[1].isDone(), "a cancelled child has not failed: no fail-fast");
        b.complete("B");
        assertEquals(List.of("b unwound"), Events.take());
        assertFalse(owner.isDone(), "the owner is not woken by the failure");
        gate.complete("g");
        assertEquals(List.of("owner got g"), Events.take());
        IllegalArgumentException thrown = assertThrows(IllegalArgumentException.class, owner::join);
        assertSame(eb, thrown);
        assertEquals(1, thrown.getSuppressed().length);
        CancellationException aOutcome = assertInstanceOf(CancellationException.class, thrown.getSuppressed()[0]);
        assertArrayEquals(new Throwable[] {cleanupError}, aOutcome.getSuppressed());
    }

    @Test
    void anOwnerCancelledInTheCloseKeepsItsValueAfterASlowChildsCleanup() {
        CompletableFuture<String> cleanup = f();
        Task<String> owner = ScopeEdges.waitsInCloseForSlow(f(), cleanup);
        assertEquals(List.of("a started", "closing"), Events.take());
        assertTrue(owner.cancel(), "under way: the close is still waiting");
        assertEquals(List.of("a cleaning up"), Events.take());
        assertFalse(owner.isDone());
        cleanup.complete("c");
        assertEquals(List.of("a cleaned up", "closed"), Events.take());
        assertFalse(owner.isCancelled(), "the owner met no await of its own after the request");
        assertEquals("own", owner.join());
    }

    @Test
    void aCleanupFailureAloneIsTheCloseFailureOfAnOwnerCancelledInTheClose() {
        CompletableFuture<String> cleanup = f();
        Task<String> owner = ScopeEdges.waitsInCloseForSlow(f(), cleanup);
        Events.take();
        assertTrue(owner.cancel());
        IllegalStateException broken = new IllegalStateException("cleanup broke");
        cleanup.completeExceptionally(broken);
        assertEquals(List.of("a cleaning up"), Events.take());
        assertTrue(owner.isDone());
        CancellationException thrown = assertThrows(CancellationException.class, owner::join);
        assertArrayEquals(new Throwable[] {broken}, thrown.getSuppressed());
    }

    @Test
    void failFastCancelsTheOthersNewestFirstAndLaterSpawnsAtOnceWithoutWakingTheOwner() {
        CompletableFuture<String> a = f();
        CompletableFuture<String> gate = f();
        IllegalArgumentException ea = iae("a");
        Task<?>[] out = new Task<?>[4];
        Task<String> owner = ScopeEdges.failFastOrder(a, ea, f(), f(), f(), gate, out);
        assertEquals(List.of("a started", "b started", "c started"), Events.take());
        a.complete("A");
        assertEquals(List.of("a unwound", "c unwound", "b unwound"), Events.take());
        assertFalse(owner.isDone(), "the owner is not woken by the failure");
        gate.complete("g");
        // d is cancelled inside the owner's step: the future it awaits directly is cancelled at once, and d resumes
        // to unwind right after that step (cancellation.md, a plain CompletableFuture).
        assertEquals(List.of("owner got g", "d started", "closing", "d unwound"), Events.take());
        assertSame(ea, assertThrows(IllegalArgumentException.class, owner::join));
        assertEquals(0, ea.getSuppressed().length);
        assertFalse(out[0].cancel(), "a failed");
        for (int i = 1; i < 4; i++) {
            assertTrue(out[i].isCancelled(), "child " + i);
            assertTrue(out[i].cancel(), "cancel() of a cancelled task reports true");
        }
    }

    @Test
    void theCloseIsIdempotentAndSpawnAfterItCompletedThrows() {
        Task<String> owner = ScopeEdges.closeTwiceThenSpawn();
        assertEquals(List.of("same true", "refused", "abort same true"), Events.take());
        assertEquals("ok", owner.join());
    }

    @Test
    void aChildMaySpawnASiblingWhileTheCloseWaits() {
        CompletableFuture<String> a = f();
        CompletableFuture<String> b = f();
        Task<?>[] out = new Task<?>[1];
        Task<String> owner = ScopeEdges.siblingWhileClosing(a, b, out);
        assertEquals(List.of("spawner started", "closing"), Events.take());
        a.complete("A");
        assertEquals(List.of("sibling started", "spawner returns A"), Events.take());
        assertFalse(owner.isDone(), "the close waits for the sibling");
        assertFalse(out[0].isDone(), "the sibling is the spawner's child too");
        b.complete("B");
        assertEquals(List.of("sibling done B", "sibling unwound", "closed"), Events.take());
        assertEquals("done", owner.join());
        assertEquals("A", out[0].join());
    }

    @Test
    void aChildThatSpawnsAFailingSiblingIsCancelledAtItsNextAwait() {
        CompletableFuture<String> start = f();
        IllegalArgumentException error = iae("sibling");
        Task<?>[] out = new Task<?>[1];
        Task<String> owner = ScopeEdges.childSpawnsAFailingSibling(start, f(), error, out);
        assertEquals(List.of("spawner started", "closing"), Events.take());
        start.complete("go");
        assertEquals(List.of("sibling fails", "spawner continues", "spawner unwound"), Events.take());
        assertTrue(out[0].isCancelled());
        assertSame(error, assertThrows(IllegalArgumentException.class, owner::join));
        assertEquals(0, error.getSuppressed().length);
    }

    @Test
    void aCancelledOwnerCancelsItsScopesChildrenNewestFirstAndCollectsTheirCleanupFailures() {
        CompletableFuture<String> ca = f();
        CompletableFuture<String> cb = f();
        Task<String> owner = ScopeEdges.cancelledInsideScope(f(), ca, f(), cb, f());
        assertEquals(List.of("a started", "b started"), Events.take());
        assertTrue(owner.cancel());
        assertEquals(List.of("b cleaning up", "a cleaning up"), Events.take());
        IllegalStateException broken = new IllegalStateException("b broke");
        cb.completeExceptionally(broken);
        assertFalse(owner.isDone());
        ca.complete("c");
        assertEquals(List.of("a cleaned up", "owner finally"), Events.take());
        assertTrue(owner.isCancelled());
        CancellationException thrown = assertThrows(CancellationException.class, owner::join);
        assertEquals(1, thrown.getSuppressed().length, "b's outcome, reported once");
        CancellationException bOutcome = assertInstanceOf(CancellationException.class, thrown.getSuppressed()[0]);
        assertArrayEquals(new Throwable[] {broken}, bOutcome.getSuppressed());
    }

    @Test
    void anOwnerThatThrowsGetsTheCancelledChildsCleanupFailureSuppressed() {
        IllegalStateException cleanupError = new IllegalStateException("cleanup");
        IllegalArgumentException own = iae("own");
        Task<String> owner = ScopeEdges.throwsInsideScope(f(), cleanupError, own);
        assertEquals(List.of("a started", "owner throws", "a unwound"), Events.take());
        assertSame(own, assertThrows(IllegalArgumentException.class, owner::join));
        assertEquals(1, own.getSuppressed().length);
        CancellationException aOutcome = assertInstanceOf(CancellationException.class, own.getSuppressed()[0]);
        assertArrayEquals(new Throwable[] {cleanupError}, aOutcome.getSuppressed());
    }

    @Test
    void aChildsFailureIsSuppressedOntoTheOwnersLaterException() {
        CompletableFuture<String> a = f();
        CompletableFuture<String> gate = f();
        IllegalArgumentException ea = iae("a");
        IllegalStateException own = new IllegalStateException("own");
        Task<String> owner = ScopeEdges.childFailsThenOwnerThrows(a, ea, gate, own);
        a.complete("A");
        assertEquals(List.of("a started", "a unwound"), Events.take());
        assertFalse(owner.isDone());
        gate.complete("g");
        assertSame(own, assertThrows(IllegalStateException.class, owner::join));
        assertArrayEquals(new Throwable[] {ea}, own.getSuppressed());
    }

    @Test
    void theCloseReportsAFailureTheOwnerAwaitedAndHandled() {
        CompletableFuture<String> a = f();
        IllegalArgumentException ea = iae("a failed");
        Task<String> owner = ScopeEdges.handlesThenCloses(a, ea);
        a.complete("A");
        assertEquals(List.of("a started", "a unwound", "handled a failed", "leaving scope", "close threw a failed same true"),
                Events.take());
        assertEquals("reported", owner.join());
    }

    @Test
    void anInnerScopesFailureLeavesTheOuterScopeWithAnExceptionWhichCancelsItsChildren() {
        IllegalArgumentException error = iae("i2");
        Task<String> owner = ScopeEdges.nestedInnerFails(f(), f(), error);
        // i1 is cancelled inside the owner's step, and unwinds right after it.
        assertEquals(List.of("o1 started", "i1 started", "i2 fails", "inner closing", "i1 unwound", "o1 unwound"),
                Events.take());
        assertSame(error, assertThrows(IllegalArgumentException.class, owner::join));
        assertEquals(0, error.getSuppressed().length);
    }

    @Test
    void aCancelledOwnerClosesTheInnerScopeBeforeTheOuter() {
        CompletableFuture<String> co = f();
        CompletableFuture<String> ci = f();
        Task<String> owner = ScopeEdges.nestedCancelled(f(), co, f(), ci, f());
        assertEquals(List.of("o1 started", "i1 started"), Events.take());
        assertTrue(owner.cancel());
        assertEquals(List.of("i1 cleaning up"), Events.take());
        ci.complete("c");
        assertEquals(List.of("i1 cleaned up", "o1 cleaning up"), Events.take());
        assertFalse(owner.isDone());
        co.complete("c");
        assertEquals(List.of("o1 cleaned up"), Events.take());
        assertTrue(owner.isCancelled());
    }

    @Test
    void cancellingAnOwnerInItsCloseReachesGrandchildrenInAChildsScope() {
        CompletableFuture<String> cg = f();
        Task<String> owner = ScopeEdges.ownerOfChildWithScope(f(), cg, f());
        assertEquals(List.of("grandchild started", "closing"), Events.take());
        assertTrue(owner.cancel());
        assertEquals(List.of("grandchild cleaning up"), Events.take());
        assertFalse(owner.isDone());
        cg.complete("c");
        assertEquals(List.of("grandchild cleaned up", "child finally", "closed"), Events.take());
        assertFalse(owner.isCancelled());
        assertEquals("own", owner.join());
    }

    @Test
    void aScopeOpenedWhileUnwindingHoldsCleanupWork() {
        CompletableFuture<String> flush = f();
        Task<String> owner = ScopeEdges.cleanupScope(f(), flush, null);
        assertTrue(owner.cancel());
        assertEquals(List.of("flush started", "cleanup closing"), Events.take());
        assertFalse(owner.isDone());
        assertTrue(owner.cancel());
        assertEquals(List.of(), Events.take(), "a second request does not reach cleanup work");
        flush.complete("F");
        assertEquals(List.of("flush done F", "flush unwound", "cleanup closed"), Events.take());
        assertTrue(owner.isCancelled());
        assertEquals(0, assertThrows(CancellationException.class, owner::join).getSuppressed().length);
    }

    @Test
    void aCleanupScopesFailureIsSuppressedOntoTheCancellationOnce() {
        CompletableFuture<String> flush = f();
        IllegalArgumentException error = iae("flush");
        Task<String> owner = ScopeEdges.cleanupScope(f(), flush, error);
        assertTrue(owner.cancel());
        Events.take();
        flush.complete("F");
        assertEquals(List.of("flush unwound"), Events.take());
        assertTrue(owner.isCancelled());
        CancellationException thrown = assertThrows(CancellationException.class, owner::join);
        assertArrayEquals(new Throwable[] {error}, thrown.getSuppressed());
    }

    @Test
    void aBodyThatThrowsOrReturnsNullGivesAFailedChild() {
        IllegalArgumentException bodyError = iae("body");
        Task<?>[] out = new Task<?>[3];
        Task<String> owner = ScopeEdges.badBodies(f(), bodyError, out);
        assertEquals(List.of("a started", "a unwound"), Events.take());
        assertTrue(out[0].isCancelled());
        assertSame(bodyError, assertThrows(IllegalArgumentException.class, out[1]::join));
        NullPointerException npe = assertThrows(NullPointerException.class, out[2]::join);
        assertTrue(npe.getMessage().contains("TaskScope.spawn"), npe.getMessage());
        IllegalArgumentException thrown = assertThrows(IllegalArgumentException.class, owner::join);
        assertSame(bodyError, thrown);
        assertArrayEquals(new Throwable[] {npe}, thrown.getSuppressed());
    }

    @Test
    void aSpawnedTaskFailedWithACancellationExceptionIsCancelledAndFailsNothing() {
        CompletableFuture<String> a = f();
        Task<?>[] out = new Task<?>[2];
        Task<String> owner = ScopeEdges.spawnsACancelledOutcome(a, out);
        assertEquals(List.of("a started", "closing"), Events.take());
        assertTrue(out[1].isCancelled());
        assertFalse(out[0].isDone(), "a cancelled sibling is no failure: no fail-fast");
        a.complete("A");
        assertEquals(List.of("a done A", "a unwound"), Events.take());
        assertEquals("closed", owner.join());
    }

    @Test
    void aChildThatFailsWithACancellationExceptionFailsTheScope() {
        CompletableFuture<Integer> x = new CompletableFuture<>();
        Task<String> owner = ScopeEdges.childFailsWithACancellationException(Task.from(x), f());
        assertEquals(List.of("b started", "closing"), Events.take());
        CancellationException gone = new CancellationException("gone");
        x.completeExceptionally(gone);
        assertEquals(List.of("b unwound"), Events.take());
        assertTrue(owner.isDone());
        assertFalse(owner.isCancelled());
        assertSame(gone, assertThrows(CancellationException.class, owner::join));
    }

    @Test
    void cancellingTheCloseCancelsTheChildrenAndTheCloseStillSucceeds() {
        CompletableFuture<String> ca = f();
        Task<?>[] out = new Task<?>[2];
        Task<String> owner = ScopeEdges.exposesClose(f(), ca, out);
        assertEquals(List.of("a started"), Events.take());
        Task<?> close = out[0];
        assertTrue(close.cancel(), "the close had not completed");
        assertEquals(List.of("a cleaning up"), Events.take());
        assertFalse(close.isDone());
        assertFalse(owner.isDone());
        ca.complete("c");
        assertEquals(List.of("a cleaned up", "closed"), Events.take());
        assertTrue(close.isDone());
        assertFalse(close.isCancelled());
        assertNull(close.join());
        assertFalse(close.cancel(), "completed");
        assertTrue(out[1].isCancelled());
        assertEquals("own", owner.join());
    }

    @Test
    void aCancelledOwnerAwaitingAScopeChildCancelsItFirstThenTheOthers() {
        CompletableFuture<String> ca = f();
        Task<String> owner = ScopeEdges.awaitsAScopeChild(f(), ca, f());
        assertEquals(List.of("a started", "b started"), Events.take());
        assertTrue(owner.cancel());
        assertEquals(List.of("a cleaning up"), Events.take());
        assertFalse(owner.isDone());
        ca.complete("c");
        assertEquals(List.of("a cleaned up", "b unwound"), Events.take());
        assertTrue(owner.isCancelled());
    }

    /**
     * A scope never closed: its child is still waited for (it is the owner's child too), but its failure belongs to
     * the close, which never runs: a scope must be closed (documented in structured-concurrency.md).
     */
    @Test
    void aScopeNeverClosedHasItsChildrenWaitedForButReportsNothing() {
        CompletableFuture<String> a = f();
        IllegalArgumentException ea = iae("a");
        Task<String> owner = ScopeEdges.neverCloses(a, ea);
        assertEquals(List.of("a started", "returns"), Events.take());
        assertFalse(owner.isDone(), "the spawned task is the owner's child");
        a.complete("A");
        assertEquals(List.of("a unwound"), Events.take());
        assertEquals("own", owner.join());
    }

    @Test
    void everyDeferredCallOfASpawnBodyIsAChildOfTheScope() {
        ArrayDeque<Runnable> queue = new ArrayDeque<>();
        CompletableFuture<String> x = f();
        IllegalArgumentException ex = iae("x");
        Task<?>[] out = new Task<?>[1];
        Task<String> owner = ScopeEdges.deferredPair(queue::add, x, ex, f(), out);
        assertEquals(List.of("closing"), Events.take());
        assertEquals(2, queue.size());
        Runnable r;
        while ((r = queue.poll()) != null) r.run();
        assertEquals(List.of("x started", "y started"), Events.take());
        x.complete("X");
        assertEquals(List.of("x unwound", "y unwound"), Events.take());
        assertTrue(out[0].isCancelled());
        assertSame(ex, assertThrows(IllegalArgumentException.class, owner::join));
    }

    @Test
    void aSpawnedAsyncLambdaIsCancelledWithItsOwnChildWhenTheOwnerThrows() {
        CompletableFuture<String> trigger = f();
        IllegalStateException own = new IllegalStateException("own");
        Task<String> owner = ScopeEdges.spawnsALambdaWithAChild(f(), f(), trigger, own);
        assertEquals(List.of("lambda child started", "lambda waits"), Events.take());
        trigger.complete("t");
        assertEquals(List.of("lambda child unwound"), Events.take());
        assertSame(own, assertThrows(IllegalStateException.class, owner::join));
        assertEquals(0, own.getSuppressed().length);
    }

    @Test
    void aSiblingSpawnedFromACancelledChildsFinallyIsCancelledAtOnce() {
        Task<?>[] out = new Task<?>[1];
        Task<String> owner = ScopeEdges.siblingFromACancelledChildsFinally(f(), f(), f(), out);
        assertEquals(List.of("child started"), Events.take());
        assertTrue(owner.cancel());
        // late is cancelled inside the child's step, and unwinds right after it.
        assertEquals(List.of("late started", "child unwound", "late unwound"), Events.take());
        assertTrue(owner.isDone());
        assertTrue(owner.isCancelled());
        assertTrue(out[0].isCancelled());
    }

    @Test
    void aCloseStartedAndNotAwaitedIsStillAChildWhoseFailureIsTheOwners() {
        CompletableFuture<String> a = f();
        IllegalArgumentException ea = iae("a");
        Task<String> owner = ScopeEdges.closesWithoutAwaiting(a, ea);
        assertEquals(List.of("a started", "returns"), Events.take());
        assertFalse(owner.isDone());
        a.complete("A");
        assertEquals(List.of("a unwound"), Events.take());
        assertSame(ea, assertThrows(IllegalArgumentException.class, owner::join));
    }

    @Test
    void manyUnseenFailuresAreReportedInStartOrder() {
        int n = 20;
        List<CompletableFuture<String>> ins = new java.util.ArrayList<>();
        List<RuntimeException> errors = new java.util.ArrayList<>();
        for (int i = 0; i < n; i++) {
            ins.add(f());
            errors.add(iae("e" + i));
        }
        Task<String> parent = ScopeEdges.forgetsMany(ins, errors);
        for (int i = n - 1; i >= 0; i--) ins.get(i).complete("x");
        IllegalArgumentException thrown = assertThrows(IllegalArgumentException.class, parent::join);
        assertSame(errors.get(0), thrown);
        assertEquals(errors.subList(1, n), List.of(thrown.getSuppressed()));
        Events.take();
    }

    @Test
    void aCancelledOwnerAwaitingAScopeChildReportsItsCleanupFailureOnce() {
        IllegalStateException cleanupError = new IllegalStateException("cleanup");
        Task<String> owner = ScopeEdges.awaitsABrokenScopeChild(f(), cleanupError);
        assertEquals(List.of("a started"), Events.take());
        assertTrue(owner.cancel());
        assertEquals(List.of("a unwound"), Events.take());
        assertTrue(owner.isCancelled());
        CancellationException thrown = assertThrows(CancellationException.class, owner::join);
        assertEquals(1, thrown.getSuppressed().length, java.util.Arrays.toString(thrown.getSuppressed()));
        CancellationException aOutcome = assertInstanceOf(CancellationException.class, thrown.getSuppressed()[0]);
        assertArrayEquals(new Throwable[] {cleanupError}, aOutcome.getSuppressed());
    }

    @Test
    void aParentThatThrewAndWaitsForASlowChildIsNotCancelledByARequest() {
        CompletableFuture<String> cleanup = f();
        IllegalStateException own = new IllegalStateException("own");
        Task<String> parent = ScopeEdges.throwsWithASlowChild(f(), cleanup, own);
        assertEquals(List.of("a started", "parent throws", "a cleaning up"), Events.take());
        assertFalse(parent.cancel(), "the body threw: its outcome is decided");
        assertFalse(parent.isDone());
        cleanup.complete("c");
        assertEquals(List.of("a cleaned up"), Events.take());
        assertFalse(parent.isCancelled());
        assertSame(own, assertThrows(IllegalStateException.class, parent::join));
        assertEquals(0, own.getSuppressed().length);
    }

    @Test
    void anExecutorThatRefusesAStartFailsTheScopeAndCancelsTheUnstartedSibling() {
        ArrayDeque<Runnable> queue = new ArrayDeque<>();
        java.util.concurrent.RejectedExecutionException refused =
                new java.util.concurrent.RejectedExecutionException("full");
        java.util.concurrent.Executor executor = r -> {
            if (!queue.isEmpty()) throw refused;
            queue.add(r);
        };
        Task<?>[] out = new Task<?>[2];
        Task<String> owner = ScopeEdges.refusedStart(executor, f(), f(), out);
        assertEquals(List.of("closing"), Events.take());
        assertTrue(out[0].isCancelled(), "b never started: cancelled by fail-fast");
        assertSame(refused, assertThrows(java.util.concurrent.RejectedExecutionException.class, out[1]::join));
        assertTrue(owner.isDone());
        assertSame(refused, assertThrows(java.util.concurrent.RejectedExecutionException.class, owner::join));
        queue.poll().run();
        assertEquals(List.of(), Events.take(), "b's body never runs");
    }

    @Test
    void aDetachedChildOfAScopeIsStillWaitedForAndReportedByTheClose() {
        CompletableFuture<String> a = f();
        IllegalArgumentException ea = iae("a");
        Task<String> owner = ScopeEdges.spawnsADetachedChild(a, ea);
        assertEquals(List.of("a started", "closing"), Events.take());
        assertFalse(owner.isDone());
        a.complete("A");
        assertEquals(List.of("a unwound"), Events.take());
        assertSame(ea, assertThrows(IllegalArgumentException.class, owner::join));
    }

    @Test
    void aScopeChildReturnedThroughTheScopeIsWaitedForByTheClose() {
        CompletableFuture<String> a = f();
        Task<String> owner = ScopeEdges.returnsAScopeChild(a);
        assertEquals(List.of("a started"), Events.take());
        assertFalse(owner.isDone());
        a.complete("A");
        assertEquals(List.of("a done A", "a unwound", "scope left"), Events.take());
        assertEquals("A", owner.join());
    }

    @Test
    void aScopeUsedFromPlainCodeClosesByBlockingAndThrowsTheFailure() {
        CompletableFuture<String> in = f();
        IllegalArgumentException error = iae("plain");
        dev.coda.TaskScope scope = dev.coda.TaskScope.open();
        Task<String> t = scope.spawn(() -> Children.audit("p", in, error));
        Task<String> other = scope.spawn(() -> Children.audit("q", f(), null));
        in.complete("x");
        assertEquals(List.of("p started", "q started", "p unwound", "q unwound"), Events.take());
        assertTrue(other.isCancelled());
        assertSame(error, assertThrows(IllegalArgumentException.class, scope::close));
        assertSame(error, assertThrows(IllegalArgumentException.class, t::join));
        assertThrows(IllegalStateException.class, () -> scope.spawn(() -> Task.completed("late")));
    }

    @Test
    void aFailureInFlightThatIsAlsoTheClosesIsNotSuppressedOntoItself() {
        CompletableFuture<String> a = f();
        IllegalArgumentException ea = iae("a");
        Task<String> owner = ScopeEdges.lets(a, ea, f());
        a.complete("A");
        assertEquals(List.of("a started", "b started", "a unwound", "b unwound"), Events.take());
        IllegalArgumentException thrown = assertThrows(IllegalArgumentException.class, owner::join);
        assertSame(ea, thrown, "was: " + thrown + ", caused by " + thrown.getCause());
        assertEquals(0, ea.getSuppressed().length);
    }

    @Test
    void aRequestMadeWhileTheOwnerDropsAnotherResourceReachesTheScopesChildrenAtTheClose() {
        CompletableFuture<String> cleanup = f();
        CompletableFuture<Void> closing = new CompletableFuture<>();
        Task<String> owner = ScopeEdges.requestDuringAnotherDrop(f(), cleanup, closing);
        assertEquals(List.of("a started", "leaving", "close r"), Events.take());
        assertTrue(owner.cancel());
        assertEquals(List.of(), Events.take(), "drops are never interrupted");
        closing.complete(null);
        assertEquals(List.of("a cleaning up"), Events.take(), "the owner now waits in the scope's close");
        assertFalse(owner.isDone());
        cleanup.complete("c");
        assertEquals(List.of("a cleaned up", "left"), Events.take());
        assertFalse(owner.isCancelled(), "no await of its own after the request");
        assertEquals("own", owner.join());
    }

    @Test
    void workSpawnedWhileUnwindingIntoAScopeOpenedBeforeIsCancelledByThatScope() {
        CompletableFuture<String> flush = f();
        Task<String> owner = ScopeEdges.spawnsCleanupIntoAnEarlierScope(f(), flush);
        assertTrue(owner.cancel());
        // The scope was opened before the owner unwound: its abort cancels every child, this one included.
        assertEquals(List.of("flush started", "flush unwound"), Events.take());
        assertTrue(owner.isCancelled());
    }

    @Test
    void aTreeOfChildrenOnAPoolNeverOutlivesTheOwner() throws Exception {
        java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(4);
        try {
            for (int i = 0; i < 300; i++) {
                java.util.concurrent.atomic.AtomicInteger live = new java.util.concurrent.atomic.AtomicInteger();
                java.util.concurrent.atomic.AtomicInteger started = new java.util.concurrent.atomic.AtomicInteger();
                int failAt = i % 3 == 0 ? -1 : 1 + (i * 7) % 31;
                Task<String> owner = ScopeEdges.treeOwner(pool, 4, live, started, failAt);
                CompletableFuture<String> done = owner.toCompletableFuture();
                try {
                    String v = done.get(20, TimeUnit.SECONDS);
                    assertEquals(-1, failAt, "iteration " + i + ": no failure expected to be lost");
                    assertEquals("done 0", v);
                    assertEquals(31, started.get());
                } catch (java.util.concurrent.ExecutionException e) {
                    assertTrue(failAt > 0, "iteration " + i + " " + e.getCause());
                    assertEquals("boom " + failAt, e.getCause().getMessage(), "iteration " + i);
                }
                assertEquals(0, live.get(), "iteration " + i + ": a child outlived its owner");
            }
        } finally {
            pool.shutdownNow();
            assertTrue(pool.awaitTermination(10, TimeUnit.SECONDS));
        }
        Events.take();
    }

    @Test
    void spawnsRacingTheCloseFromOtherThreadsAreEitherRefusedOrWaitedFor() throws Exception {
        for (int round = 0; round < 50; round++) {
            dev.coda.TaskScope scope = dev.coda.TaskScope.open();
            java.util.Queue<Task<?>> spawned = new java.util.concurrent.ConcurrentLinkedQueue<>();
            java.util.concurrent.atomic.AtomicInteger refused = new java.util.concurrent.atomic.AtomicInteger();
            java.util.concurrent.CountDownLatch go = new java.util.concurrent.CountDownLatch(1);
            Thread[] threads = new Thread[3];
            for (int t = 0; t < threads.length; t++) {
                threads[t] = new Thread(() -> {
                    try {
                        go.await();
                    } catch (InterruptedException e) {
                        return;
                    }
                    for (int k = 0; k < 300; k++) {
                        try {
                            spawned.add(scope.spawn(() -> dev.coda.Coda.sleep(java.time.Duration.ofNanos(50_000))));
                        } catch (IllegalStateException e) {
                            refused.incrementAndGet();
                            return;
                        }
                    }
                });
                threads[t].start();
            }
            go.countDown();
            Task<Void> close = scope.closeAsync();
            close.toCompletableFuture().get(20, TimeUnit.SECONDS);
            for (Task<?> t : spawned) assertTrue(t.isDone(), "round " + round + ": the close completed before a child");
            for (Thread t : threads) t.join(20_000);
            for (Task<?> t : spawned) assertTrue(t.isDone(), "round " + round + ": a child spawned and not waited for");
        }
    }

    @Test
    void anOwnedScopeWhoseCloseFailsWithTheExceptionInFlightLeavesItAlone() {
        CompletableFuture<String> a = f();
        IllegalArgumentException ea = iae("a");
        Task<String> owner = ScopeEdges.letsOwned(a, ea, f());
        a.complete("A");
        assertEquals(List.of("a started", "b started", "a unwound", "b unwound"), Events.take());
        assertSame(ea, assertThrows(IllegalArgumentException.class, owner::join));
        assertEquals(0, ea.getSuppressed().length);
    }

    @Test
    void cancellingAnOwnerThatReturnedItsScopesCloseReportsWhatTheOutcomeWillBe() {
        CompletableFuture<String> cleanup = f();
        Task<Void> owner = ScopeEdges.returnsTheClose(f(), cleanup);
        assertEquals(List.of("a started"), Events.take());
        boolean reported = owner.cancel();
        assertEquals(List.of("a cleaning up"), Events.take());
        cleanup.complete("c");
        assertEquals(List.of("a cleaned up"), Events.take());
        assertTrue(owner.isDone());
        // The returned close completes as its children do (succeeded), and the owner adopts that outcome
        // (returned children): so cancel() must report false, as for a body that keeps its value.
        assertFalse(owner.isCancelled());
        assertNull(owner.join());
        assertFalse(reported, "cancel() returned true, but the owner " + owner);
    }

    @Test
    void onlyTheScopesOwnerReachesItsChildrenThroughTheClose() {
        CompletableFuture<String> in = f();
        dev.coda.TaskScope scope = ScopeEdges.openWithAChild(in);
        Task<String> helper = ScopeEdges.awaitsAnotherOwnersClose(scope);
        assertEquals(List.of("a started"), Events.take());
        assertTrue(helper.cancel());
        assertEquals(List.of("helper unwound"), Events.take(), "the child is not cancelled");
        assertTrue(helper.isCancelled());
        in.complete("A");
        assertEquals(List.of("a done A", "a unwound"), Events.take());
        assertNull(scope.closeAsync().join());
    }

    @Test
    void anOwnerThatThrewWhileItsScopeWaitsForASlowChildKeepsItsException() {
        CompletableFuture<String> cleanup = f();
        IllegalStateException own = new IllegalStateException("own");
        Task<String> owner = ScopeEdges.throwsInScopeWithASlowChild(f(), cleanup, own);
        assertEquals(List.of("a started", "owner throws", "a cleaning up"), Events.take());
        owner.cancel(); // in drop glue: never delivered; may report true (cancellation.md, delivery at awaits)
        assertFalse(owner.isDone());
        cleanup.complete("c");
        assertEquals(List.of("a cleaned up"), Events.take());
        assertFalse(owner.isCancelled());
        assertSame(own, assertThrows(IllegalStateException.class, owner::join));
        assertEquals(0, own.getSuppressed().length);
    }
}
