package dev.coda.benchmarks;

import static dev.coda.Coda.await;

import dev.coda.Async;
import dev.coda.PendingTasks;
import dev.coda.Task;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * What debuggability costs. The failure path: a failure made fresh each time (its own stack filled, as a real one
 * is) comes back through two suspended awaits, with async stack traces on and off; the difference is the cost of
 * the two crossings. The probe: the two-await call of {@link CoreBenchmark}, pending, in a JVM with the probe on
 * beside one with it off.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 5, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(2)
public class DebugBenchmark {
    @Param({"true", "false"})
    public String asyncStackTraces;

    int x;

    @Setup
    public void setUp() {
        System.setProperty("coda.asyncStackTraces", asyncStackTraces);
    }

    @Async
    static Task<Integer> outer(Task<Integer> t) {
        return Task.completed(await(inner(t)) + 1);
    }

    @Async
    static Task<Integer> inner(Task<Integer> t) {
        return Task.completed(await(t) + 1);
    }

    @Benchmark
    public Throwable failureThroughTwoAwaits() {
        Task<Integer> t = PendingTasks.pending();
        Task<Integer> call = outer(t);
        PendingTasks.fail(t, new IllegalStateException("failed " + x++));
        return PendingTasks.failureOf(call);
    }

    @Benchmark
    @Fork(value = 2, jvmArgsAppend = "-Dcoda.probe=true")
    public int pendingProbeOn() {
        return pending();
    }

    @Benchmark
    public int pendingProbeOff() {
        return pending();
    }

    private int pending() {
        Task<Integer> a = PendingTasks.pending();
        Task<Integer> b = PendingTasks.pending();
        Task<Integer> t = CoreBenchmark.twoAwaits(a, b);
        PendingTasks.complete(a, x++);
        PendingTasks.complete(b, 2);
        return t.join();
    }
}
