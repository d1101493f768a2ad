package dev.coda.tests.support;

import static dev.coda.tests.support.Events.log;

import dev.coda.AsyncCloseable;
import dev.coda.Task;
import java.util.concurrent.CompletableFuture;

/** A resource whose close logs {@code close NAME} and completes as {@code closing} does. */
public final class Res implements AsyncCloseable {
    public final String name;
    private final CompletableFuture<Void> closing;

    public Res(String name, CompletableFuture<Void> closing) {
        this.name = name;
        this.closing = closing;
    }

    @Override
    public Task<Void> closeAsync() {
        log("close " + name);
        return Task.from(closing);
    }
}
