package dev.coda.benchmarks;

import static dev.coda.Coda.await;

import dev.coda.Async;
import dev.coda.Coda;
import dev.coda.PendingTasks;
import dev.coda.Task;
import dev.coda.TaskScope;
import dev.coda.benchmarks.CoreBenchmark.AtomicGate;
import dev.coda.benchmarks.CoreBenchmark.AtomicMachine;
import dev.coda.benchmarks.CoreBenchmark.PlainGate;
import dev.coda.benchmarks.CoreBenchmark.PlainMachine;
import dev.coda.benchmarks.DropGlueBenchmark.AsyncResource;
import dev.coda.benchmarks.LeafBenchmark.FutureMachine;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.infra.Blackhole;

/**
 * Coda beside its pure-Java peers, in one class so that one run measures them together. Every row is named
 * {@code <shape>_<variant>}; {@link Ratios} prints each variant against its shape's baseline. The shapes:
 * <ul>
 *   <li>{@code twoPending}, {@code twoComplete}: {@code x = await(a); y = await(b); return x + y + 1}, both pending
 *       and then completed in order on the benchmark thread, or both already complete. {@code plainGate} and
 *       {@code atomicGate} are {@link CoreBenchmark}'s hand-written machines (the atomic one is the limit and the
 *       baseline), {@code coda} its {@code twoAwaits} over {@link PendingTasks}, {@code virtualThread} a virtual
 *       thread that joins two {@code CompletableFuture}s (see {@link VirtualThreads}).</li>
 *   <li>{@code twoFuturesPending}, {@code twoFuturesComplete}: the same over {@code CompletableFuture}s.
 *       {@code whenComplete} is {@link LeafBenchmark}'s hand-written machine (the baseline), {@code thenCompose} the
 *       usual chain, {@code coda} {@link LeafBenchmark}'s {@code twoFutures}, which awaits the futures directly.</li>
 *   <li>{@code cancelHoldingTwo}: a call holding two {@code AsyncCloseable}s (closed at once) suspended on a pending
 *       task. {@code codaResume} completes the task (the baseline), {@code codaCancel} cancels the call,
 *       {@code atomicGateCancel} cancels a hand-written machine over an {@link AtomicGate}.</li>
 *   <li>{@code scopeOfOne}: a scope whose one child suspends on a pending task, which is then completed.</li>
 *   <li>{@code anyOfTwo}: the first of two pending tasks; the first completes, the second is cancelled.</li>
 *   <li>{@code timeout}: a 10 s timeout around work that suspends on a pending task, completed at once.</li>
 *   <li>{@code suspendedHeap}: what a call suspended with three live locals occupies; the time is incidental, read
 *       {@code gc.alloc.rate.norm}.</li>
 * </ul>
 * Where the shape says "pending", each framework's own pending primitive is used: {@link PendingTasks} for Coda,
 * a {@link CompletableFuture} for the future peers, an {@link AtomicGate} for the hand-written machines. Values
 * completed into the gates are the next of a table of {@code Integer}s made before the run ({@link #in()}; the gates
 * that hold an {@code int} unbox it) and 2 (cached), except in {@code suspendedHeap}, where nothing but the
 * suspension may allocate. So no row allocates for its input: a counter boxed in the op allocated 16 B in the rows
 * whose primitive holds objects and nothing in those whose primitive holds an {@code int}, which is the producer's
 * cost, not the await's. What a row allocates for its result (Coda's {@code Task<Integer>} boxes
 * {@code x + y + 1}; the gate machine keeps an {@code int}) is still counted.
 *
 * <p>Every row returns what carries its result (a machine, a task, a future), joined first where it can be, so that
 * the JIT cannot remove its allocations.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 5, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(2)
public class PeersBenchmark {
    /**
     * Warm-up iterations for the {@code twoFuturesComplete} rows: on JDK 25 their {@code CompletableFuture} paths
     * still jump to several hundred ns per op in single iterations after the class's five.
     */
    public static final int SLOW_TO_SETTLE = 10;

    /**
     * The inputs, made before the run (see the class comment): 1,024 values from 1,000 up, outside {@code Integer}'s
     * cache, as a counter's would be.
     */
    private static final Integer[] INPUTS = new Integer[1024];
    static {
        for (int i = 0; i < INPUTS.length; i++) INPUTS[i] = 1000 + i;
    }

    private int x;

    /** The next input: the same table for every row, unboxed where the primitive holds an {@code int}. */
    private Integer in() {
        return input(x++);
    }

    /**
     * Input {@code i} of the table, wrapping around; for other benchmark classes that run beside these rows.
     *
     * @param i any index
     * @return the table's value at {@code i} modulo its size
     */
    public static Integer input(int i) {
        return INPUTS[i & (INPUTS.length - 1)];
    }

    final AsyncResource first = new AsyncResource();
    final AsyncResource second = new AsyncResource();

    // ---- twoPending, twoComplete ----------------------------------------------------------------------------------

    @Benchmark
    public PlainMachine twoPending_plainGate() {
        PlainGate a = new PlainGate();
        PlainGate b = new PlainGate();
        PlainMachine m = new PlainMachine(a, b);
        m.run();
        a.complete(in());
        b.complete(2);
        return m;
    }

    @Benchmark
    public AtomicMachine twoPending_atomicGate() {
        AtomicGate a = new AtomicGate();
        AtomicGate b = new AtomicGate();
        AtomicMachine m = new AtomicMachine(a, b);
        m.run();
        a.complete(in());
        b.complete(2);
        return m;
    }

    @Benchmark
    public Task<Integer> twoPending_coda() {
        Task<Integer> a = PendingTasks.pending();
        Task<Integer> b = PendingTasks.pending();
        Task<Integer> t = CoreBenchmark.twoAwaits(a, b);
        PendingTasks.complete(a, in());
        PendingTasks.complete(b, 2);
        t.join();
        return t;
    }

    /**
     * The benchmark thread waits until the virtual thread has parked on {@code a} before completing it, and on
     * {@code b} before completing that, so both joins do suspend; then until it has terminated. Every hand-off
     * goes through the scheduler: the op includes waking a carrier thread, which Coda's inline resumption avoids.
     */
    @Benchmark
    public JoinTwo twoPending_virtualThread(VirtualThreads vt) {
        CompletableFuture<Integer> a = new CompletableFuture<>();
        CompletableFuture<Integer> b = new CompletableFuture<>();
        JoinTwo m = new JoinTwo(a, b);
        Thread t = VirtualThreads.start(m);
        VirtualThreads.awaitState(t, Thread.State.WAITING);
        a.complete(in());
        VirtualThreads.awaitState(t, Thread.State.WAITING);
        b.complete(2);
        VirtualThreads.awaitState(t, Thread.State.TERMINATED);
        return m;
    }

    @Benchmark
    public PlainMachine twoComplete_plainGate() {
        PlainGate a = new PlainGate();
        PlainGate b = new PlainGate();
        a.complete(in());
        b.complete(2);
        PlainMachine m = new PlainMachine(a, b);
        m.run();
        return m;
    }

    @Benchmark
    public AtomicMachine twoComplete_atomicGate() {
        AtomicGate a = new AtomicGate();
        AtomicGate b = new AtomicGate();
        a.complete(in());
        b.complete(2);
        AtomicMachine m = new AtomicMachine(a, b);
        m.run();
        return m;
    }

    @Benchmark
    public Task<Integer> twoComplete_coda() {
        Task<Integer> a = Task.completed(in());
        Task<Integer> b = Task.completed(2);
        Task<Integer> t = CoreBenchmark.twoAwaits(a, b);
        t.join();
        return t;
    }

    /** A thread started and run to its end: nothing parks, but the start and the end go through the scheduler. */
    @Benchmark
    public JoinTwo twoComplete_virtualThread(VirtualThreads vt) {
        CompletableFuture<Integer> a = CompletableFuture.completedFuture(in());
        CompletableFuture<Integer> b = CompletableFuture.completedFuture(2);
        JoinTwo m = new JoinTwo(a, b);
        Thread t = VirtualThreads.start(m);
        VirtualThreads.awaitState(t, Thread.State.TERMINATED);
        return m;
    }

    /** The body of the virtual-thread rows of {@code two*}: blocking joins, on a virtual thread. */
    public static final class JoinTwo implements Runnable {
        final CompletableFuture<Integer> a;
        final CompletableFuture<Integer> b;
        int result;

        JoinTwo(CompletableFuture<Integer> a, CompletableFuture<Integer> b) {
            this.a = a;
            this.b = b;
        }

        @Override
        public void run() {
            int x = a.join();
            int y = b.join();
            result = x + y + 1;
        }
    }

    // ---- twoFuturesPending, twoFuturesComplete ---------------------------------------------------------------------

    @Benchmark
    public FutureMachine twoFuturesPending_whenComplete() {
        CompletableFuture<Integer> a = new CompletableFuture<>();
        CompletableFuture<Integer> b = new CompletableFuture<>();
        FutureMachine m = new FutureMachine(a, b);
        m.run();
        a.complete(in());
        b.complete(2);
        m.join();
        return m;
    }

    @Benchmark
    public CompletableFuture<Integer> twoFuturesPending_thenCompose() {
        CompletableFuture<Integer> a = new CompletableFuture<>();
        CompletableFuture<Integer> b = new CompletableFuture<>();
        CompletableFuture<Integer> r = thenCompose(a, b);
        a.complete(in());
        b.complete(2);
        r.join();
        return r;
    }

    @Benchmark
    public Task<Integer> twoFuturesPending_coda() {
        CompletableFuture<Integer> a = new CompletableFuture<>();
        CompletableFuture<Integer> b = new CompletableFuture<>();
        Task<Integer> t = LeafBenchmark.twoFutures(a, b);
        a.complete(in());
        b.complete(2);
        t.join();
        return t;
    }

    @Benchmark
    @Warmup(iterations = SLOW_TO_SETTLE)
    public FutureMachine twoFuturesComplete_whenComplete() {
        CompletableFuture<Integer> a = CompletableFuture.completedFuture(in());
        CompletableFuture<Integer> b = CompletableFuture.completedFuture(2);
        FutureMachine m = new FutureMachine(a, b);
        m.run();
        m.join();
        return m;
    }

    @Benchmark
    @Warmup(iterations = SLOW_TO_SETTLE)
    public CompletableFuture<Integer> twoFuturesComplete_thenCompose(Blackhole bh) {
        CompletableFuture<Integer> a = CompletableFuture.completedFuture(in());
        CompletableFuture<Integer> b = CompletableFuture.completedFuture(2);
        bh.consume(a); // as the other rows' machines and calls hold them: else the JIT may remove them
        bh.consume(b);
        CompletableFuture<Integer> r = thenCompose(a, b);
        r.join();
        return r;
    }

    @Benchmark
    @Warmup(iterations = SLOW_TO_SETTLE)
    public Task<Integer> twoFuturesComplete_coda() {
        CompletableFuture<Integer> a = CompletableFuture.completedFuture(in());
        CompletableFuture<Integer> b = CompletableFuture.completedFuture(2);
        Task<Integer> t = LeafBenchmark.twoFutures(a, b);
        t.join();
        return t;
    }

    static CompletableFuture<Integer> thenCompose(CompletableFuture<Integer> a, CompletableFuture<Integer> b) {
        return a.thenCompose(x -> b.thenApply(y -> x + y + 1));
    }

    // ---- cancelHoldingTwo -----------------------------------------------------------------------------------------

    @Benchmark
    public Task<Integer> cancelHoldingTwo_codaResume() {
        Task<Integer> gate = PendingTasks.pending();
        Task<Integer> t = DropGlueBenchmark.holdTwoAndAwait(first, second, gate);
        PendingTasks.complete(gate, in());
        t.join();
        return t;
    }

    @Benchmark
    public Task<Integer> cancelHoldingTwo_codaCancel() {
        Task<Integer> gate = PendingTasks.pending();
        Task<Integer> t = DropGlueBenchmark.holdTwoAndAwait(first, second, gate);
        t.cancel();
        if (!t.isCancelled()) throw new AssertionError("not cancelled: " + t);
        return t;
    }

    @Benchmark
    public HoldTwoMachine cancelHoldingTwo_atomicGateCancel() {
        AtomicGate gate = new AtomicGate();
        HoldTwoMachine m = new HoldTwoMachine(first, second, gate);
        m.run();
        if (!m.cancel()) throw new AssertionError("not cancelled");
        return m;
    }

    /**
     * {@code try (r1; r2) { return await(gate); }} by hand over an {@link AtomicGate}, cancellable from another
     * thread: the deregistering CAS and the completing swap decide which of cancel and resume runs the closes. It
     * cannot wait for a close that does not complete at once, nor remember a cancel that comes before it suspends.
     */
    public static final class HoldTwoMachine implements Runnable {
        static final int SUCCEEDED = 1;
        static final int CANCELLED = 2;

        final AsyncResource r1;
        final AsyncResource r2;
        final AtomicGate gate;
        int state;
        int result;
        volatile int outcome;

        HoldTwoMachine(AsyncResource r1, AsyncResource r2, AtomicGate gate) {
            this.r1 = r1;
            this.r2 = r2;
            this.gate = gate;
        }

        @Override
        public void run() {
            if (state == 0 && !gate.isDone()) {
                state = 1;
                if (gate.register(this)) return;
            }
            result = gate.value;
            closeBoth(false);
            outcome = SUCCEEDED;
        }

        /** True if it was suspended and is now cancelled, its resources closed; false if the gate won. */
        boolean cancel() {
            if (!gate.deregister(this)) return false;
            closeBoth(true);
            outcome = CANCELLED;
            return true;
        }

        /** r2, then r1; unlike try-with-resources, a close that throws skips the other and suppresses nothing. */
        private void closeBoth(boolean aborted) {
            Task<Void> c2 = aborted ? r2.abortAsync(null) : r2.closeAsync();
            Task<Void> c1 = aborted ? r1.abortAsync(null) : r1.closeAsync();
            if (!c2.isDone() || !c1.isDone()) throw new IllegalStateException("a close that suspends");
        }
    }

    // ---- scopeOfOne -----------------------------------------------------------------------------------------------

    @Async
    static Task<Integer> scopeOfOne(Task<Integer> gate) {
        try (TaskScope scope = TaskScope.open()) {
            return Task.completed(await(scope.spawn(() -> CoreBenchmark.pendingChild(gate))));
        }
    }

    @Benchmark
    public Task<Integer> scopeOfOne_coda() {
        Task<Integer> gate = PendingTasks.pending();
        Task<Integer> t = scopeOfOne(gate);
        PendingTasks.complete(gate, in());
        t.join();
        return t;
    }

    /** The child is a stage on the gate; the scope's wait is {@code allOf} over its children. No fail-fast: one child. */
    @Benchmark
    public CompletableFuture<Integer> scopeOfOne_completableFuture() {
        CompletableFuture<Integer> gate = new CompletableFuture<>();
        CompletableFuture<Integer> child = gate.thenApply(v -> v + 1);
        CompletableFuture<?>[] children = {child};
        CompletableFuture<Integer> t = CompletableFuture.allOf(children).thenApply(ignored -> child.join());
        gate.complete(in());
        t.join();
        return t;
    }

    // ---- anyOfTwo -------------------------------------------------------------------------------------------------

    @Async
    static Task<Integer> anyOfTwo(Task<Integer> a, Task<Integer> b) {
        return Task.completed(await(Task.any(List.of(a, b))));
    }

    @Benchmark
    public Task<Integer> anyOfTwo_coda() {
        Task<Integer> a = PendingTasks.pending();
        Task<Integer> b = PendingTasks.pending();
        Task<Integer> t = anyOfTwo(a, b);
        PendingTasks.complete(a, in());
        t.join();
        if (!b.isCancelled()) throw new AssertionError("the loser was not cancelled");
        return t;
    }

    @Benchmark
    public CompletableFuture<Integer> anyOfTwo_completableFutureAnyOf() {
        CompletableFuture<Integer> a = new CompletableFuture<>();
        CompletableFuture<Integer> b = new CompletableFuture<>();
        CompletableFuture<Integer> t = CompletableFuture.anyOf(a, b).thenApply(v -> {
            a.cancel(false); // whichever lost; the winner's cancel does nothing
            b.cancel(false);
            return (Integer) v;
        });
        a.complete(in());
        t.join();
        if (!b.isCancelled()) throw new AssertionError("the loser was not cancelled");
        return t;
    }

    // ---- timeout --------------------------------------------------------------------------------------------------

    /** A constant: {@code orTimeout} takes a long and allocates no Duration either. */
    static final Duration TEN_SECONDS = Duration.ofSeconds(10);

    @Async
    static Task<Integer> timeout(Task<Integer> gate) {
        return Task.completed(await(Coda.timeout(TEN_SECONDS, () -> CoreBenchmark.pendingChild(gate))));
    }

    @Benchmark
    public Task<Integer> timeout_coda() {
        Task<Integer> gate = PendingTasks.pending();
        Task<Integer> t = timeout(gate);
        PendingTasks.complete(gate, in());
        t.join();
        return t;
    }

    @Benchmark
    public CompletableFuture<Integer> timeout_completableFutureOrTimeout() {
        CompletableFuture<Integer> gate = new CompletableFuture<>();
        CompletableFuture<Integer> t = gate.thenApply(v -> v + 1).orTimeout(10, TimeUnit.SECONDS);
        gate.complete(in());
        t.join();
        return t;
    }

    // ---- suspendedHeap --------------------------------------------------------------------------------------------
    // One op: a new pending gate; a call that computes three ints from a parameter, awaits the gate and then uses
    // all three; the gate completed with 1 (a cached Integer where boxed) and the result masked to the Integer
    // cache. So gc.alloc.rate.norm is the gate, plus the suspended call, plus whatever the suspension and the
    // resumption allocate (nothing for the Coda and hand-written rows). The op completes the gate so that suspended
    // calls do not pile up; a call that stayed suspended would hold the same bytes. For the virtual thread it is
    // every byte any thread allocated in the op: the thread, its continuation and stack chunk (the frames from
    // run() down to the park), the runnable, the future and its waiter, and the scheduler's share.

    @Async
    static Task<Integer> holdThree(Task<Integer> gate, int p) {
        int a = p + 1;
        int b = p * 3;
        int c = p ^ 5;
        int v = await(gate);
        return Task.completed((a + b + c + v) & 127);
    }

    @Benchmark
    public Task<Integer> suspendedHeap_coda() {
        Task<Integer> gate = PendingTasks.pending();
        Task<Integer> t = holdThree(gate, in());
        PendingTasks.complete(gate, 1);
        t.join();
        return t;
    }

    @Benchmark
    public HoldThreeMachine suspendedHeap_atomicGate() {
        AtomicGate gate = new AtomicGate();
        HoldThreeMachine m = new HoldThreeMachine(gate);
        m.start(in());
        gate.complete(1);
        return m;
    }

    /** The thread parks with its three locals in its frame; then the gate is completed and the thread ends. */
    @Benchmark
    public JoinHoldingThree suspendedHeap_virtualThread(VirtualThreads vt) {
        CompletableFuture<Integer> gate = new CompletableFuture<>();
        JoinHoldingThree m = new JoinHoldingThree(gate, in());
        Thread t = VirtualThreads.start(m);
        VirtualThreads.awaitState(t, Thread.State.WAITING);
        gate.complete(1);
        VirtualThreads.awaitState(t, Thread.State.TERMINATED);
        return m;
    }

    /** {@link #holdThree} by hand over an {@link AtomicGate}. */
    public static final class HoldThreeMachine implements Runnable {
        final AtomicGate gate;
        int state;
        int a;
        int b;
        int c;
        int result;
        volatile boolean done;

        HoldThreeMachine(AtomicGate gate) {
            this.gate = gate;
        }

        void start(int p) {
            a = p + 1;
            b = p * 3;
            c = p ^ 5;
            run();
        }

        @Override
        public void run() {
            if (state == 0 && !gate.isDone()) {
                state = 1;
                if (gate.register(this)) return;
            }
            result = (a + b + c + gate.value) & 127;
            done = true;
        }
    }

    /** {@link #holdThree} on a virtual thread. */
    public static final class JoinHoldingThree implements Runnable {
        final CompletableFuture<Integer> gate;
        final int p;
        int result;

        JoinHoldingThree(CompletableFuture<Integer> gate, int p) {
            this.gate = gate;
            this.p = p;
        }

        @Override
        public void run() {
            int a = p + 1;
            int b = p * 3;
            int c = p ^ 5;
            int v = gate.join();
            result = (a + b + c + v) & 127;
        }
    }

    // ---- virtual threads ------------------------------------------------------------------------------------------

    /**
     * Starts virtual threads through a method handle, since this module compiles for Java 17. Before JDK 21 its
     * setup throws, so JMH reports the {@code virtualThread} rows as failed (with this message) and writes no
     * figure for them; the other rows run as usual.
     */
    @State(Scope.Benchmark)
    public static class VirtualThreads {
        /** {@code Thread.startVirtualThread(Runnable)}, or null before JDK 21 (19 and 20 have it as a preview). */
        static final MethodHandle START = findStart();

        private static MethodHandle findStart() {
            if (Runtime.version().feature() < 21) return null;
            try {
                return MethodHandles.publicLookup().findStatic(Thread.class, "startVirtualThread",
                        MethodType.methodType(Thread.class, Runnable.class));
            } catch (ReflectiveOperationException e) {
                return null;
            }
        }

        @Setup(Level.Trial)
        public void check() {
            if (START == null) {
                throw new UnsupportedOperationException("the virtualThread rows need JDK 21 or newer "
                        + "(Thread.startVirtualThread); this JVM is " + Runtime.version() + " from "
                        + System.getProperty("java.home") + ": run the jar with a JDK 21+ java to measure them");
            }
        }

        static Thread start(Runnable body) {
            try {
                return (Thread) START.invokeExact(body);
            } catch (Throwable e) {
                throw new IllegalStateException("cannot start a virtual thread", e);
            }
        }

        /** Spins until {@code t} is in {@code state}: WAITING is parked (unmounted), TERMINATED is ended. */
        static void awaitState(Thread t, Thread.State state) {
            while (t.getState() != state) Thread.onSpinWait();
        }
    }
}
