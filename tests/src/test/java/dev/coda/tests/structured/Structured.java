package dev.coda.tests.structured;

import static dev.coda.Coda.await;
import static dev.coda.tests.support.Events.log;

import dev.coda.Async;
import dev.coda.Coda;
import dev.coda.Owned;
import dev.coda.Task;
import dev.coda.TaskScope;
import dev.coda.tests.scope.Spawning;
import dev.coda.tests.scope.Spawning.Conn;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;

/** Edges of structured concurrency: detached runtime tasks, closes awaited while unwinding, adopted foreign tasks. */
public final class Structured {
    private Structured() {}

    /** Awaits a detached sleep: not a child, so a cancellation abandons it instead of cancelling it. */
    @Async
    public static Task<String> sleepDetached(Task<?>[] out) {
        Task<Void> s = Coda.sleep(Duration.ofDays(1)).detach();
        out[0] = s;
        await(s);
        return Task.completed("woke");
    }

    /** Awaits a detached Task.any. */
    @Async
    public static Task<String> anyDetached(Task<?>[] out, CompletableFuture<String> in) {
        Task<String> any = Task.any(List.of(Task.from(in))).detach();
        out[0] = any;
        return Task.completed(await(any));
    }

    /** The owner awaits the scope's close in a finally block (no try-with-resources). */
    @Async
    public static Task<String> closeInFinally(Conn a, CompletableFuture<String> childIn, CompletableFuture<String> stop) {
        TaskScope scope = TaskScope.open();
        try {
            scope.spawn(() -> Spawning.serve(a, childIn));
            log("waiting");
            await(stop);
        } finally {
            await(scope.closeAsync());
        }
        return Task.completed("done");
    }

    /** Takes ownership of a scope and works with it. */
    @Async
    public static Task<String> useScope(@Owned TaskScope scope, CompletableFuture<String> in) {
        log("use scope");
        return Task.completed(await(in));
    }

    @Async
    public static Task<String> forever(CompletableFuture<String> in) {
        try {
            return Task.completed(await(in));
        } finally {
            log("inner child unwound");
        }
    }

    /** Spawns useScope on {@code executor}, handing it a scope with one child that waits on {@code never}. */
    public static Task<String> spawnWithScope(Executor executor, CompletableFuture<String> never) {
        TaskScope inner = TaskScope.open();
        inner.spawn(() -> forever(never));
        return TaskScope.open(executor).spawn(() -> useScope(inner, new CompletableFuture<>()));
    }

    /** Hands back a foreign stage's task (a cache miss goes to the network). */
    @Async
    public static Task<String> lookup(boolean cached, CompletableFuture<String> network) {
        if (cached) return Task.completed(await(Task.completed("cached")));
        return Task.from(network);
    }

    @Async
    public static Task<String> limited(CompletableFuture<String> network) {
        try {
            return Task.completed(await(Coda.timeout(Duration.ofMillis(50), () -> lookup(false, network))));
        } catch (Exception e) {
            return Task.completed("caught " + e.getClass().getSimpleName());
        }
    }

    @Async
    public static Task<String> race(CompletableFuture<String> network) {
        return Task.completed(await(Task.any(List.of(lookup(false, network), lookup(true, network)))));
    }

    @Async
    public static Task<String> flush(CompletableFuture<String> in) {
        log("flushing");
        String v = await(in);
        log("flushed " + v);
        return Task.completed(v);
    }

    /** Cancelled while it works, it unwinds into a finally that spawns cleanup work in a scope of its own. */
    @Async
    public static Task<String> cleanupInFinally(CompletableFuture<String> stop, CompletableFuture<String> flushIn) {
        try {
            log("working");
            await(stop);
        } finally {
            try (TaskScope cleanup = TaskScope.open()) {
                cleanup.spawn(() -> flush(flushIn));
            }
        }
        return Task.completed("done");
    }

    /** The task of {@link #cancelThenReturnForeign}, set by the test before it lets the body go on. */
    public static volatile Task<?> self;

    /** After its last await, cancels its own task, then returns a foreign task. */
    @Async
    public static Task<String> cancelThenReturnForeign(CompletableFuture<String> go, CompletableFuture<String> never) {
        await(go);
        self.cancel();
        return Task.from(never);
    }
}
