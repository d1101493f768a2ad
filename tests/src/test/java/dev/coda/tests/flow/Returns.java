package dev.coda.tests.flow;

import static dev.coda.Coda.await;

import dev.coda.Async;
import dev.coda.Task;
import dev.coda.tests.support.Events;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/** Ways an async function ends: completed values, adopted tasks and stages, tail calls; generic arrays. */
public final class Returns {
    private Returns() {}

    @Async
    public static Task<String> adoptPendingTask(CompletableFuture<String> first, CompletableFuture<String> adopted) {
        String v = await(first);
        Events.log("before adopting " + v);
        return Task.from(adopted);
    }

    @Async
    public static Task<String> tailCall(CompletableFuture<String> first, CompletableFuture<String> second) {
        String v = await(first);
        return suffix(v, second);
    }

    @Async
    static Task<String> suffix(String v, CompletableFuture<String> second) {
        return Task.completed(v + await(second));
    }

    @Async
    public static CompletionStage<Integer> adoptStage(CompletionStage<Integer> in, CompletableFuture<Integer> adopted) {
        int v = await(in);
        if (v < 0) return CompletableFuture.completedFuture(v);
        return adopted.thenApply(x -> x + v);
    }

    @Async
    public static <T extends Comparable<T>> Task<T> maxOfArray(T[] items, Task<T> extra) {
        T e = await(extra);
        T best = e;
        for (T t : items) if (t.compareTo(best) > 0) best = t;
        return Task.completed(best);
    }

    @Async
    public static <T> Task<T> nothing(Task<?> gate) {
        await(gate);
        return Task.completed(null);
    }
}
