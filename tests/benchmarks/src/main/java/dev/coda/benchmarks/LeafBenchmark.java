package dev.coda.benchmarks;

import static dev.coda.Coda.await;

import dev.coda.Async;
import dev.coda.CompletableTask;
import dev.coda.Task;
import java.nio.channels.CompletionHandler;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;
import java.util.function.BiConsumer;
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
 * Leaf operations: an async call awaiting what a callback API or a {@code CompletableFuture} API hands it. Every
 * row but the baseline {@code callWithoutAwait} is one call of the same shape, {@code x = await(a); y = await(b);
 * return x + y + 1}, so the rows compare with each other in one run. Each op returns the call's value (after
 * {@code join()}), which JMH consumes.
 * <ul>
 *   <li>{@code futureCompleteCoda}: {@code a} and {@code b} are fresh {@code CompletableFuture.completedFuture(..)}
 *       made in the op (the value of {@code a} is a counter, boxed in the op), so the op pays for making them too;
 *       the awaits take the values from the done futures without suspending.</li>
 *   <li>{@code futureCompleteAwaitOnly}: the same call over two futures completed once, at setup, and held in this
 *       state object, with values outside the {@code Integer} cache so that the result is boxed (allocated) as in
 *       the baseline. What the op allocates is the call: its state machine and its boxed result.</li>
 *   <li>{@code callWithoutAwait}: the baseline of the previous row: an async call of the same signature (the two
 *       futures as parameters) that awaits nothing and returns {@code Task.completed(x + 1)}, with {@code x} read
 *       from the first, done, future by {@code getNow}: a boxed result outside the cache. Its state machine holds
 *       the same fields but the spilled {@code x}, which fits in the padding: both are 64 B on a 64-bit JVM with
 *       compressed oops and class pointers (JDK 25's default). The difference in {@code gc.alloc.rate.norm}
 *       between this row and {@code futureCompleteAwaitOnly} is what the two awaits of done futures allocate:
 *       expected 0 (both rows: 64 B of state machine + 16 B of {@code Integer}).</li>
 *   <li>{@code futurePendingCoda}: the call over two fresh pending {@code CompletableFuture}s, which the op then
 *       completes in order on the same thread ({@code a.complete(..)}, {@code b.complete(..)}): the call suspends
 *       twice, each time on a view of the future registered on it with {@code whenComplete} (the future
 *       belongs to the call, which would cancel it if cancelled there), and the completion resumes it inline. Then
 *       {@code join()}.</li>
 *   <li>{@code completableTaskPendingCoda}: the call over two fresh pending {@link CompletableTask}s made in the
 *       op (outside any async call: they have no parent), completed in order on the same thread with
 *       {@code complete(..)}, then {@code join()}. The call registers on the tasks directly.</li>
 *   <li>{@code completableTaskHandler}: the same, the tasks completed through their NIO {@link CompletionHandler}
 *       face, {@code completed(value, null)}, as a channel would.</li>
 *   <li>{@code handlerBridgeBaseline}: what code wrote without Coda: a {@code CompletionHandler<Integer,
 *       CompletableFuture<Integer>>} that completes the future it is given as attachment, and a hand-written state
 *       machine ({@link FutureMachine}: an int label, itself the {@code CompletableFuture} of its result) that awaits
 *       two fresh pending futures with {@code whenComplete}. The op completes them through the handler,
 *       {@code handler.completed(value, future)}, in order on the same thread (the simulated I/O completions), then
 *       joins the machine.</li>
 * </ul>
 * In the pending rows the value of {@code a} is a counter, boxed in the op, and {@code b}'s is 2 (cached); the
 * results are boxed when the call completes.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 5, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(2)
public class LeafBenchmark {
    int x = 1000;

    /** Completed once; 1000 and 2000, so that {@code x + y + 1} and {@code x + 1} are outside the Integer cache. */
    final CompletableFuture<Integer> doneA = CompletableFuture.completedFuture(1000);
    final CompletableFuture<Integer> doneB = CompletableFuture.completedFuture(2000);

    // ---- Coda -----------------------------------------------------------------------------------------------------

    @Async
    static Task<Integer> twoFutures(CompletableFuture<Integer> a, CompletableFuture<Integer> b) {
        int x = await(a);
        int y = await(b);
        return Task.completed(x + y + 1);
    }

    /** The baseline of {@link #twoFutures}: the same parameters, no await. */
    @Async
    static Task<Integer> noAwait(CompletableFuture<Integer> a, CompletableFuture<Integer> b) {
        int x = a.getNow(0);
        return Task.completed(x + 1);
    }

    @Async
    static Task<Integer> twoTasks(Task<Integer> a, Task<Integer> b) {
        int x = await(a);
        int y = await(b);
        return Task.completed(x + y + 1);
    }

    @Benchmark
    public int futureCompleteCoda() {
        CompletableFuture<Integer> a = CompletableFuture.completedFuture(x++);
        CompletableFuture<Integer> b = CompletableFuture.completedFuture(2);
        return twoFutures(a, b).join();
    }

    @Benchmark
    public int futureCompleteAwaitOnly() {
        return twoFutures(doneA, doneB).join();
    }

    @Benchmark
    public int callWithoutAwait() {
        return noAwait(doneA, doneB).join();
    }

    @Benchmark
    public int futurePendingCoda() {
        CompletableFuture<Integer> a = new CompletableFuture<>();
        CompletableFuture<Integer> b = new CompletableFuture<>();
        Task<Integer> t = twoFutures(a, b);
        a.complete(x++);
        b.complete(2);
        return t.join();
    }

    @Benchmark
    public int completableTaskPendingCoda() {
        CompletableTask<Integer> a = new CompletableTask<>();
        CompletableTask<Integer> b = new CompletableTask<>();
        Task<Integer> t = twoTasks(a, b);
        a.complete(x++);
        b.complete(2);
        return t.join();
    }

    @Benchmark
    public int completableTaskHandler() {
        CompletableTask<Integer> a = new CompletableTask<>();
        CompletableTask<Integer> b = new CompletableTask<>();
        Task<Integer> t = twoTasks(a, b);
        CompletionHandler<Integer, Object> ha = a;
        CompletionHandler<Integer, Object> hb = b;
        ha.completed(x++, null);
        hb.completed(2, null);
        return t.join();
    }

    // ---- the hand-written bridge ----------------------------------------------------------------------------------

    /** The NIO handler that completes the future given as attachment. */
    static final CompletionHandler<Integer, CompletableFuture<Integer>> TO_FUTURE = new CompletionHandler<>() {
        @Override
        public void completed(Integer result, CompletableFuture<Integer> future) {
            future.complete(result);
        }

        @Override
        public void failed(Throwable error, CompletableFuture<Integer> future) {
            future.completeExceptionally(error);
        }
    };

    /**
     * {@code x = await(a); y = await(b); return x + y + 1}, by hand, over futures: it registers itself with
     * {@code whenComplete} on a pending one and is the future of its own result.
     */
    static final class FutureMachine extends CompletableFuture<Integer> implements BiConsumer<Integer, Throwable> {
        final CompletableFuture<Integer> a;
        final CompletableFuture<Integer> b;
        int state;
        int x;

        FutureMachine(CompletableFuture<Integer> a, CompletableFuture<Integer> b) {
            this.a = a;
            this.b = b;
        }

        /** A resumption: the future awaited in the current state completed. */
        @Override
        public void accept(Integer value, Throwable error) {
            if (error != null) {
                completeExceptionally(error instanceof CompletionException && error.getCause() != null
                        ? error.getCause() : error);
                return;
            }
            run();
        }

        void run() {
            try {
                switch (state) {
                    case 0:
                        if (!a.isDone()) {
                            state = 1;
                            a.whenComplete(this);
                            return;
                        }
                        // fall through
                    case 1:
                        x = a.join();
                        if (!b.isDone()) {
                            state = 2;
                            b.whenComplete(this);
                            return;
                        }
                        // fall through
                    default:
                        complete(x + b.join() + 1);
                }
            } catch (Throwable t) {
                completeExceptionally(t instanceof CompletionException && t.getCause() != null ? t.getCause() : t);
            }
        }
    }

    @Benchmark
    public int handlerBridgeBaseline() {
        CompletableFuture<Integer> a = new CompletableFuture<>();
        CompletableFuture<Integer> b = new CompletableFuture<>();
        FutureMachine m = new FutureMachine(a, b);
        m.run();
        TO_FUTURE.completed(x++, a);
        TO_FUTURE.completed(2, b);
        return m.join();
    }
}
