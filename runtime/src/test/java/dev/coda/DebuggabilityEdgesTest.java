package dev.coda;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.coda.LifecycleEdgesTest.Await;
import dev.coda.LifecycleEdgesTest.Script;
import java.io.File;
import java.lang.management.ManagementFactory;
import java.lang.ref.WeakReference;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.IntFunction;
import javax.management.MBeanServer;
import javax.management.ObjectName;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Edge cases of the debugging aids (docs/debugging.md): async stack traces ({@link AsyncTrace}), the
 * {@link Cancelled} signal's trace, {@code Task.toString()}, and the live-coroutine probe ({@link CoroutineProbe},
 * {@link ProbeMBean}). Coroutines are written by hand ({@link Script}), each await given a source position through
 * {@link Coroutine#awaitFrame()}. The probe is fixed for the life of a JVM, so its cases run in a JVM of their own.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class DebuggabilityEdgesTest {
    static final StackTraceElement BOUNDARY = new StackTraceElement("dev.coda.Coda", "await", "async boundary", -1);

    @AfterEach
    void restoreProperty() {
        System.clearProperty("coda.asyncStackTraces");
    }

    // ---- a hand-written coroutine with await positions -------------------------------------------------------------


    /** A frame of the fictional user class demo.Orders. */
    static StackTraceElement frame(String method, int line) {
        return new StackTraceElement("demo.Orders", method, "Orders.java", line);
    }

    /** Every await of the coroutine at {@code method}, line {@code line}. */
    static IntFunction<StackTraceElement> at(String method, int line) {
        return i -> frame(method, line);
    }

    /** The i-th await at {@code lines[i]} (the last one repeated). */
    static IntFunction<StackTraceElement> lines(String method, int... lines) {
        return i -> frame(method, lines[Math.min(i, lines.length - 1)]);
    }

    static Object valueOr(Object v, Throwable f) throws Throwable {
        if (f != null) throw f;
        return v;
    }

    /** {@code return await(task);} with the await at {@code frames}. */
    static <T> Script<T> awaiting(IntFunction<StackTraceElement> frames, Task<?> task) {
        return new Script<>(frames, (i, v, f) -> i == 0 ? new Await(task) : valueOr(v, f));
    }

    /** {@code await(gate); throw failure;} */
    static <T> Script<T> awaitThenThrow(IntFunction<StackTraceElement> frames, Task<?> gate, Throwable failure) {
        return new Script<>(frames, (i, v, f) -> {
            if (i == 0) return new Await(gate);
            if (f != null) throw f;
            throw failure;
        });
    }

    static List<StackTraceElement> afterBoundary(Throwable e) {
        List<StackTraceElement> trace = Arrays.asList(e.getStackTrace());
        int at = trace.indexOf(BOUNDARY);
        if (at < 0) return null;
        assertEquals(at, trace.lastIndexOf(BOUNDARY), "one boundary in " + trace);
        return new ArrayList<>(trace.subList(at + 1, trace.size()));
    }

    static void completeOnAnotherThread(Runnable r) throws InterruptedException {
        Thread t = new Thread(r, "completer");
        t.start();
        t.join(5000);
        assertFalse(t.isAlive());
    }

    // ---- async stack traces ------------------------------------------------------------------------------------------

    @Test
    void chainOfThreeNamesTheThrowThenBsAwaitThenAsAwait() throws Exception {
        CompletableTask<String> gate = new CompletableTask<>();
        AtomicReference<StackTraceElement[]> atThrow = new AtomicReference<>();
        Script<String> c = new Script<>(at("c", 30), (i, v, f) -> {
            if (i == 0) return new Await(gate);
            IllegalStateException e = new IllegalStateException("c threw");
            atThrow.set(e.getStackTrace());
            throw e;
        });
        Script<String> b = new Script<>(at("b", 20), (i, v, f) -> i == 0 ? new Await(c.start()) : valueOr(v, f));
        Script<String> a = new Script<>(at("a", 10), (i, v, f) -> i == 0 ? new Await(b.start()) : valueOr(v, f));
        a.start();
        completeOnAnotherThread(() -> gate.complete("go"));
        IllegalStateException e = assertThrows(IllegalStateException.class, a::join);
        assertEquals("c threw", e.getMessage());
        StackTraceElement[] thrown = atThrow.get();
        assertEquals(List.of(thrown), Arrays.asList(e.getStackTrace()).subList(0, thrown.length),
                "the frames where it was thrown come first, unchanged");
        assertEquals(BOUNDARY, e.getStackTrace()[thrown.length]);
        assertEquals(List.of(frame("b", 20), frame("a", 10)), afterBoundary(e));
    }

    @Test
    void retryLoopThroughTheSameAwaitsDoesNotGrowTheTrace() {
        IllegalStateException shared = new IllegalStateException("again");
        List<CompletableTask<String>> gates = new ArrayList<>();
        // b: loop { await(gate) at b:20 }, three attempts; a: loop { await(b()) at a:10 }, three attempts
        IntFunction<Script<String>> newB = n -> new Script<>(at("b", 20), (i, v, f) -> {
            if (i < 3) {
                CompletableTask<String> g = new CompletableTask<>();
                gates.add(g);
                return new Await(g);
            }
            throw f;
        });
        AtomicInteger attemptsOfA = new AtomicInteger();
        Script<Throwable> a = new Script<>(at("a", 10), (i, v, f) -> {
            if (i < 3) {
                attemptsOfA.incrementAndGet();
                return new Await(newB.apply(i).start());
            }
            return f;
        });
        a.start();
        for (int k = 0; k < 9; k++) gates.get(k).completeExceptionally(shared);
        assertSame(shared, a.join());
        assertEquals(3, attemptsOfA.get());
        assertEquals(List.of(frame("b", 20), frame("a", 10)), afterBoundary(shared),
                "9 crossings of b:20 and 3 of a:10, each recorded once");
    }

    @Test
    void theSameFailureThroughSeveralAwaitsOfOneCoroutineGetsEachOnce() {
        IllegalStateException shared = new IllegalStateException("shared");
        List<CompletableTask<String>> gates = new ArrayList<>();
        // awaits at lines 20, 21, 22, then 21 again
        Script<Throwable> b = new Script<>(lines("b", 20, 21, 22, 21), (i, v, f) -> {
            if (i < 4) {
                CompletableTask<String> g = new CompletableTask<>();
                gates.add(g);
                return new Await(g);
            }
            return f;
        });
        b.start();
        for (int k = 0; k < 4; k++) gates.get(k).completeExceptionally(shared);
        assertSame(shared, b.join());
        assertEquals(List.of(frame("b", 20), frame("b", 21), frame("b", 22)), afterBoundary(shared));
    }

    @Test
    void aRecursiveAsyncFunctionShowsItsAwaitOnce() throws Exception {
        // handle() awaits rec(3) at handle:10; rec(n) awaits rec(n-1) at rec:40; rec(0) awaits a gate at rec:41,
        // then throws. A frame already after the boundary is not added again: the three awaits at rec:40 are one
        // frame, as the crossings of one await in a retry loop are.
        CompletableTask<String> gate = new CompletableTask<>();
        Script<String> top = rec(3, gate);
        Script<String> h = new Script<>(at("handle", 10), (i, v, f) -> i == 0 ? new Await(top.start()) : valueOr(v, f));
        h.start();
        completeOnAnotherThread(() -> gate.complete("go"));
        IllegalStateException e = assertThrows(IllegalStateException.class, h::join);
        assertEquals(List.of(frame("rec", 40), frame("handle", 10)), afterBoundary(e));
    }

    private static Script<String> rec(int n, Task<?> gate) {
        if (n == 0) return awaitThenThrow(at("rec", 41), gate, new IllegalStateException("bottom"));
        return new Script<>(at("rec", 40), (i, v, f) -> i == 0 ? new Await(rec(n - 1, gate).start()) : valueOr(v, f));
    }

    @Test
    void causeAndSuppressedAreKeptAndLeftUntouched() throws Exception {
        IllegalArgumentException cause = new IllegalArgumentException("cause");
        IllegalStateException suppressed = new IllegalStateException("suppressed");
        StackTraceElement[] causeBefore = cause.getStackTrace().clone();
        StackTraceElement[] suppressedBefore = suppressed.getStackTrace().clone();
        RuntimeException failure = new RuntimeException("top", cause);
        failure.addSuppressed(suppressed);
        CompletableTask<String> gate = new CompletableTask<>();
        Script<String> c = awaitThenThrow(at("c", 30), gate, failure);
        Script<String> b = new Script<>(at("b", 20), (i, v, f) -> i == 0 ? new Await(c.start()) : valueOr(v, f));
        Script<String> a = new Script<>(at("a", 10), (i, v, f) -> i == 0 ? new Await(b.start()) : valueOr(v, f));
        a.start();
        completeOnAnotherThread(() -> gate.complete("go"));
        assertSame(failure, assertThrows(RuntimeException.class, a::join));
        assertSame(cause, failure.getCause());
        assertEquals(List.of(suppressed), List.of(failure.getSuppressed()));
        assertEquals("top", failure.getMessage());
        assertEquals(List.of(frame("b", 20), frame("a", 10)), afterBoundary(failure));
        assertArrayEquals(causeBefore, cause.getStackTrace(), "the cause's own trace is not extended");
        assertArrayEquals(suppressedBefore, suppressed.getStackTrace(), "nor a suppressed one's");
    }

    @Test
    void aWrappedFailureGetsTheOuterAwaitsAndItsCauseTheInnerOnes() throws Exception {
        CompletableTask<String> gate = new CompletableTask<>();
        IllegalStateException inner = new IllegalStateException("inner");
        AtomicReference<RuntimeException> wrapper = new AtomicReference<>();
        Script<String> c = awaitThenThrow(at("c", 30), gate, inner);
        Script<String> b = new Script<>(at("b", 20), (i, v, f) -> {
            if (i == 0) return new Await(c.start());
            RuntimeException w = new RuntimeException("wrapped", f);
            wrapper.set(w);
            throw w;
        });
        Script<String> a = new Script<>(at("a", 10), (i, v, f) -> i == 0 ? new Await(b.start()) : valueOr(v, f));
        a.start();
        completeOnAnotherThread(() -> gate.complete("go"));
        assertSame(wrapper.get(), assertThrows(RuntimeException.class, a::join));
        assertSame(inner, wrapper.get().getCause());
        assertEquals(List.of(frame("b", 20)), afterBoundary(inner));
        assertEquals(List.of(frame("a", 10)), afterBoundary(wrapper.get()));
    }

    static final class Immutable extends RuntimeException {
        Immutable(String message) {
            super(message, null, true, false);
        }
    }

    @Test
    void anExceptionWithAnUnwritableTraceStillArrivesUnchanged() throws Exception {
        Immutable failure = new Immutable("immutable");
        IllegalStateException extra = new IllegalStateException("extra");
        failure.addSuppressed(extra);
        CompletableTask<String> gate = new CompletableTask<>();
        Script<String> c = awaitThenThrow(at("c", 30), gate, failure);
        Script<String> b = new Script<>(at("b", 20), (i, v, f) -> i == 0 ? new Await(c.start()) : valueOr(v, f));
        Script<String> a = new Script<>(at("a", 10), (i, v, f) -> i == 0 ? new Await(b.start()) : valueOr(v, f));
        a.start();
        completeOnAnotherThread(() -> gate.complete("go"));
        assertSame(failure, assertThrows(Immutable.class, a::join));
        assertEquals(0, failure.getStackTrace().length, "an unwritable trace stays empty");
        assertEquals(List.of(extra), List.of(failure.getSuppressed()));
    }

    /** A lightweight exception: it never walks the stack, as Cancelled does not. */
    static final class Lightweight extends RuntimeException {
        Lightweight(String message) {
            super(message);
        }

        @Override
        public synchronized Throwable fillInStackTrace() {
            return this;
        }
    }

    @Test
    void aLightweightExceptionGainsOnlyTheAsyncFrames() throws Exception {
        Lightweight failure = new Lightweight("light");
        CompletableTask<String> gate = new CompletableTask<>();
        Script<String> c = awaitThenThrow(at("c", 30), gate, failure);
        Script<String> b = new Script<>(at("b", 20), (i, v, f) -> i == 0 ? new Await(c.start()) : valueOr(v, f));
        Script<String> a = new Script<>(at("a", 10), (i, v, f) -> i == 0 ? new Await(b.start()) : valueOr(v, f));
        a.start();
        completeOnAnotherThread(() -> gate.complete("go"));
        assertSame(failure, assertThrows(Lightweight.class, a::join));
        assertEquals(List.of(BOUNDARY, frame("b", 20), frame("a", 10)), List.of(failure.getStackTrace()));
    }

    /** An exception whose trace cannot be read (a proxy, a sandboxed or broken subclass). */
    static final class UnreadableTrace extends RuntimeException {
        UnreadableTrace(String message) {
            super(message);
        }

        @Override
        public StackTraceElement[] getStackTrace() {
            throw new UnsupportedOperationException("no trace for you");
        }
    }

    /** An exception whose trace cannot be replaced. */
    static final class UnsettableTrace extends RuntimeException {
        UnsettableTrace(String message) {
            super(message);
        }

        @Override
        public void setStackTrace(StackTraceElement[] stackTrace) {
            throw new UnsupportedOperationException("frozen");
        }
    }

    @Test
    void anExceptionWhoseGetStackTraceThrowsIsStillTheOneTheAwaiterSees() throws Exception {
        UnreadableTrace failure = new UnreadableTrace("unreadable");
        CompletableTask<String> gate = new CompletableTask<>();
        Script<String> b = awaiting(at("b", 20), gate);
        b.start();
        gate.completeExceptionally(failure);
        Throwable seen = assertThrows(Throwable.class, b::join);
        assertSame(failure, seen, "the debugging aid must not replace the failure: got " + seen);
    }

    @Test
    void anExceptionWhoseSetStackTraceThrowsIsStillTheOneTheAwaiterSees() throws Exception {
        UnsettableTrace failure = new UnsettableTrace("unsettable");
        CompletableTask<String> gate = new CompletableTask<>();
        Script<String> b = awaiting(at("b", 20), gate);
        b.start();
        gate.completeExceptionally(failure);
        Throwable seen = assertThrows(Throwable.class, b::join);
        assertSame(failure, seen, "the debugging aid must not replace the failure: got " + seen);
    }

    private static RuntimeException deep(int n) {
        return n == 0 ? new IllegalStateException("shared") : deep(n - 1);
    }

    @Test
    void oneFailureCrossingAwaitsOnSeveralThreadsAtOnceKeepsEveryFrame() throws Exception {
        // "When several functions await one failed task, each adds its own frame to the same exception." Here the one
        // exception fails several tasks, completed on several threads at once (a shared "connection closed"
        // failure delivered to every pending request): each awaiter's crossing runs on its completer's thread.
        int n = 4;
        ExecutorService pool = Executors.newFixedThreadPool(n);
        try {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(4);
            int rounds = 0;
            int lossy = 0;
            List<StackTraceElement> example = null;
            while (System.nanoTime() < deadline && rounds < 3000 && lossy < 3) {
                RuntimeException shared = deep(400);
                shared.getStackTrace(); // materialised once, before the race
                List<CompletableTask<String>> gates = new ArrayList<>();
                List<Script<String>> waiters = new ArrayList<>();
                for (int k = 0; k < n; k++) {
                    CompletableTask<String> g = new CompletableTask<>();
                    gates.add(g);
                    Script<String> w = awaiting(at("w" + k, 100 + k), g);
                    w.start();
                    waiters.add(w);
                }
                CyclicBarrier barrier = new CyclicBarrier(n);
                List<Future<?>> done = new ArrayList<>();
                for (int k = 0; k < n; k++) {
                    CompletableTask<String> g = gates.get(k);
                    done.add(pool.submit(() -> {
                        barrier.await(2, TimeUnit.SECONDS);
                        return g.completeExceptionally(shared);
                    }));
                }
                for (Future<?> f : done) f.get(2, TimeUnit.SECONDS);
                for (Script<String> w : waiters) assertSame(shared, assertThrows(IllegalStateException.class, w::join));
                List<StackTraceElement> after = afterBoundary(shared);
                if (after == null || after.size() != n) {
                    lossy++;
                    if (example == null) example = after;
                }
                rounds++;
            }
            assertEquals(0, lossy, lossy + " of " + rounds + " rounds lost frames, e.g. " + example
                    + " instead of one frame per awaiter (w0..w" + (n - 1) + ")");
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void thePropertyTurnsTracesOffAndIsReadAtEachFailure() throws Exception {
        // off (case-insensitively) while the failure crosses b's await, on again when it crosses a's
        CompletableTask<String> gate = new CompletableTask<>();
        IllegalStateException failure = new IllegalStateException("toggled");
        StackTraceElement[] before = failure.getStackTrace().clone();
        Script<String> b = awaiting(at("b", 20), gate);
        Script<String> a = new Script<>(at("a", 10), (i, v, f) -> {
            if (i == 0) return new Await(b.start());
            if (i == 1) {
                assertArrayEquals(before, f.getStackTrace(), "no async frame while off");
                System.clearProperty("coda.asyncStackTraces");
                throw f;
            }
            return v;
        });
        Script<String> top = new Script<>(at("top", 5), (i, v, f) -> i == 0 ? new Await(a.start()) : valueOr(v, f));
        System.setProperty("coda.asyncStackTraces", "FALSE");
        top.start();
        gate.completeExceptionally(failure);
        assertSame(failure, assertThrows(IllegalStateException.class, top::join));
        assertEquals(List.of(frame("top", 5)), afterBoundary(failure),
                "a's await crossed while off: not recorded; top's, after switching on: recorded");
    }

    // ---- the Cancelled signal --------------------------------------------------------------------------------------

    @Test
    void aSwallowedSignalNamesTheAwaitsAndKeepsTheChildsCleanupFailure() throws Exception {
        CompletableTask<String> gate = new CompletableTask<>();
        IllegalStateException cleanupFailure = new IllegalStateException("cleanup failed");
        AtomicReference<Throwable> signalOfC = new AtomicReference<>();
        AtomicReference<Throwable> signalOfB = new AtomicReference<>();
        Script<String> c = new Script<>(at("c", 30), (i, v, f) -> {
            if (i == 0) return new Await(gate);
            signalOfC.set(f);
            throw cleanupFailure;
        });
        Script<String> b = new Script<>(at("b", 20), (i, v, f) -> {
            if (i == 0) return new Await(c.start());
            signalOfB.set(f);
            return "swallowed"; // catch (Cancelled c) { return "swallowed"; }
        });
        Script<String> a = new Script<>(at("a", 10), (i, v, f) -> i == 0 ? new Await(b.start()) : valueOr(v, f));
        a.start();
        assertTrue(b.cancel());
        Throwable sc = signalOfC.get();
        Throwable sb = signalOfB.get();
        assertInstanceOf(Cancelled.class, sc);
        assertInstanceOf(Cancelled.class, sb);
        assertEquals(List.of(frame("c", 30), BOUNDARY, frame("b", 20), frame("a", 10)), List.of(sc.getStackTrace()));
        assertEquals(List.of(frame("b", 20), BOUNDARY, frame("a", 10)), List.of(sb.getStackTrace()));
        assertEquals("cancelled", sb.getMessage());
        assertSame(sb, sb.fillInStackTrace());
        assertEquals(List.of(frame("b", 20), BOUNDARY, frame("a", 10)), List.of(sb.getStackTrace()),
                "fillInStackTrace captures nothing");
        // what the reader of the swallowed signal needs: the child's cleanup failure
        assertEquals(1, sb.getSuppressed().length, Arrays.toString(sb.getSuppressed()));
        assertTrue(Arrays.asList(sb.getSuppressed()[0].getSuppressed()).contains(cleanupFailure)
                || sb.getSuppressed()[0] == cleanupFailure, Arrays.toString(sb.getSuppressed()));
        assertTrue(b.isCancelled(), "swallowing does not undo the cancellation");
        CancellationException outcome = assertThrows(CancellationException.class, b::join);
        assertEquals(1, outcome.getSuppressed().length);
        assertThrows(CancellationException.class, a::join);
    }

    @Test
    void aSignalSwallowedThenRethrownAfterAnotherSuspensionKeepsItsTrace() throws Exception {
        CompletableTask<String> gate = new CompletableTask<>();
        CompletableTask<String> later = new CompletableTask<>();
        AtomicReference<Throwable> signal = new AtomicReference<>();
        AtomicReference<Object> secondAwait = new AtomicReference<>();
        Script<String> b = new Script<>(lines("b", 20, 21), (i, v, f) -> {
            if (i == 0) return new Await(gate);
            if (i == 1) {
                signal.set(f);
                return new Await(later); // not interrupted again: the request was delivered
            }
            secondAwait.set(f != null ? f : v);
            throw signal.get();
        });
        Script<String> a = new Script<>(at("a", 10), (i, v, f) -> i == 0 ? new Await(b.start()) : valueOr(v, f));
        a.start();
        assertTrue(b.cancel());
        assertFalse(b.isDone(), "b waits at its second await");
        assertTrue(b.toString().startsWith("demo.Orders.b(Orders.java:21) suspended, awaiting "), b.toString());
        completeOnAnotherThread(() -> later.complete("later"));
        assertEquals("later", secondAwait.get());
        assertInstanceOf(Cancelled.class, signal.get());
        assertEquals(List.of(frame("b", 20), BOUNDARY, frame("a", 10)), List.of(signal.get().getStackTrace()));
        assertTrue(b.isCancelled());
        assertThrows(CancellationException.class, a::join);
        assertEquals(List.of(frame("b", 20), BOUNDARY, frame("a", 10)), List.of(signal.get().getStackTrace()),
                "rethrown, it gains nothing");
    }

    @Test
    void withTracesOffTheSignalHasOnlyItsOwnAwait() throws Exception {
        System.setProperty("coda.asyncStackTraces", "false");
        CompletableTask<String> gate = new CompletableTask<>();
        AtomicReference<Throwable> signal = new AtomicReference<>();
        Script<String> b = new Script<>(at("b", 20), (i, v, f) -> {
            if (i == 0) return new Await(gate);
            signal.set(f);
            throw f;
        });
        Script<String> a = new Script<>(at("a", 10), (i, v, f) -> i == 0 ? new Await(b.start()) : valueOr(v, f));
        a.start();
        b.cancel();
        assertEquals(List.of(frame("b", 20)), List.of(signal.get().getStackTrace()));
        assertThrows(CancellationException.class, a::join);
    }

    @Test
    void aSignalDeliveredWithoutSuspendingHasTheThreadsStack() {
        AtomicReference<Throwable> signal = new AtomicReference<>();
        AtomicReference<Script<String>> self = new AtomicReference<>();
        Script<String> b = new Script<>(at("b", 20), (i, v, f) -> {
            if (i == 0) {
                self.get().cancel();
                return new Await(Task.completed("done"));
            }
            signal.set(f);
            throw f;
        });
        self.set(b);
        b.start();
        assertTrue(b.isCancelled());
        List<StackTraceElement> trace = List.of(signal.get().getStackTrace());
        assertFalse(trace.contains(BOUNDARY), trace.toString());
        assertTrue(trace.stream().anyMatch(e -> e.getClassName().startsWith(DebuggabilityEdgesTest.class.getName())),
                trace.toString());
    }

    // ---- toString without the probe ------------------------------------------------------------------------------

    @Test
    void toStringSaysWhereEachCoroutineIs() throws Exception {
        CompletableTask<String> gate = new CompletableTask<>();
        AtomicReference<String> whileRunning = new AtomicReference<>();
        AtomicReference<Script<String>> self = new AtomicReference<>();
        Script<String> c = awaiting(at("c", 30), gate);
        Script<String> b = new Script<>(at("b", 20), (i, v, f) -> {
            if (i == 0) return new Await(c.start());
            whileRunning.set(self.get().toString());
            return valueOr(v, f);
        });
        self.set(b);
        b.start();
        assertEquals("demo.Orders.b(Orders.java:20) suspended, awaiting demo.Orders.c", b.toString());
        assertTrue(c.toString().startsWith("demo.Orders.c(Orders.java:30) suspended, awaiting dev.coda.CompletableTask@"),
                c.toString());
        completeOnAnotherThread(() -> gate.complete("v"));
        assertEquals("demo.Orders.b running", whileRunning.get());
        assertEquals("v", b.join());
        assertTrue(b.toString().startsWith("demo.Orders.b ") && b.toString().endsWith("[succeeded: v]"), b.toString());
    }

    // ---- the probe ---------------------------------------------------------------------------------------------

    @Test
    void probeIsOffByDefaultAndThenListsNothingAndRegistersNothing() throws Exception {
        assertFalse(Boolean.getBoolean("coda.probe"), "this JVM runs without -Dcoda.probe");
        CompletableTask<String> gate = new CompletableTask<>();
        Script<String> b = awaiting(at("b", 20), gate);
        b.start();
        assertFalse(CoroutineProbe.isEnabled());
        assertEquals(0, CoroutineProbe.liveCount());
        assertEquals("", CoroutineProbe.dump());
        assertFalse(ManagementFactory.getPlatformMBeanServer().isRegistered(new ObjectName(ProbeMBean.NAME)));
        gate.complete("x");
        assertEquals("x", b.join());
    }

    /** Runs {@link ProbeMain} with {@code -Dcoda.probe=true} in a JVM of its own; its {@code key=value} lines. */
    private static Map<String, String> probeJvm(String scenario) throws Exception {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.add("-Dcoda.probe=true");
        command.add("-Xmx128m");
        command.add("-cp");
        // This JVM may run the runtime as a module (its classes on the module path, the tests patched in): the
        // probe JVM takes everything on its class path.
        StringBuilder cp = new StringBuilder();
        for (String key : List.of("jdk.module.path", "surefire.test.class.path", "java.class.path")) {
            String value = System.getProperty(key);
            if (value != null && !value.isEmpty()) cp.append(cp.length() > 0 ? File.pathSeparator : "").append(value);
        }
        command.add(cp.toString());
        command.add(ProbeMain.class.getName());
        command.add(scenario);
        File out = File.createTempFile("probe", ".txt");
        out.deleteOnExit();
        Process p = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(out).start();
        boolean ended = p.waitFor(45, TimeUnit.SECONDS);
        if (!ended) p.destroyForcibly();
        String text = Files.readString(out.toPath(), StandardCharsets.UTF_8);
        assertTrue(ended, "the probe JVM finished in time:\n" + text);
        assertEquals(0, p.exitValue(), text);
        Map<String, String> values = new HashMap<>();
        String key = null;
        for (String line : text.split("\n", -1)) {
            int eq = line.indexOf('=');
            if (line.startsWith("@") && eq > 0) {
                key = line.substring(1, eq);
                values.put(key, line.substring(eq + 1));
            } else if (key != null && !line.isEmpty()) {
                values.put(key, values.get(key) + "\n" + line);
            }
        }
        values.put("#all", text);
        return values;
    }

    @Test
    void probeListsATreeFromCodeAndOverJmxAndFollowsCompletion() throws Exception {
        Map<String, String> v = probeJvm("tree");
        String all = v.get("#all");
        assertEquals("true", v.get("enabled"), all);
        assertEquals("4", v.get("live"), all);
        List<String> tree = List.of(v.get("dump").split("\n"));
        assertEquals(4, tree.size(), all);
        assertEquals("demo.Orders.p(Orders.java:10) suspended, awaiting demo.Orders.c", tree.get(0), all);
        int nested = tree.indexOf("  demo.Orders.c(Orders.java:30) suspended, awaiting demo.Orders.g");
        assertTrue(nested > 0, all);
        assertTrue(tree.get(nested + 1).startsWith("    demo.Orders.g(Orders.java:50) suspended, awaiting dev.coda.CompletableTask@"), all);
        assertTrue(tree.stream().anyMatch(l -> l.startsWith("  demo.Orders.c(Orders.java:31) suspended, awaiting dev.coda.CompletableTask@")), all);
        assertEquals("true", v.get("jmxRegistered"), all);
        assertEquals("4", v.get("jmxLive"), all);
        assertEquals(v.get("dump"), v.get("jmxDump"), "JMX lists what code lists");
        assertEquals("LiveCoroutines=4", v.get("jmxAttributes"), all);
        assertEquals("2", v.get("liveAfterG"), all);
        assertEquals("demo.Orders.p finishing: its body ended, waiting for its children or cleanup\n"
                + "  demo.Orders.c(Orders.java:31) suspended, awaiting dev.coda.CompletableTask@", v.get("dumpAfterG").replaceAll("@\\w+\\[pending\\]$", "@"), all);
        assertEquals("0", v.get("liveAtEnd"), all);
        assertEquals("", v.get("dumpAtEnd"), all);
        assertEquals("0", v.get("jmxLiveAtEnd"), all);
    }

    @Test
    void probeDumpsStayWellFormedWhileTreesCompleteConcurrently() throws Exception {
        Map<String, String> v = probeJvm("concurrent");
        String all = v.get("#all");
        assertEquals("0", v.get("dumpErrors"), all);
        assertEquals("0", v.get("malformed"), all);
        assertTrue(Integer.parseInt(v.get("dumps")) > 0, all);
        assertEquals("400", v.get("liveBefore"), all);
        assertEquals("0", v.get("liveAtEnd"), all);
        assertEquals("", v.get("dumpAtEnd"), all);
        assertEquals("0", v.get("jmxLiveAtEnd"), all);
    }

    @Test
    void probeDoesNotKeepAbandonedCoroutinesAlive() throws Exception {
        Map<String, String> v = probeJvm("gc");
        String all = v.get("#all");
        assertEquals("3", v.get("liveBefore"), all);
        assertEquals("true", v.get("collected"), all);
        assertEquals("0", v.get("liveAfterGc"), all);
        assertEquals("", v.get("dumpAfterGc"), all);
    }

    /** The probe scenarios, in a JVM started with {@code -Dcoda.probe=true}. Prints {@code @key=value} lines. */
    public static final class ProbeMain {
        private static void put(String key, Object value) {
            System.out.println("@" + key + "=" + value);
        }

        private static String chop(String dump) {
            return dump.endsWith("\n") ? dump.substring(0, dump.length() - 1) : dump;
        }

        public static void main(String[] args) throws Exception {
            switch (args[0]) {
                case "tree" -> tree();
                case "concurrent" -> concurrent();
                case "gc" -> gc();
                default -> throw new IllegalArgumentException(args[0]);
            }
            System.out.flush();
            System.exit(0);
        }

        private static void tree() throws Exception {
            CompletableTask<String> gateG = new CompletableTask<>();
            CompletableTask<String> gateC2 = new CompletableTask<>();
            Script<String> g = awaiting(at("g", 50), gateG);
            Script<String> c1 = new Script<>(at("c", 30), (i, v, f) -> i == 0 ? new Await(g.start()) : valueOr(v, f));
            Script<String> c2 = awaiting(at("c", 31), gateC2);
            Script<String> p = new Script<>(at("p", 10), (i, v, f) -> {
                if (i == 0) {
                    c2.start();
                    return new Await(c1.start());
                }
                return valueOr(v, f);
            });
            p.start();
            put("enabled", CoroutineProbe.isEnabled());
            put("live", CoroutineProbe.liveCount());
            put("dump", chop(CoroutineProbe.dump()));
            MBeanServer server = ManagementFactory.getPlatformMBeanServer();
            ObjectName name = new ObjectName("dev.coda:type=CoroutineProbe");
            put("jmxRegistered", server.isRegistered(name));
            put("jmxLive", server.getAttribute(name, "LiveCoroutines"));
            put("jmxDump", chop((String) server.invoke(name, "dump", null, null)));
            StringBuilder attrs = new StringBuilder();
            for (Object a : server.getAttributes(name, new String[] {"LiveCoroutines", "Nonsense"})) {
                javax.management.Attribute at = (javax.management.Attribute) a;
                attrs.append(at.getName()).append('=').append(at.getValue());
            }
            put("jmxAttributes", attrs);
            gateG.complete("g");
            put("liveAfterG", CoroutineProbe.liveCount());
            put("dumpAfterG", chop(CoroutineProbe.dump()));
            gateC2.complete("c2");
            p.join();
            put("liveAtEnd", CoroutineProbe.liveCount());
            put("dumpAtEnd", chop(CoroutineProbe.dump()));
            put("jmxLiveAtEnd", server.getAttribute(name, "LiveCoroutines"));
        }

        private static void concurrent() throws Exception {
            int families = 200;
            List<CompletableTask<String>> gates = Collections.synchronizedList(new ArrayList<>());
            List<Script<String>> parents = new ArrayList<>();
            for (int k = 0; k < families; k++) {
                CompletableTask<String> gate = new CompletableTask<>();
                gates.add(gate);
                Script<String> child = awaiting(at("child", 30), gate);
                Script<String> parent = new Script<>(at("parent", 10), (i, v, f) -> i == 0 ? new Await(child.start()) : valueOr(v, f));
                parent.start();
                parents.add(parent);
            }
            put("liveBefore", CoroutineProbe.liveCount());
            AtomicBoolean stop = new AtomicBoolean();
            AtomicInteger dumps = new AtomicInteger();
            AtomicInteger errors = new AtomicInteger();
            AtomicInteger malformed = new AtomicInteger();
            AtomicReference<String> example = new AtomicReference<>();
            MBeanServer server = ManagementFactory.getPlatformMBeanServer();
            ObjectName name = new ObjectName("dev.coda:type=CoroutineProbe");
            Thread dumper = new Thread(() -> {
                while (!stop.get()) {
                    try {
                        String d = (String) server.invoke(name, "dump", null, null);
                        server.getAttribute(name, "LiveCoroutines");
                        dumps.incrementAndGet();
                        String lastRoot = null;
                        for (String line : d.split("\n")) {
                            if (line.isEmpty()) continue;
                            boolean child = line.startsWith("  ");
                            boolean ok;
                            if (!child) {
                                ok = line.startsWith("demo.Orders.parent") || line.startsWith("demo.Orders.child");
                                lastRoot = line;
                            } else {
                                // a child is listed under its parent, never under another child, never deeper
                                ok = line.startsWith("  demo.Orders.child") && lastRoot != null
                                        && lastRoot.startsWith("demo.Orders.parent");
                            }
                            if (!ok) {
                                malformed.incrementAndGet();
                                example.compareAndSet(null, d);
                            }
                        }
                    } catch (Throwable t) {
                        errors.incrementAndGet();
                        example.compareAndSet(null, t.toString());
                    }
                }
            });
            dumper.start();
            int threads = 4;
            ExecutorService pool = Executors.newFixedThreadPool(threads);
            List<Future<?>> done = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                int from = t;
                done.add(pool.submit(() -> {
                    for (int k = from; k < families; k += threads) {
                        gates.get(k).complete("v" + k);
                        Thread.onSpinWait();
                    }
                }));
            }
            for (Future<?> f : done) f.get();
            for (Script<String> p : parents) p.join();
            Thread.sleep(50);
            stop.set(true);
            dumper.join();
            pool.shutdown();
            put("dumps", dumps.get());
            put("dumpErrors", errors.get());
            put("malformed", malformed.get());
            if (example.get() != null) put("example", example.get());
            put("liveAtEnd", CoroutineProbe.liveCount());
            put("dumpAtEnd", chop(CoroutineProbe.dump()));
            put("jmxLiveAtEnd", server.getAttribute(name, "LiveCoroutines"));
        }

        /** Starts a parent and its child and a lone coroutine, all suspended on tasks nobody else holds. */
        private static List<WeakReference<Object>> abandon() {
            List<WeakReference<Object>> refs = new ArrayList<>();
            CompletableTask<String> gate = new CompletableTask<>();
            Script<String> child = awaiting(at("child", 30), gate);
            Script<String> parent = new Script<>(at("parent", 10), (i, v, f) -> i == 0 ? new Await(child.start()) : valueOr(v, f));
            parent.start();
            Script<String> lone = awaiting(at("lone", 60), new CompletableTask<String>());
            lone.start();
            refs.add(new WeakReference<>(parent));
            refs.add(new WeakReference<>(child));
            refs.add(new WeakReference<>(lone));
            return refs;
        }

        private static void gc() throws Exception {
            List<WeakReference<Object>> refs = abandon();
            put("liveBefore", CoroutineProbe.liveCount());
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
            boolean collected = false;
            while (System.nanoTime() < deadline) {
                System.gc();
                collected = refs.stream().allMatch(r -> r.get() == null);
                if (collected) break;
                Thread.sleep(20);
            }
            put("collected", collected);
            put("liveAfterGc", CoroutineProbe.liveCount());
            put("dumpAfterGc", chop(CoroutineProbe.dump()));
        }
    }
}
