package dev.coda.tests.kinds;

import static dev.coda.Coda.await;

import dev.coda.Async;
import dev.coda.Task;
import dev.coda.tests.support.Later;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/** An interface with async default, static, private and private static methods. */
public interface Shape {
    double area();

    String name();

    @Async
    default Task<String> describe(CompletableFuture<Double> scale) {
        double s = await(scale);
        String formatted = await(format(area() * s));
        return Task.completed(name() + ":" + formatted);
    }

    @Async
    private Task<String> format(double value) {
        String unit = await(unit());
        return Task.completed(value + unit + "(" + name() + ")");
    }

    @Async
    private static Task<String> unit() {
        return Task.completed(await(Later.value("u2")));
    }

    @Async
    static Task<Double> totalArea(List<? extends Shape> shapes, CompletableFuture<Double> bonus) {
        double sum = 0;
        for (Shape s : shapes) sum += s.area();
        return Task.completed(sum + await(bonus));
    }
}
