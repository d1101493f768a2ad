package dev.coda.tests.errors;

import static dev.coda.Coda.await;

import dev.coda.Async;
import dev.coda.Task;
import java.util.concurrent.CompletableFuture;
import java.util.function.Supplier;

/** A awaits B awaits C; lines marked {@code // LINE:name} are looked up by the test. */
public final class Chain {
    private Chain() {}

    @Async
    public static Task<Integer> a(CompletableFuture<Integer> f) {
        int b = await(b(f)); // LINE:aAwaits
        return Task.completed(b + 1);
    }

    @Async
    static Task<Integer> b(CompletableFuture<Integer> f) {
        int c = await(c(f)); // LINE:bAwaits
        return Task.completed(c + 1);
    }

    @Async
    static Task<Integer> c(CompletableFuture<Integer> f) {
        int v = await(f);
        if (v < 0) throw new IllegalStateException("negative " + v); // LINE:cThrows
        return Task.completed(v);
    }

    /** Awaits two pending tasks in turn that both fail with the same exception, and returns it. */
    @Async
    public static Task<Throwable> retry(Supplier<CompletableFuture<Integer>> attempt) {
        Throwable last = null;
        for (int i = 0; i < 2; i++) {
            try {
                await(attempt.get()); // LINE:retryAwaits
            } catch (IllegalStateException e) {
                last = e;
            }
        }
        return Task.completed(last);
    }
}
