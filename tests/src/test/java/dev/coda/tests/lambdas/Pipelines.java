package dev.coda.tests.lambdas;

import static dev.coda.Coda.await;

import dev.coda.Async;
import dev.coda.Task;
import dev.coda.tests.support.Later;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.Function;
import java.util.function.Supplier;

/** Async lambdas in field initialisers, and async code that takes async lambdas as arguments. */
public class Pipelines {
    /** An expression lambda in a static field initialiser. */
    public static final Function<CompletableFuture<Integer>, Task<Integer>> DOUBLER = f -> Task.completed(await(f) * 2);

    /** A block lambda in a static field initialiser returning a CompletionStage. */
    public static final Function<String, CompletionStage<String>> SHOUT = s -> {
        String v = await(Later.value(s));
        return CompletableFuture.completedFuture(v.toUpperCase() + "!");
    };

    private String prefix;
    private int uses;

    /** An instance field initialiser capturing {@code this}. */
    public final Supplier<Task<String>> greeter = () -> {
        String who = await(Later.value("world"));
        uses++;
        return Task.completed(prefix + who + uses);
    };

    public Pipelines(String prefix) {
        this.prefix = prefix;
    }

    public int uses() {
        return uses;
    }

    /** Runs bodies one after another, each after the previous one finished. */
    @Async
    public static <T> Task<List<T>> sequence(List<Supplier<Task<T>>> bodies) {
        List<T> out = new ArrayList<>();
        for (Supplier<Task<T>> body : bodies) out.add(await(body.get()));
        return Task.completed(out);
    }

    /** Starts all bodies at once, then collects. */
    public static <T> Task<List<T>> startAll(List<Supplier<Task<T>>> bodies) {
        List<Task<T>> started = new ArrayList<>();
        for (Supplier<Task<T>> body : bodies) started.add(body.get());
        return collect(started);
    }

    @Async
    private static <T> Task<List<T>> collect(List<Task<T>> tasks) {
        List<T> out = new ArrayList<>();
        for (Task<T> t : tasks) out.add(await(t));
        return Task.completed(out);
    }

    @Async
    public static <X, T> Task<List<T>> mapAsync(List<X> xs, Function<X, CompletableFuture<T>> f) {
        List<T> out = new ArrayList<>();
        for (X x : xs) out.add(await(f.apply(x)));
        return Task.completed(out);
    }
}
