package dev.coda.tests.kinds;

import static dev.coda.Coda.await;

import dev.coda.Async;
import dev.coda.Task;
import java.util.concurrent.CompletableFuture;

/** A record implementing the async interface, with async instance and static methods of its own. */
public record Square(double side, String label) implements Labeled {
    public Square {
        if (side < 0) throw new IllegalArgumentException("side");
    }

    @Override
    public double area() {
        return side * side;
    }

    @Override
    public String name() {
        return "square";
    }

    @Async
    public Task<Square> grow(CompletableFuture<Double> by) {
        double d = await(by);
        return Task.completed(new Square(side + d, label));
    }

    @Async
    public static Task<Square> of(CompletableFuture<Double> side, Task<String> label) {
        return Task.completed(new Square(await(side), await(label)));
    }
}
