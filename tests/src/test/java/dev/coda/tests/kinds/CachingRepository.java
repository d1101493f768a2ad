package dev.coda.tests.kinds;

import static dev.coda.Coda.await;

import dev.coda.Async;
import dev.coda.Task;
import dev.coda.tests.support.Later;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.function.Supplier;

/** Overrides an async method and calls {@code super.load} from async code and from an async lambda. */
public class CachingRepository extends Repository {
    private final Map<String, String> cache = new HashMap<>();

    @Override
    protected CompletableFuture<String> fetch(String key) {
        return Later.value("v-" + key);
    }

    @Async
    @Override
    public Task<String> load(String key) {
        String hit = cache.get(key);
        if (hit != null) {
            calls.add("hit " + key);
            return Task.completed(hit);
        }
        calls.add("miss " + key);
        String v = await(super.load(key));
        cache.put(key, v);
        calls.add("cached " + key);
        return Task.completed(v);
    }

    public Supplier<Task<String>> reload(String key) {
        return () -> {
            String v = await(super.load(key));
            cache.put(key, v + "'");
            return Task.completed("reloaded " + v);
        };
    }
}
