package dev.coda.tests.children;

import static dev.coda.Coda.await;
import static dev.coda.tests.support.Events.log;

import dev.coda.Async;
import dev.coda.Cancelled;
import dev.coda.Task;
import java.util.concurrent.CompletableFuture;

/** Async code that starts children and does not await them: the rules of structured concurrency, in source form. */
public final class Children {
    private Children() {}

    /** Awaits {@code in}, then fails with {@code error} if it is not null. */
    @Async
    public static Task<String> audit(String name, CompletableFuture<String> in, RuntimeException error) {
        log(name + " started");
        try {
            String v = await(in);
            if (error != null) throw error;
            log(name + " done " + v);
            return Task.completed(v);
        } finally {
            log(name + " unwound");
        }
    }

    /** Cancelled, it waits for {@code cleanup} in its finally block before it completes. */
    @Async
    public static Task<String> slowToStop(String name, CompletableFuture<String> in, CompletableFuture<String> cleanup) {
        log(name + " started");
        try {
            return Task.completed(await(in));
        } finally {
            log(name + " cleaning up");
            await(cleanup);
            log(name + " cleaned up");
        }
    }

    /** Fails at once, without suspending. */
    @Async
    public static Task<String> failNow(RuntimeException error) {
        await(Task.completed("x"));
        throw error;
    }

    /** Forgets to await its audit. */
    @Async
    public static Task<String> forgets(CompletableFuture<String> in, RuntimeException error) {
        audit("audit", in, error);
        log("parent returns");
        return Task.completed("parent");
    }

    /** Starts a child that fails at once, then fails itself. */
    @Async
    public static Task<String> failsAfterAChildFailed(RuntimeException child, RuntimeException own) {
        failNow(child);
        await(Task.completed("y"));
        throw own;
    }

    /** Starts a slow child, then fails: the child is cancelled, and waited for. */
    @Async
    public static Task<String> failsWithAChildRunning(CompletableFuture<String> in, CompletableFuture<String> cleanup) {
        slowToStop("child", in, cleanup);
        log("parent throws");
        throw new IllegalStateException("parent failed");
    }

    /** Awaits the child and handles its failure: seen, so not reported again. */
    @Async
    public static Task<String> handles(CompletableFuture<String> in) {
        Task<String> child = audit("audit", in, new IllegalArgumentException("audit failed"));
        try {
            return Task.completed(await(child));
        } catch (IllegalArgumentException e) {
            return Task.completed("handled " + e.getMessage());
        }
    }

    /** Starts a child it does not await, then waits for {@code stop}. */
    @Async
    public static Task<String> waitsWithAChild(CompletableFuture<String> in, CompletableFuture<String> cleanup,
            CompletableFuture<String> stop) {
        slowToStop("child", in, cleanup);
        return Task.completed(await(stop));
    }

    /** Detaches the child it does not await. */
    @Async
    public static Task<String> detaches(CompletableFuture<String> in, Task<?>[] out) {
        out[0] = audit("audit", in, new IllegalArgumentException("audit failed")).detach();
        return Task.completed("parent");
    }

    /** Cancelled, it catches the signal and returns a child: the child is cancelled and waited for. */
    @Async
    public static Task<String> returnsAChildWhileUnwinding(CompletableFuture<String> stop, CompletableFuture<String> in,
            CompletableFuture<String> cleanup) {
        try {
            return Task.completed(await(stop));
        } catch (Cancelled c) {
            log("parent unwinding");
            return slowToStop("returned", in, cleanup);
        }
    }

    /** Returns a child that is still running: the parent completes as it does. */
    @Async
    public static Task<String> returnsAChild(CompletableFuture<String> in, CompletableFuture<String> cleanup) {
        await(Task.completed("z"));
        return slowToStop("returned", in, cleanup);
    }

    /** Awaits a child of its own that stops slowly: cancelled, it cancels that child and waits for its cleanup. */
    @Async
    public static Task<String> awaitsASlowChild(CompletableFuture<String> in, CompletableFuture<String> cleanup) {
        return Task.completed(await(slowToStop("grandchild", in, cleanup)));
    }

    /** Forgets a child that awaits a child of its own. */
    @Async
    public static Task<String> forgetsAChildAwaitingItsOwn(CompletableFuture<String> in,
            CompletableFuture<String> cleanup) {
        awaitsASlowChild(in, cleanup);
        log("parent returns");
        return Task.completed("parent");
    }

    /** Its cleanup awaits the task {@code other} holds by then, and lets that task's exception escape. */
    @Async
    public static Task<String> awaitsInCleanup(CompletableFuture<String> in, Task<?>[] other) {
        try {
            return Task.completed(await(in));
        } finally {
            await(other[0]);
        }
    }

    /** Starts a child whose cleanup awaits the sibling this body then returns. */
    @Async
    public static Task<String> returnsASiblingThatACleanupAwaits(CompletableFuture<String> a,
            CompletableFuture<String> b) {
        Task<?>[] returned = new Task<?>[1];
        awaitsInCleanup(a, returned);
        Task<String> r = audit("r", b, null);
        returned[0] = r;
        return r;
    }

    /** Cancels a child it does not await, and keeps its own value. */
    @Async
    public static Task<String> cancelsAChildItForgets(CompletableFuture<String> a, CompletableFuture<String> b) {
        returnsASiblingThatACleanupAwaits(a, b).cancel();
        return Task.completed("q");
    }

    /** In its finally block, it starts cleanup work it does not await: waited for, never cancelled. */
    @Async
    public static Task<String> startsCleanupWork(CompletableFuture<String> stop, CompletableFuture<String> flush) {
        try {
            return Task.completed(await(stop));
        } finally {
            audit("flush", flush, null);
        }
    }

    @Async
    public static Task<Integer> plusOne(Task<Integer> x) {
        return Task.completed(await(x) + 1);
    }

    /** Forgets a child that fails with the CancellationException of a task it awaited: a failure, not a cancellation. */
    @Async
    public static Task<String> forgetsAPlusOne(Task<Integer> x) {
        plusOne(x);
        return Task.completed("done");
    }
}
