package dev.coda.tests.cancel;

import static dev.coda.Coda.await;

import dev.coda.Async;
import dev.coda.AsyncCloseable;
import dev.coda.Owned;
import dev.coda.Task;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;

/** An async function that owns two resources while it waits; used by the cancellation race. */
public final class Racing {
    private Racing() {}

    public static final class Counted implements AsyncCloseable {
        final AtomicInteger closes = new AtomicInteger();

        @Override
        public Task<Void> closeAsync() {
            closes.incrementAndGet();
            return Task.done();
        }

        public int closes() {
            return closes.get();
        }
    }

    @Async
    public static Task<String> holdTwo(Counted first, Counted second, CompletableFuture<String> f) {
        try (Counted a = first) {
            @Owned Counted b = second;
            String v = await(f);
            return Task.completed(v + (a != b));
        }
    }

    /**
     * Awaits {@code f} again in a finally block: the same task at two suspensions, which a claim on the awaited
     * task's identity alone would confuse. {@code seen[0]} gets what the finally's await returned.
     */
    @Async
    public static Task<String> awaitAgainInFinally(CompletableFuture<String> go, Task<String> f, String[] seen) {
        try {
            await(go);
            await(f);
        } finally {
            seen[0] = await(f);
        }
        return Task.completed("done");
    }

    /**
     * Awaits {@code go}, then {@code f}, both futures awaited directly. {@code seen[0]} gets what {@code f} gave;
     * {@code finallies[0]} counts the runs of the finally block.
     */
    @Async
    public static Task<String> awaitFutureAfterGo(CompletableFuture<String> go, CompletableFuture<String> f,
                                                  String[] seen, int[] finallies) {
        try {
            await(go);
            seen[0] = await(f);
            return Task.completed(seen[0]);
        } finally {
            finallies[0]++;
        }
    }
}
