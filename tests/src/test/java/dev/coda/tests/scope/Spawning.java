package dev.coda.tests.scope;

import static dev.coda.Coda.await;
import static dev.coda.tests.support.Events.log;

import dev.coda.Async;
import dev.coda.AsyncCloseable;
import dev.coda.Owned;
import dev.coda.Task;
import dev.coda.TaskScope;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Async functions that spawn children into a {@link TaskScope}: the scope's close waits for every child, and a child
 * cancelled before it ran drops its {@code @Owned} parameters instead.
 */
public final class Spawning {
    private Spawning() {}

    /** A connection-like resource: its close logs, and completes as {@link #closing} says. */
    public static final class Conn implements AsyncCloseable {
        final String name;
        final AtomicInteger closes = new AtomicInteger();
        volatile CompletableFuture<Void> closing = CompletableFuture.completedFuture(null);

        public Conn(String name) {
            this.name = name;
        }

        public int closes() {
            return closes.get();
        }

        @Override
        public Task<Void> closeAsync() {
            closes.incrementAndGet();
            log("close " + name);
            return Task.from(closing);
        }
    }

    @Async
    public static Task<String> handle(@Owned Conn first, int n, @Owned Conn second, CompletableFuture<String> input) {
        log("handle " + first.name + n + second.name);
        String line = await(input);
        return Task.completed(line + " via " + first.name + second.name);
    }

    @Async
    public static Task<String> serve(@Owned Conn c, CompletableFuture<String> input) {
        log("serve " + c.name);
        try {
            return Task.completed(await(input));
        } finally {
            log("served " + c.name);
        }
    }

    /** Spawns one handler on {@code executor}: the call is built here, its body runs there. */
    public static Task<String> spawnHandler(Executor executor, Conn a, Conn b, CompletableFuture<String> input) {
        return TaskScope.open(executor).spawn(() -> handle(a, 1, b, input));
    }

    /** Spawns a server per connection and waits in the scope; cancelled, the scope cancels the servers. */
    @Async
    public static Task<String> serveAll(Executor executor, Conn a, Conn b, CompletableFuture<String> in,
                                        CompletableFuture<String> stop) {
        try (TaskScope scope = TaskScope.open(executor)) {
            scope.spawn(() -> serve(a, in));
            scope.spawn(() -> serve(b, in));
            log("waiting");
            await(stop);
        }
        return Task.completed("stopped");
    }

    /** The first failing child cancels its sibling; the scope's close throws the failure. */
    @Async
    public static Task<String> failFast(Conn a, CompletableFuture<String> in, CompletableFuture<String> failing) {
        try (TaskScope scope = TaskScope.open()) {
            scope.spawn(() -> serve(a, in));
            scope.spawn(() -> Task.from(failing));
            log("spawned");
        } catch (IllegalStateException e) {
            log("caught " + e.getMessage());
        }
        return Task.completed("after scope");
    }

    public interface Handler {
        Task<String> handle(int n, Conn c);
    }

    /** An async lambda with a capture and an {@code @Owned} parameter, spawned on {@code executor}. */
    public static Task<String> spawnLambda(Executor executor, Conn c, String prefix) {
        Handler h = (int n, @Owned Conn conn) -> {
            log("lambda " + conn.name + n);
            return Task.completed(prefix + await(Task.completed("!")));
        };
        return TaskScope.open(executor).spawn(() -> h.handle(1, c));
    }

    /** The owner reaches the end of the try block without another await: it waits in the scope's close. */
    @Async
    public static Task<String> ownerWaitsInClose(Executor executor, Conn a, CompletableFuture<String> in) {
        try (TaskScope scope = executor == null ? TaskScope.open() : TaskScope.open(executor)) {
            scope.spawn(() -> serve(a, in));
            log("spawned");
        }
        return Task.completed("closed");
    }

    /** The owner awaits the close itself, outside any try-with-resources. */
    @Async
    public static Task<String> ownerAwaitsTheClose(Conn a, CompletableFuture<String> in) {
        TaskScope scope = TaskScope.open();
        scope.spawn(() -> serve(a, in));
        log("spawned");
        await(scope.closeAsync());
        return Task.completed("closed");
    }

    /** The owner fails after spawning: its try-with-resources drops the scope with the exception in flight. */
    @Async
    public static Task<String> ownerThrows(Conn a, CompletableFuture<String> in) {
        try (TaskScope scope = TaskScope.open()) {
            scope.spawn(() -> serve(a, in));
            throw new IllegalStateException("owner failed");
        }
    }
}
