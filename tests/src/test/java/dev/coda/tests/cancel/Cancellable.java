package dev.coda.tests.cancel;

import static dev.coda.Coda.await;
import static dev.coda.tests.support.Events.log;

import dev.coda.Async;
import dev.coda.Task;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;

/**
 * Async functions that are cancelled while they run: the request is delivered at an await, and the function unwinds
 * by throwing {@code Cancelled}, which runs finally blocks but is not caught by {@code catch (Exception e)}.
 */
public final class Cancellable {
    private Cancellable() {}

    /** Set by a test to the task a body cancels from inside; see {@link #cancelsItselfThenAwaitsCompleted}. */
    public static volatile Task<?> self;

    @Async
    public static Task<String> suspendedInTryFinally(CompletableFuture<String> f) {
        log("start");
        try {
            String s = await(f);
            log("after await " + s);
            return Task.completed(s);
        } catch (Exception e) {
            log("catch(Exception) " + e);
            return Task.completed("caught");
        } finally {
            log("finally");
        }
    }

    /** Resumes, cancels its own task, and then meets an await of a task that is already complete. */
    @Async
    public static Task<Integer> cancelsItselfThenAwaitsCompleted(CompletableFuture<Integer> f) {
        int a = await(f);
        self.cancel();
        log("requested");
        try {
            int b = await(Task.completed(2));
            log("not delivered " + b);
            return Task.completed(a + b);
        } finally {
            log("finally");
        }
    }

    /** Cancels its own task after the last await: the body's own outcome stands. */
    @Async
    public static Task<Integer> cancelledAfterLastAwait(CompletableFuture<Integer> f) {
        int a = await(f);
        self.cancel();
        log("requested");
        return Task.completed(a * 10);
    }

    /** Swallows the signal; the awaits after it run to completion and the outcome is still cancelled. */
    @Async
    public static Task<String> swallows(CompletableFuture<String> f, CompletableFuture<String> g) {
        try {
            await(f);
        } catch (Throwable t) {
            log("caught " + t.getClass().getSimpleName());
        }
        String after = await(g);
        log("after " + after);
        return Task.completed(after);
    }

    /** A finally block that awaits while unwinding, and then throws: the failure is suppressed on the outcome. */
    @Async
    public static Task<String> finallyAwaitsThenThrows(CompletableFuture<String> f, CompletableFuture<String> cleanup) {
        try {
            return Task.completed(await(f));
        } finally {
            log("cleanup " + await(cleanup));
            throw new IllegalStateException("cleanup failed");
        }
    }

    @Async
    public static Task<String> child(CompletableFuture<String> f, CompletableFuture<String> cleanup) {
        try {
            return Task.completed("child " + await(f));
        } finally {
            log("child cleanup " + await(cleanup));
        }
    }

    /** Awaits a child of its own: cancelling the parent cancels the child and waits for its cleanup. */
    @Async
    public static Task<String> parent(CompletableFuture<String> f, CompletableFuture<String> cleanup) {
        try {
            String r = await(child(f, cleanup));
            log("parent got " + r);
            return Task.completed(r);
        } finally {
            log("parent finally");
        }
    }

    /** Awaits a task that someone else cancels: an ordinary, catchable CancellationException. */
    @Async
    public static Task<String> awaitsForeign(Task<String> foreign) {
        try {
            return Task.completed(await(foreign));
        } catch (CancellationException e) {
            log("caught CancellationException, suppressed " + e.getSuppressed().length);
            return Task.completed("recovered");
        }
    }

    /** Awaits a detached task of its own: cancelling the parent leaves the detached task running. */
    @Async
    public static Task<String> awaitsDetached(CompletableFuture<String> f, CompletableFuture<String> cleanup) {
        Task<String> c = child(f, cleanup).detach();
        try {
            return Task.completed(await(c));
        } finally {
            log("parent finally");
        }
    }

    /** Loops over awaits; counts how many ran. */
    @Async
    public static Task<Integer> loop(CompletableFuture<Integer> first, int n) {
        int sum = await(first);
        int i = 0;
        try {
            for (; i < n; i++) sum += await(Task.completed(i));
        } finally {
            log("finally after " + i);
        }
        return Task.completed(sum);
    }

    /** Returns a pending child of its own as its result (the body has ended; the task adopts the child's outcome). */
    @Async
    public static Task<String> returnsChild(CompletableFuture<String> f, CompletableFuture<String> cleanup) {
        log("returning the child");
        return child(f, cleanup);
    }
}
