package dev.coda.tests.kinds;

import static dev.coda.Coda.await;

import dev.coda.Async;
import dev.coda.Task;
import dev.coda.tests.support.Events;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/** A top-level class with static and instance async functions using its own private members. */
public class Counter {
    private final String name;
    private int total;

    public Counter(String name) {
        this.name = name;
    }

    private int bump(int by) {
        total += by;
        return total;
    }

    public int total() {
        return total;
    }

    @Async
    public Task<String> addBoth(Task<Integer> a, CompletableFuture<Integer> b) {
        Events.log(name + " start");
        int afterA = bump(await(a));
        Events.log(name + " after a " + afterA);
        total += await(b);
        Events.log(name + " after b " + total);
        return Task.completed(name + "=" + total);
    }

    @Async
    public static Task<Integer> sum(List<CompletableFuture<Integer>> parts) {
        int s = 0;
        for (CompletableFuture<Integer> part : parts) s += await(part);
        return Task.completed(s);
    }
}
