package dev.coda.tests.abort;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.coda.Task;
import dev.coda.tests.support.Events;
import java.util.List;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * An owned resource learns how its scope ended: closeAsync() after a normal exit, abortAsync(cause) after an
 * exception or a cancellation, and when the runtime closes a value no owner took.
 */
class AbortTest {
    @BeforeEach
    void reset() {
        Events.take();
    }

    @Test
    void aNormalExitCommits() {
        CompletableFuture<String> work = new CompletableFuture<>();
        Task<String> t = Transactions.owned(Task.from(work), false);
        work.complete("w");
        assertEquals("w", t.join());
        assertEquals(List.of("body done", "commit a"), Events.take());
    }

    @Test
    void anExceptionRollsBackWithTheExceptionInFlight() {
        CompletableFuture<String> work = new CompletableFuture<>();
        Task<String> t = Transactions.owned(Task.from(work), true);
        work.complete("w");
        IllegalStateException e = assertThrows(IllegalStateException.class, t::join);
        assertEquals("failed after w", e.getMessage());
        assertEquals(List.of("rollback a (IllegalStateException: failed after w)"), Events.take());
    }

    @Test
    void aCancellationRollsBackWithTheSignal() {
        CompletableFuture<String> work = new CompletableFuture<>();
        Task<String> t = Transactions.owned(Task.from(work), false);
        assertTrue(t.cancel());
        assertTrue(t.isCancelled());
        assertThrows(CancellationException.class, t::join);
        List<String> events = Events.take();
        assertEquals(1, events.size(), events.toString());
        assertTrue(events.get(0).startsWith("rollback a (Cancelled: "), events.toString());
    }

    @Test
    void tryWithResourcesAbortsEachResourceInnerFirst() {
        CompletableFuture<String> work = new CompletableFuture<>();
        Task<String> t = Transactions.twoInTry(Task.from(work), true);
        work.complete("x");
        assertThrows(IllegalArgumentException.class, t::join);
        assertEquals(List.of("rollback inner (IllegalArgumentException: bad x)",
                "rollback outer (IllegalArgumentException: bad x)"), Events.take());

        Task<String> ok = Transactions.twoInTry(Task.completed("y"), false);
        assertEquals("y", ok.join());
        assertEquals(List.of("commit inner", "commit outer"), Events.take());
    }

    @Test
    void aFailureCaughtInsideTheScopeIsANormalExit() {
        CompletableFuture<String> work = new CompletableFuture<>();
        Task<String> t = Transactions.caughtInside(Task.from(work));
        work.completeExceptionally(new IllegalStateException("inner"));
        assertEquals("ok", t.join());
        assertEquals(List.of("caught inner", "commit a"), Events.take());
    }

    @Test
    void aResourceWithoutAbortIsClosedOnEveryExit() {
        CompletableFuture<String> work = new CompletableFuture<>();
        Task<String> t = Transactions.plain(Task.from(work));
        t.cancel();
        assertTrue(t.isCancelled());
        assertEquals(List.of("close"), Events.take());
        work.completeExceptionally(new IllegalStateException("late"));
    }

    @Test
    void aValueInTransitIsAbortedWhenItsAwaiterWasCancelled() {
        CompletableFuture<Void> ready = new CompletableFuture<>();
        Task<Tx> opening = Transactions.open(Task.from(ready), "transit").detach();
        Task<String> borrower = Transactions.borrow(opening, Task.completed("unused"));
        borrower.cancel();
        ready.complete(null);
        assertTrue(borrower.isCancelled());
        List<String> events = Events.take();
        assertEquals(1, events.size(), events.toString());
        assertTrue(events.get(0).startsWith("rollback transit ("), events.toString());
    }

    @Test
    void aFailedRollbackIsSuppressedOntoTheException() {
        IllegalStateException rollbackFailure = new IllegalStateException("rollback failed");
        Task<String> t = OwningFailedRelease.run(Task.failed(rollbackFailure));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, t::join);
        assertArrayEquals(new Throwable[] {rollbackFailure}, e.getSuppressed());
        assertEquals(List.of("rollback r (IllegalArgumentException: body fails)"), Events.take());
    }

    @Test
    void aFailedCommitFailsTheCall() {
        IllegalStateException commitFailure = new IllegalStateException("commit failed");
        Task<String> t = OwningFailedRelease.succeed(Task.failed(commitFailure));
        assertSame(commitFailure, assertThrows(IllegalStateException.class, t::join));
        assertEquals(List.of("commit r"), Events.take());
    }

    @Test
    void aScopeWhoseOwnerFailsCancelsItsChildrenFirst() {
        CompletableFuture<String> childWork = new CompletableFuture<>();
        Task<String> t = Transactions.scopeOwnerFails(Task.from(childWork));
        assertTrue(t.isDone(), "the abort cancelled the child, which ended at once");
        assertEquals("owner fails", assertThrows(IllegalStateException.class, t::join).getMessage());
        assertEquals(List.of("child ends"), Events.take());
        assertFalse(childWork.isDone(), "a view of a shared future is never cancelled");
        assertInstanceOf(Task.class, t);
    }
}
