package dev.coda.tests.leaf;

import static dev.coda.Coda.await;
import static dev.coda.tests.support.Events.log;

import dev.coda.Async;
import dev.coda.Coda;
import dev.coda.CompletableTask;
import dev.coda.Owned;
import dev.coda.Task;
import dev.coda.tests.support.Res;
import dev.coda.TaskScope;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.atomic.AtomicReference;

/** Async functions whose cancellation must reach the operation they await. */
public final class Leaves {
    private Leaves() {}

    /** Declared to return a CompletableFuture: cancelling that future cancels this call. */
    @Async
    public static CompletableFuture<String> holding(@Owned Res r, CompletableFuture<String> in) {
        try {
            return CompletableFuture.completedFuture(r.name + ":" + await(in));
        } finally {
            log("finally");
        }
    }

    /** Declared to return a CompletionStage, and returns a stage it did not await: that stage belongs to it too. */
    @Async
    public static CompletionStage<String> handsOn(CompletableFuture<String> in) {
        log("hands on");
        return in;
    }

    /** Awaits {@code f} directly: {@code f} belongs to this call. */
    @Async
    public static Task<String> awaitsStage(CompletableFuture<String> f) {
        try {
            return Task.completed(await(f));
        } finally {
            log("finally");
        }
    }

    /** {@link #awaitsStage}, whose finally says whether {@code f} is cancelled by then. */
    @Async
    public static Task<String> awaitsStageSeeingIt(CompletableFuture<String> f) {
        try {
            return Task.completed(await(f));
        } finally {
            log("finally, stage cancelled: " + f.isCancelled());
        }
    }

    /** Awaits {@code f} through a shared view: {@code f} belongs to whoever made it. */
    @Async
    public static Task<String> awaitsView(CompletableFuture<String> f) {
        try {
            return Task.completed(await(Task.from(f)));
        } finally {
            log("finally");
        }
    }

    /** Awaits {@code f} directly into an owned variable. */
    @Async
    public static Task<String> awaitsStageOwned(CompletableFuture<Res> f) {
        @Owned Res r = await(f);
        return Task.completed(r.name);
    }

    /**
     * Makes a completable task, hands it to {@code out} (the "callback side"), and awaits it: the task is this call's
     * child, so a cancellation delivered at the await cancels it, and its hook runs before this call unwinds.
     */
    @Async
    public static Task<Integer> awaitsOwnCompletable(AtomicReference<CompletableTask<Integer>> out) {
        CompletableTask<Integer> t = new CompletableTask<>();
        t.onCancel(() -> log("hook"));
        out.set(t);
        try {
            return Task.completed(await(t));
        } finally {
            log("finally");
        }
    }

    /** Awaits a completable task made elsewhere: not this call's child, so only abandoned if this call is cancelled. */
    @Async
    public static Task<Integer> awaitsCompletable(CompletableTask<Integer> t) {
        try {
            return Task.completed(await(t));
        } finally {
            log("finally");
        }
    }

    /** Completes at once with a completed future's value, and awaits a failed one. */
    @Async
    public static Task<String> awaitsDoneFutures(CompletableFuture<String> ok, CompletableFuture<String> failed) {
        String a = await(ok);
        try {
            await(failed);
            return Task.completed(a + " and no failure");
        } catch (IllegalStateException e) {
            return Task.completed(a + " then " + e.getMessage());
        }
    }

    /** The first of two stages awaited by two calls: the loser's stage is cancelled. */
    @Async
    public static Task<String> firstOf(CompletableFuture<String> a, CompletableFuture<String> b) {
        return Task.completed(await(Task.any(List.of(awaitsStage(a), awaitsStage(b)))));
    }

    /** Both stages, each awaited by a call: a failure of one cancels the other's stage. */
    @Async
    public static Task<List<String>> bothOf(CompletableFuture<String> a, CompletableFuture<String> b) {
        return Task.completed(await(Task.all(List.of(awaitsStage(a), awaitsStage(b)))));
    }

    /** A scope whose child awaits {@code f}; the scope's owner then fails, which cancels the child. */
    @Async
    public static Task<String> scopeFails(CompletableFuture<String> f) {
        try (TaskScope scope = TaskScope.open()) {
            scope.spawn(() -> awaitsStage(f));
            throw new IllegalStateException("owner failed");
        }
    }

    /** A body that awaits {@code f} under a time limit. */
    @Async
    public static Task<String> timed(CompletableFuture<String> f, Duration limit) {
        return Task.completed(await(Coda.timeout(limit, () -> awaitsStage(f))));
    }
}
