package dev.coda.tests.kinds;

import static dev.coda.Coda.await;

import dev.coda.Async;
import dev.coda.Task;
import java.util.AbstractMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.Function;

/** A generic class with async methods using its type parameter and generic async methods of their own. */
public class Box<T extends Comparable<T>> {
    private T value;

    public Box(T value) {
        this.value = value;
    }

    public T get() {
        return value;
    }

    @Async
    public Task<T> maxWith(Task<? extends T> other) {
        T o = await(other);
        if (o.compareTo(value) > 0) value = o;
        return Task.completed(value);
    }

    @Async
    public <R> Task<R> map(Function<? super T, ? extends CompletionStage<R>> f) {
        R r = await(f.apply(value));
        return Task.completed(r);
    }

    @Async
    public static <A, B extends List<A>> Task<Map.Entry<A, B>> zip(Task<A> a, CompletableFuture<B> b) {
        A first = await(a);
        B second = await(b);
        return Task.completed(new AbstractMap.SimpleEntry<>(first, second));
    }

    @Async
    public static <E extends Comparable<E>> Task<E> maxOf(List<? extends CompletionStage<E>> stages) {
        E best = null;
        for (CompletionStage<E> s : stages) {
            E e = await(s);
            if (best == null || e.compareTo(best) > 0) best = e;
        }
        return Task.completed(best);
    }
}
