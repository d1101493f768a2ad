package dev.coda.tests.kinds;

import static dev.coda.Coda.await;

import dev.coda.Async;
import dev.coda.Task;
import java.util.concurrent.CompletableFuture;

/** A sub-interface whose async default method overrides the inherited one and calls it with {@code Shape.super}. */
public interface Labeled extends Shape {
    String label();

    @Async
    @Override
    default Task<String> describe(CompletableFuture<Double> scale) {
        String base = await(Shape.super.describe(scale));
        return Task.completed(label() + "[" + base + "]");
    }
}
