package dev.coda.tests.support;

import dev.coda.Task;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.concurrent.CompletableFuture;

/**
 * Pending values for async code under test: each call returns a {@link CompletableFuture} that is not complete
 * yet, and the test completes them, in the order they were asked for, with {@link #runAll()} or {@link #step()}.
 * Used from the test thread only; tests of threads use their own futures.
 */
public final class Later {
    private static final Deque<Runnable> QUEUE = new ArrayDeque<>();

    private Later() {}

    public static synchronized void reset() {
        QUEUE.clear();
    }

    /** A future that completes with {@code value} when the test runs it. */
    public static <T> CompletableFuture<T> value(T value) {
        CompletableFuture<T> f = new CompletableFuture<>();
        enqueue(() -> f.complete(value));
        return f;
    }

    /** {@link #value} as a {@link Task}. */
    public static <T> Task<T> task(T value) {
        return Task.from(value(value));
    }

    /** A future that fails with {@code error} when the test runs it. */
    public static <T> CompletableFuture<T> failure(Throwable error) {
        CompletableFuture<T> f = new CompletableFuture<>();
        enqueue(() -> f.completeExceptionally(error));
        return f;
    }

    private static synchronized void enqueue(Runnable r) {
        QUEUE.add(r);
    }

    private static synchronized Runnable poll() {
        return QUEUE.poll();
    }

    public static synchronized int pending() {
        return QUEUE.size();
    }

    /** Completes the oldest pending future; false if there was none. */
    public static boolean step() {
        Runnable r = poll();
        if (r == null) return false;
        r.run();
        return true;
    }

    /** Completes pending futures, oldest first, until none is left (completing one may ask for more). */
    public static int runAll() {
        int n = 0;
        while (step()) n++;
        return n;
    }
}
