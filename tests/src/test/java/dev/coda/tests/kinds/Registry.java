package dev.coda.tests.kinds;

import static dev.coda.Coda.await;

import dev.coda.Async;
import dev.coda.Task;
import dev.coda.tests.support.Later;
import java.io.Serializable;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * Async lambdas in a static initialiser block, in a constructor and as serializable lambdas; an async method in a
 * generic inner class of a generic class; a recursive async function.
 */
public class Registry<K extends Comparable<K>> {
    public static final Supplier<Task<String>> FROM_STATIC_BLOCK;

    static {
        String tag = "blk";
        FROM_STATIC_BLOCK = () -> Task.completed(tag + await(Later.value("!")));
    }

    public final Function<K, Task<String>> fromConstructor;
    private final Map<K, String> names = new TreeMap<>();

    public Registry(String prefix) {
        fromConstructor = k -> {
            String n = await(Later.value(names.get(k)));
            return Task.completed(prefix + n);
        };
    }

    public Registry<K> put(K key, String name) {
        names.put(key, name);
        return this;
    }

    /** A serializable async-lambda type. */
    public interface AsyncSupplier<T> extends Supplier<Task<T>>, Serializable {}

    public static AsyncSupplier<String> serializable(String captured) {
        return () -> Task.completed(captured + await(Task.completed("#")) + await(Later.value("$")));
    }

    public class Entry<V> {
        private final K key;
        private final V value;

        public Entry(K key, V value) {
            this.key = key;
            this.value = value;
        }

        @Async
        public Task<String> render(Task<V> extra) {
            V e = await(extra);
            return Task.completed(key + "=" + value + "+" + e + " of " + names.size());
        }
    }

    @Async
    public static Task<Integer> fib(int n) {
        if (n < 2) return Task.completed(await(Later.value(n)));
        return Task.completed(await(fib(n - 1)) + await(fib(n - 2)));
    }
}
