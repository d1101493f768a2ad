package dev.coda.benchmarks;

import static dev.coda.Coda.await;

import dev.coda.Async;
import dev.coda.AsyncCloseable;
import dev.coda.Owned;
import dev.coda.Task;
import java.util.concurrent.CompletableFuture;
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
 * The cost of drop glue and of cancellation, each against the nearest baseline:
 * <ul>
 *   <li>an async call whose body is a try-with-resources over an {@link AsyncCloseable} whose close completes at
 *       once (awaited drop glue), against the same body over a plain {@link AutoCloseable} (javac's close), and
 *       against an {@code @Owned} local (glue written from the scope);</li>
 *   <li>cancelling an async call suspended while it holds two resources (delivery, unwinding, two drops), against
 *       resuming the same suspended call by completing what it awaits.</li>
 * </ul>
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 5, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(2)
public class DropGlueBenchmark {

    /** Closes at once. */
    public static final class AsyncResource implements AsyncCloseable {
        int closes;

        @Override
        public Task<Void> closeAsync() {
            closes++;
            return Task.done();
        }
    }

    public static final class PlainResource implements AutoCloseable {
        int closes;

        @Override
        public void close() {
            closes++;
        }
    }

    final AsyncResource first = new AsyncResource();
    final AsyncResource second = new AsyncResource();
    final PlainResource plain = new PlainResource();
    int x = 41;

    @Async
    static Task<Integer> overAsyncCloseable(AsyncResource resource, int x) {
        try (AsyncResource r = resource) {
            return Task.completed(x + 1);
        }
    }

    @Async
    static Task<Integer> overAutoCloseable(PlainResource resource, int x) {
        try (PlainResource r = resource) {
            return Task.completed(x + 1);
        }
    }

    @Async
    static Task<Integer> overOwnedLocal(AsyncResource resource, int x) {
        @Owned AsyncResource r = resource;
        return Task.completed(x + 1);
    }

    @Async
    static Task<Integer> holdTwoAndAwait(AsyncResource a, AsyncResource b, Task<Integer> pending) {
        try (AsyncResource r1 = a; AsyncResource r2 = b) {
            return Task.completed(await(pending));
        }
    }

    @Benchmark
    public Integer tryWithResourcesAsyncCloseable() {
        return overAsyncCloseable(first, x).join();
    }

    @Benchmark
    public Integer tryWithResourcesAutoCloseable() {
        return overAutoCloseable(plain, x).join();
    }

    @Benchmark
    public Integer ownedLocal() {
        return overOwnedLocal(first, x).join();
    }

    @Benchmark
    public boolean cancelSuspendedHoldingTwo() {
        Task<Integer> t = holdTwoAndAwait(first, second, Task.from(new CompletableFuture<>()));
        t.cancel();
        return t.isCancelled();
    }

    @Benchmark
    public Integer resumeSuspendedHoldingTwo() {
        CompletableFuture<Integer> f = new CompletableFuture<>();
        Task<Integer> t = holdTwoAndAwait(first, second, Task.from(f));
        f.complete(x);
        return t.join();
    }
}
