package dev.coda.kotlinpeers;

import dev.coda.Task;
import dev.coda.benchmarks.CoreBenchmark.AtomicMachine;
import dev.coda.benchmarks.PeersBenchmark;
import dev.coda.benchmarks.PeersBenchmark.HoldThreeMachine;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import kotlin.coroutines.intrinsics.IntrinsicsKt;
import kotlinx.coroutines.CoroutineScope;
import kotlinx.coroutines.Deferred;
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
import org.openjdk.jmh.infra.BenchmarkParams;

/**
 * Kotlin coroutines beside Coda and the hand-written machines, in one run, with {@link PeersBenchmark}'s shapes,
 * row names, settings and inputs, so that {@code dev.coda.benchmarks.Ratios} reads the CSV. The baseline and Coda
 * rows are {@link PeersBenchmark}'s own, called on an instance held here. The Kotlin variants:
 * <ul>
 *   <li>{@code kotlinGate} ({@code two*}), {@code kotlin} ({@code suspendedHeap}): the suspend fun started bare,
 *       {@code suspend { f(..) }.startCoroutine(completion)}, the completion recording the value; no job, no
 *       dispatcher.</li>
 *   <li>{@code kotlinGateCall}, {@code kotlinCall}: the suspend fun called with the completion as its continuation,
 *       as a calling suspend fun passes its own (and as {@code startCoroutineUninterceptedOrReturn} does): no
 *       starting lambda.</li>
 *   <li>{@code kotlinAsync}: {@code GlobalScope.async(Dispatchers.Unconfined, CoroutineStart.UNDISPATCHED) { f(..) }}
 *       read with {@code getCompleted()}: a job, without a parent, as a Coda call made outside async code has none.
 *       Its await of the gate, as in {@code kotlinGate}, is not cancellable. {@code twoPending_kotlinAsyncCancellable}:
 *       the same over the gate's cancellable await ({@code suspendCancellableCoroutine}), as Coda's await is.
 *       {@code twoPending_kotlinAsyncChild}: {@code kotlinAsync} as a child of a scope's job.</li>
 *   <li>{@code kotlinAwait}: kotlinx-coroutines' {@code CompletableFuture.await()}, started bare.</li>
 *   <li>{@code cancelHoldingTwo_kotlinResume}, {@code kotlinCancel}: a job suspended in a cancellable await while it
 *       holds two resources, closed in {@code finally} under {@code withContext(NonCancellable)}, resumed or
 *       cancelled.</li>
 * </ul>
 * The Kotlin gate ({@link KotlinGate}) is the hand-written machines' gate: one CAS to register, one swap to complete
 * and resume inline; its {@code await} is inline and holds an {@code int}, so no row boxes its input.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 5, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(2)
public class KotlinPeersBenchmark {
    private int x;

    /** The next of {@link PeersBenchmark}'s inputs, made before the run. */
    private Integer in() {
        return PeersBenchmark.input(x++);
    }

    final PeersBenchmark peers = new PeersBenchmark();
    final KotlinResource first = new KotlinResource();
    final KotlinResource second = new KotlinResource();
    final CoroutineScope parent = KotlinPeers.parentScope();

    /** A suspend fun's return, handled as a calling coroutine would: a value that came without suspending. */
    private static Completion ended(Object returned, Completion c) {
        if (returned != IntrinsicsKt.getCOROUTINE_SUSPENDED()) c.resumeWith(returned);
        return c;
    }

    // ---- twoPending, twoComplete ----------------------------------------------------------------------------------

    @Benchmark
    public AtomicMachine twoPending_atomicGate() {
        return peers.twoPending_atomicGate();
    }

    @Benchmark
    public Task<Integer> twoPending_coda() {
        return peers.twoPending_coda();
    }

    @Benchmark
    public Completion twoPending_kotlinGate() {
        KotlinGate a = new KotlinGate();
        KotlinGate b = new KotlinGate();
        Completion c = KotlinPeers.startTwoAwaits(a, b);
        a.complete(in());
        b.complete(2);
        return c;
    }

    @Benchmark
    public Completion twoPending_kotlinGateCall() {
        KotlinGate a = new KotlinGate();
        KotlinGate b = new KotlinGate();
        Completion c = new Completion();
        ended(KotlinPeers.twoAwaits(a, b, c), c);
        a.complete(in());
        b.complete(2);
        return c;
    }

    @Benchmark
    public Deferred<Integer> twoPending_kotlinAsync() {
        KotlinGate a = new KotlinGate();
        KotlinGate b = new KotlinGate();
        Deferred<Integer> d = KotlinPeers.asyncTwoAwaits(a, b);
        a.complete(in());
        b.complete(2);
        d.getCompleted();
        return d;
    }

    @Benchmark
    public Deferred<Integer> twoPending_kotlinAsyncCancellable() {
        KotlinGate a = new KotlinGate();
        KotlinGate b = new KotlinGate();
        Deferred<Integer> d = KotlinPeers.asyncTwoAwaitsCancellable(a, b);
        a.complete(in());
        b.complete(2);
        d.getCompleted();
        return d;
    }

    @Benchmark
    public Deferred<Integer> twoPending_kotlinAsyncChild() {
        KotlinGate a = new KotlinGate();
        KotlinGate b = new KotlinGate();
        Deferred<Integer> d = KotlinPeers.asyncTwoAwaitsIn(parent, a, b);
        a.complete(in());
        b.complete(2);
        d.getCompleted();
        return d;
    }

    @Benchmark
    public AtomicMachine twoComplete_atomicGate() {
        return peers.twoComplete_atomicGate();
    }

    @Benchmark
    public Task<Integer> twoComplete_coda() {
        return peers.twoComplete_coda();
    }

    @Benchmark
    public Completion twoComplete_kotlinGate() {
        KotlinGate a = new KotlinGate();
        KotlinGate b = new KotlinGate();
        a.complete(in());
        b.complete(2);
        return KotlinPeers.startTwoAwaits(a, b);
    }

    @Benchmark
    public Completion twoComplete_kotlinGateCall() {
        KotlinGate a = new KotlinGate();
        KotlinGate b = new KotlinGate();
        a.complete(in());
        b.complete(2);
        Completion c = new Completion();
        return ended(KotlinPeers.twoAwaits(a, b, c), c);
    }

    @Benchmark
    public Deferred<Integer> twoComplete_kotlinAsync() {
        KotlinGate a = new KotlinGate();
        KotlinGate b = new KotlinGate();
        a.complete(in());
        b.complete(2);
        Deferred<Integer> d = KotlinPeers.asyncTwoAwaits(a, b);
        d.getCompleted();
        return d;
    }

    // ---- twoFuturesPending, twoFuturesComplete ---------------------------------------------------------------------

    @Benchmark
    public CompletableFuture<Integer> twoFuturesPending_whenComplete() {
        return peers.twoFuturesPending_whenComplete();
    }

    @Benchmark
    public Task<Integer> twoFuturesPending_coda() {
        return peers.twoFuturesPending_coda();
    }

    @Benchmark
    public Completion twoFuturesPending_kotlinAwait() {
        CompletableFuture<Integer> a = new CompletableFuture<>();
        CompletableFuture<Integer> b = new CompletableFuture<>();
        Completion c = KotlinPeers.startTwoFutures(a, b);
        a.complete(in());
        b.complete(2);
        return c;
    }

    @Benchmark
    public Deferred<Integer> twoFuturesPending_kotlinAsync() {
        CompletableFuture<Integer> a = new CompletableFuture<>();
        CompletableFuture<Integer> b = new CompletableFuture<>();
        Deferred<Integer> d = KotlinPeers.asyncTwoFutures(a, b);
        a.complete(in());
        b.complete(2);
        d.getCompleted();
        return d;
    }

    @Benchmark
    @Warmup(iterations = PeersBenchmark.SLOW_TO_SETTLE)
    public CompletableFuture<Integer> twoFuturesComplete_whenComplete() {
        return peers.twoFuturesComplete_whenComplete();
    }

    @Benchmark
    @Warmup(iterations = PeersBenchmark.SLOW_TO_SETTLE)
    public Task<Integer> twoFuturesComplete_coda() {
        return peers.twoFuturesComplete_coda();
    }

    @Benchmark
    @Warmup(iterations = PeersBenchmark.SLOW_TO_SETTLE)
    public Completion twoFuturesComplete_kotlinAwait() {
        CompletableFuture<Integer> a = CompletableFuture.completedFuture(in());
        CompletableFuture<Integer> b = CompletableFuture.completedFuture(2);
        return KotlinPeers.startTwoFutures(a, b);
    }

    @Benchmark
    @Warmup(iterations = PeersBenchmark.SLOW_TO_SETTLE)
    public Deferred<Integer> twoFuturesComplete_kotlinAsync() {
        CompletableFuture<Integer> a = CompletableFuture.completedFuture(in());
        CompletableFuture<Integer> b = CompletableFuture.completedFuture(2);
        Deferred<Integer> d = KotlinPeers.asyncTwoFutures(a, b);
        d.getCompleted();
        return d;
    }

    // ---- cancelHoldingTwo -----------------------------------------------------------------------------------------

    @Benchmark
    public Task<Integer> cancelHoldingTwo_codaResume() {
        return peers.cancelHoldingTwo_codaResume();
    }

    @Benchmark
    public Task<Integer> cancelHoldingTwo_codaCancel() {
        return peers.cancelHoldingTwo_codaCancel();
    }

    @Benchmark
    public Deferred<Integer> cancelHoldingTwo_kotlinResume() {
        KotlinGate gate = new KotlinGate();
        Deferred<Integer> d = KotlinPeers.asyncHoldTwoAndAwait(first, second, gate);
        gate.complete(in());
        d.getCompleted();
        return d;
    }

    @Benchmark
    public Deferred<Integer> cancelHoldingTwo_kotlinCancel() {
        KotlinGate gate = new KotlinGate();
        Deferred<Integer> d = KotlinPeers.asyncHoldTwoAndAwait(first, second, gate);
        d.cancel((CancellationException) null);
        if (!d.isCancelled() || !d.isCompleted()) throw new AssertionError("not cancelled: " + d);
        return d;
    }

    // ---- suspendedHeap --------------------------------------------------------------------------------------------

    @Benchmark
    public HoldThreeMachine suspendedHeap_atomicGate() {
        return peers.suspendedHeap_atomicGate();
    }

    @Benchmark
    public Task<Integer> suspendedHeap_coda() {
        return peers.suspendedHeap_coda();
    }

    @Benchmark
    public Completion suspendedHeap_kotlin() {
        KotlinGate gate = new KotlinGate();
        Completion c = KotlinPeers.startHoldThree(gate, in());
        gate.complete(1);
        return c;
    }

    @Benchmark
    public Completion suspendedHeap_kotlinCall() {
        KotlinGate gate = new KotlinGate();
        Completion c = new Completion();
        ended(KotlinPeers.holdThree(gate, in(), c), c);
        gate.complete(1);
        return c;
    }

    // ---- what the timed rows do not read --------------------------------------------------------------------------

    /** The measured row, once, its outcome checked: a Kotlin row's value, or a cancelled row's closes. */
    @Setup(Level.Trial)
    public void check(BenchmarkParams params) {
        String row = params.getBenchmark().substring(params.getBenchmark().lastIndexOf('.') + 1);
        int p = next();
        int closes = first.closes + second.closes;
        Object outcome = switch (row) {
            case "twoPending_kotlinGate" -> twoPending_kotlinGate();
            case "twoPending_kotlinGateCall" -> twoPending_kotlinGateCall();
            case "twoPending_kotlinAsync" -> twoPending_kotlinAsync();
            case "twoPending_kotlinAsyncCancellable" -> twoPending_kotlinAsyncCancellable();
            case "twoPending_kotlinAsyncChild" -> twoPending_kotlinAsyncChild();
            case "twoComplete_kotlinGate" -> twoComplete_kotlinGate();
            case "twoComplete_kotlinGateCall" -> twoComplete_kotlinGateCall();
            case "twoComplete_kotlinAsync" -> twoComplete_kotlinAsync();
            case "twoFuturesPending_kotlinAwait" -> twoFuturesPending_kotlinAwait();
            case "twoFuturesPending_kotlinAsync" -> twoFuturesPending_kotlinAsync();
            case "twoFuturesComplete_kotlinAwait" -> twoFuturesComplete_kotlinAwait();
            case "twoFuturesComplete_kotlinAsync" -> twoFuturesComplete_kotlinAsync();
            case "cancelHoldingTwo_kotlinResume" -> cancelHoldingTwo_kotlinResume();
            case "cancelHoldingTwo_kotlinCancel" -> cancelHoldingTwo_kotlinCancel();
            case "suspendedHeap_kotlin" -> suspendedHeap_kotlin();
            case "suspendedHeap_kotlinCall" -> suspendedHeap_kotlinCall();
            default -> null; // PeersBenchmark's rows
        };
        if (outcome == null) return;
        if (row.startsWith("cancelHoldingTwo") && first.closes + second.closes != closes + 2) {
            throw new AssertionError(row + ": " + (first.closes + second.closes - closes) + " closes, expected 2");
        }
        if (row.endsWith("Cancel")) return;
        int expected = row.startsWith("two") ? p + 3
                : row.startsWith("suspendedHeap") ? ((p + 1) + p * 3 + (p ^ 5) + 1) & 127
                : p;
        expect(row, expected, outcome);
    }

    private int next() {
        return PeersBenchmark.input(x);
    }

    private static void expect(String row, int value, Object outcome) {
        int got;
        if (outcome instanceof Completion) {
            Completion c = (Completion) outcome;
            if (!c.done || c.failure != null) throw new AssertionError(row + ": not done, or failed: " + c.failure);
            got = c.value;
        } else {
            got = ((Deferred<?>) outcome).getCompleted() instanceof Integer i ? i : Integer.MIN_VALUE;
        }
        if (got != value) throw new AssertionError(row + ": " + got + ", expected " + value);
    }
}
