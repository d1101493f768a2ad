package dev.coda.tests.reflect;

import static dev.coda.Coda.await;

import dev.coda.Async;
import dev.coda.Task;
import java.io.IOException;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/** Async functions whose reflection view must survive the rewrite. */
public class Annotated {
    private final String id;

    public Annotated(String id) {
        this.id = id;
    }

    @Tag("gen")
    @Deprecated
    @Async
    public static <T extends Number & Comparable<T>> Task<List<T>> gen(@Tag("first") T first, Map<String, ? extends T> byName,
            int... rest) throws IOException, InterruptedException {
        T b = await(Task.completed(byName.get("b")));
        return Task.completed(List.of(first, b));
    }

    @Async
    protected final Task<String> prot(@Tag("s") final String s, long count) {
        return Task.completed(id + s + count + await(CompletableFuture.completedFuture("!")));
    }

    @Async
    private Task<String> priv() {
        return Task.completed(await(Task.completed(id)));
    }

    @Async
    Task<String> pkg() {
        return Task.completed(await(priv()) + "k");
    }

    @Async
    public static CompletableFuture<String> future(CompletableFuture<String> in) {
        return CompletableFuture.completedFuture("f:" + await(in));
    }

    @Async
    public static CompletionStage<Integer> stage(Task<Integer> in) {
        int v = await(in);
        return CompletableFuture.completedFuture(v * 2);
    }

    @Async
    public static Task<String> fields(int count0, CompletableFuture<Integer> gate) {
        int count = count0 + 1;
        String name = "n";
        long total = 5L;
        boolean flag = true;
        char ch = 'c';
        double[] arr = {1.5};
        byte by = 7;
        short sh = 8;
        float fl = 2.5f;
        int v = await(gate);
        return Task.completed(count + name + total + flag + ch + arr[0] + v + by + sh + fl + count0);
    }

    /** Source names that a state machine might use for its own fields. */
    @Async
    public static Task<String> clash(int state, String stack0, Task<String> awaited, long adopting) {
        String resumed = await(awaited);
        int nextQueued = state + 1;
        String outcome = await(Task.completed(stack0 + resumed));
        return Task.completed(outcome + nextQueued + adopting + state + stack0);
    }
}
