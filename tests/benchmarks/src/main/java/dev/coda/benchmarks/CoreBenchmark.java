package dev.coda.benchmarks;

import static dev.coda.Coda.await;

import dev.coda.Async;
import dev.coda.PendingTasks;
import dev.coda.Task;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
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
 * The core of an async call. The hand-written state machines that bound it live here, for {@code x = await(a);
 * y = await(b); return x + y + 1}: over a thread-safe one-shot gate (one CAS to register the waiter, one atomic swap
 * to complete: the least any design that may be completed from another thread pays) and over a plain gate (not
 * thread-safe); {@link PeersBenchmark} measures them beside Coda and its other peers. The rows here measure the
 * cost of children: a call whose child finishes at once, awaited or not, and one whose unawaited child is still
 * pending when its body ends.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 5, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(2)
public class CoreBenchmark {
    int x;

    // ---- the hand-written limits ----------------------------------------------------------------------------------

    /** A one-shot gate for one waiter, not thread-safe. */
    static final class PlainGate {
        int value;
        boolean done;
        Runnable waiter;

        void complete(int v) {
            value = v;
            done = true;
            Runnable w = waiter;
            if (w != null) {
                waiter = null;
                w.run();
            }
        }
    }

    /** A one-shot gate for one waiter, thread-safe: a CAS registers, an atomic swap completes. */
    static final class AtomicGate {
        private static final Object DONE = new Object();
        private static final VarHandle WAITER;
        static {
            try {
                WAITER = MethodHandles.lookup().findVarHandle(AtomicGate.class, "waiter", Object.class);
            } catch (ReflectiveOperationException e) {
                throw new ExceptionInInitializerError(e);
            }
        }

        int value;
        volatile Object waiter;

        boolean isDone() {
            return waiter == DONE;
        }

        /** False if the gate is already complete: the caller goes on. */
        boolean register(Runnable r) {
            return WAITER.compareAndSet(this, null, r);
        }

        /** False if the gate completed first: {@code r} runs, or ran. */
        boolean deregister(Runnable r) {
            return WAITER.compareAndSet(this, r, null);
        }

        void complete(int v) {
            value = v;
            Object w = WAITER.getAndSet(this, DONE);
            if (w != null) ((Runnable) w).run();
        }
    }

    /** {@code x = await(a); y = await(b); return x + y + 1}, by hand, over plain gates. */
    public static final class PlainMachine implements Runnable {
        final PlainGate a;
        final PlainGate b;
        int state;
        int x;
        int result;
        boolean done;

        PlainMachine(PlainGate a, PlainGate b) {
            this.a = a;
            this.b = b;
        }

        @Override
        public void run() {
            switch (state) {
                case 0:
                    if (!a.done) {
                        state = 1;
                        a.waiter = this;
                        return;
                    }
                    // fall through
                case 1:
                    x = a.value;
                    if (!b.done) {
                        state = 2;
                        b.waiter = this;
                        return;
                    }
                    // fall through
                default:
                    result = x + b.value + 1;
                    done = true;
            }
        }
    }

    /** The same over thread-safe gates. */
    public static final class AtomicMachine implements Runnable {
        final AtomicGate a;
        final AtomicGate b;
        int state;
        int x;
        int result;
        volatile boolean done;

        AtomicMachine(AtomicGate a, AtomicGate b) {
            this.a = a;
            this.b = b;
        }

        @Override
        public void run() {
            switch (state) {
                case 0:
                    if (!a.isDone()) {
                        state = 1;
                        if (a.register(this)) return;
                    }
                    // fall through
                case 1:
                    x = a.value;
                    if (!b.isDone()) {
                        state = 2;
                        if (b.register(this)) return;
                    }
                    // fall through
                default:
                    result = x + b.value + 1;
                    done = true;
            }
        }
    }

    // The rows of this shape, beside their peers, are PeersBenchmark.twoPending_* and twoComplete_*.

    // ---- Coda -----------------------------------------------------------------------------------------------------

    @Async
    static Task<Integer> twoAwaits(Task<Integer> a, Task<Integer> b) {
        int x = await(a);
        int y = await(b);
        return Task.completed(x + y + 1);
    }

    // ---- children -------------------------------------------------------------------------------------------------

    @Async
    static Task<Integer> noChild(int x) {
        return Task.completed(await(Task.completed(x + 1)));
    }

    @Async
    static Task<Integer> unawaitedChild(int x) {
        StructuredBenchmark.child(x);
        return Task.completed(x + 1);
    }

    @Async
    static Task<Integer> pendingChild(Task<Integer> gate) {
        return Task.completed(await(gate) + 1);
    }

    @Async
    static Task<Integer> awaitsPendingChild(Task<Integer> gate) {
        return Task.completed(await(pendingChild(gate)));
    }

    @Async
    static Task<Integer> leavesPendingChild(Task<Integer> gate, int x) {
        pendingChild(gate);
        return Task.completed(x);
    }

    @Benchmark
    public int callWithoutChild() {
        return noChild(x++).join();
    }

    // A call awaiting a child that finishes at once: StructuredBenchmark.awaitChild, in the same run.

    @Benchmark
    public int callLeavingSyncChild() {
        return unawaitedChild(x++).join();
    }

    /** The baseline of the next row: the parent awaits its pending child. */
    @Benchmark
    public int callAwaitingPendingChild() {
        Task<Integer> gate = PendingTasks.pending();
        Task<Integer> t = awaitsPendingChild(gate);
        PendingTasks.complete(gate, x++);
        return t.join();
    }

    /** The parent's body ends while its child is still pending: the end waits for it. */
    @Benchmark
    public int callLeavingPendingChild() {
        Task<Integer> gate = PendingTasks.pending();
        Task<Integer> t = leavesPendingChild(gate, x);
        PendingTasks.complete(gate, x++);
        return t.join();
    }
}
