package dev.coda.benchmarks;

import static dev.coda.Coda.await;

import dev.coda.Async;
import dev.coda.Coda;
import dev.coda.Task;
import dev.coda.TaskScope;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The cost of structured concurrency over a plain awaited call, when the children complete at once: a child spawned
 * into a scope (inline, and deferred to a direct executor), {@code Task.any} of two children, and
 * {@code Coda.timeout} around one child (a timer scheduled and removed).
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 5, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(2)
public class StructuredBenchmark {
    int x;

    @Async
    static Task<Integer> child(int x) {
        return Task.completed(x + 1);
    }

    @Async
    static Task<Integer> awaitChild(int x) {
        return Task.completed(await(child(x)));
    }

    @Async
    static Task<Integer> spawnInline(int x) {
        try (TaskScope scope = TaskScope.open()) {
            return Task.completed(await(scope.spawn(() -> child(x))));
        }
    }

    @Async
    static Task<Integer> spawnDeferred(int x) {
        try (TaskScope scope = TaskScope.open(Runnable::run)) {
            return Task.completed(await(scope.spawn(() -> child(x))));
        }
    }

    @Async
    static Task<Integer> anyOfTwo(int x) {
        return Task.completed(await(Task.any(List.of(child(x), child(x + 1)))));
    }

    @Async
    static Task<Integer> timeoutAround(int x) {
        return Task.completed(await(Coda.timeout(Duration.ofDays(1), () -> child(x))));
    }

    @Benchmark
    public int awaitChild() {
        return awaitChild(x++).join();
    }

    @Benchmark
    public int spawnInline() {
        return spawnInline(x++).join();
    }

    @Benchmark
    public int spawnDeferred() {
        return spawnDeferred(x++).join();
    }

    @Benchmark
    public int anyOfTwo() {
        return anyOfTwo(x++).join();
    }

    @Benchmark
    public int timeoutAround() {
        return timeoutAround(x++).join();
    }
}
