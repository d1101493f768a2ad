package dev.coda.tests.kinds;

import static dev.coda.Coda.await;

import dev.coda.Async;
import dev.coda.Task;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/** An abstract base class whose async method a subclass overrides and calls through {@code super}. */
public abstract class Repository {
    protected final List<String> calls = new ArrayList<>();

    protected abstract CompletableFuture<String> fetch(String key);

    public List<String> calls() {
        return calls;
    }

    @Async
    public Task<String> load(String key) {
        calls.add("base " + key);
        String v = await(fetch(key));
        calls.add("base got " + v);
        return Task.completed(v.toUpperCase());
    }
}
