package dev.coda.tests.errors;

import static dev.coda.Coda.await;

import dev.coda.Async;
import dev.coda.Task;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/** Coroutines that catch the cancellation signal and record it; lines marked {@code // LINE:name}. */
public final class CancelledChain {
    private CancelledChain() {}

    @Async
    public static Task<Integer> outer(CompletableFuture<Integer> f, List<Throwable> seen) {
        int v = await(inner(f, seen)); // LINE:outerAwaits
        return Task.completed(v);
    }

    @Async
    static Task<Integer> inner(CompletableFuture<Integer> f, List<Throwable> seen) {
        try {
            return Task.completed(await(f)); // LINE:innerAwaits
        } catch (Throwable t) {
            seen.add(t);
            throw t;
        }
    }

    /** Suspends on {@code gate}; once resumed, cancels its own task ({@code self[0]}) and awaits a done task. */
    @Async
    public static Task<Integer> cancelsItself(CompletableFuture<Integer> gate, Task<?>[] self, List<Throwable> seen) {
        int v = await(gate);
        self[0].cancel();
        try {
            return Task.completed(await(Task.completed(v))); // LINE:inlineAwait
        } catch (Throwable t) {
            seen.add(t);
            throw t;
        }
    }
}
