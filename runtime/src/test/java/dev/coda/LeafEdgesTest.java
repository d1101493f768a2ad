package dev.coda;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeFalse;

import java.lang.reflect.Field;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.AcceptPendingException;
import java.nio.channels.AsynchronousCloseException;
import java.nio.channels.AsynchronousServerSocketChannel;
import java.nio.channels.AsynchronousSocketChannel;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BiConsumer;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * From the public API: how cancellation reaches the operation awaited (the "leaf") and how tasks meet the rest
 * of Java: {@code CompletableTask.onCancel}, {@code Task.from} views, {@code toCompletableFuture()}, sleeps and
 * timeouts and their timers, {@code AsyncChannels} on loopback, executors that reject, and completions racing a
 * cancellation. Coroutine bodies are hand-written state machines ({@link Probe}) that follow the protocol of
 * {@link Coroutine}, awaiting tasks and stages as generated code does.
 */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class LeafEdgesTest {
    private final List<String> log = Collections.synchronizedList(new ArrayList<>());
    private final ExecutorService pool = Executors.newFixedThreadPool(2);

    @AfterEach
    void stopPool() throws InterruptedException {
        pool.shutdownNow();
        assertTrue(pool.awaitTermination(5, TimeUnit.SECONDS));
    }

    // ---- a scripted coroutine awaiting tasks and stages -----------------------------------------------------------

    /** One step of a script: the i-th call sees the outcome of the last await (its value, or what it threw). */
    interface Body {
        Object next(Probe<?> self, int i, Object value, Throwable failure) throws Throwable;
    }

    /** Script result: {@code await(task)} next. */
    record OnTask(Task<?> task) {}

    /** Script result: {@code await(stage)} next (the stage awaited directly, owned by the body). */
    record OnStage(CompletionStage<?> stage) {}

    /** Script result: {@code return stage;} (a function declared to return a CompletionStage). */
    record ReturningStage(CompletionStage<?> stage) {}

    /** Script result: {@code return task;}. */
    record ReturningTask(Task<?> task) {}

    /**
     * A state machine following the documented protocol: each await's outcome (a value, or the throwable the take
     * threw, a delivered {@link Cancelled} included) goes to the next call of the body; anything else the body
     * returns is the coroutine's value; what it throws leaves the body.
     */
    static final class Probe<T> extends Coroutine<T> {
        private final Body body;
        private volatile int i;
        private boolean suspended;
        private boolean onStage;

        Probe(Body body) {
            this.body = body;
        }

        @Override
        protected void resume() {
            Object value = null;
            Throwable failure = null;
            if (suspended) {
                suspended = false;
                try {
                    value = onStage ? takeStage(resumedStage()) : take(resumed());
                } catch (Throwable x) {
                    failure = x;
                }
                i++;
            }
            for (;;) {
                Object next;
                try {
                    next = body.next(this, i, value, failure);
                } catch (Throwable x) {
                    throw Sneaky.<RuntimeException>rethrow(x);
                }
                value = null;
                failure = null;
                if (next instanceof OnTask a) {
                    Task<?> t = a.task();
                    if (!ready(t)) {
                        suspended = true;
                        onStage = false;
                        if (suspend(t)) return;
                        suspended = false;
                        t = resumed();
                    }
                    try {
                        value = take(t);
                    } catch (Throwable x) {
                        failure = x;
                    }
                    i++;
                    continue;
                }
                if (next instanceof OnStage s) {
                    Object operand = s.stage();
                    if (!readyStage(s.stage())) {
                        suspended = true;
                        onStage = true;
                        if (suspendStage(s.stage())) return;
                        suspended = false;
                        operand = resumedStage();
                    }
                    try {
                        value = takeStage(operand);
                    } catch (Throwable x) {
                        failure = x;
                    }
                    i++;
                    continue;
                }
                if (next instanceof ReturningStage r) {
                    returnStage(r.stage());
                    return;
                }
                if (next instanceof ReturningTask r) {
                    returnTask(r.task());
                    return;
                }
                returnValue(next);
                return;
            }
        }
    }

    static <T> Probe<T> start(Body body) {
        Probe<T> p = new Probe<>(body);
        p.start();
        return p;
    }

    static Object valueOr(Object v, Throwable f) throws Throwable {
        if (f != null) throw f;
        return v;
    }

    /** {@code return await(task);} started. */
    static <T> Probe<T> awaitingTask(Task<?> task) {
        return start((self, i, v, f) -> i == 0 ? new OnTask(task) : valueOr(v, f));
    }

    /** {@code return await(stage);} started: the stage awaited directly. */
    static <T> Probe<T> awaitingStage(CompletionStage<?> stage) {
        return start((self, i, v, f) -> i == 0 ? new OnStage(stage) : valueOr(v, f));
    }

    // ---- helpers ------------------------------------------------------------------------------------------------

    /** The timers queued on the runtime's timer thread. */
    static int timers() throws Exception {
        Field f = Timers.class.getDeclaredField("SCHEDULER");
        f.setAccessible(true);
        return ((ScheduledThreadPoolExecutor) f.get(null)).getQueue().size();
    }

    static void eventually(BooleanSupplier condition, String what) throws InterruptedException {
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > end) throw new AssertionError("never: " + what);
            Thread.sleep(2);
        }
    }

    /** Waits (bounded) until {@code t} is done, whatever its outcome. */
    static void settle(Task<?> t) throws Exception {
        t.toCompletableFuture().handle((v, e) -> null).get(5, TimeUnit.SECONDS);
        assertTrue(t.isDone());
    }

    private void race(Runnable a, Runnable b) throws Exception {
        Races.race(pool, a, b);
    }

    static ByteBuffer ascii(String s) {
        return ByteBuffer.wrap(s.getBytes(StandardCharsets.US_ASCII));
    }

    /** A connected pair on loopback: {@code client} and the server side's {@code conn}. */
    static final class Loopback implements AutoCloseable {
        final AsynchronousServerSocketChannel server;
        final AsynchronousSocketChannel client;
        final AsynchronousSocketChannel conn;

        Loopback() throws Exception {
            server = AsynchronousServerSocketChannel.open()
                    .bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
            Future<AsynchronousSocketChannel> accepted = server.accept();
            client = AsynchronousSocketChannel.open();
            client.connect(server.getLocalAddress()).get(5, TimeUnit.SECONDS);
            conn = accepted.get(5, TimeUnit.SECONDS);
        }

        /** Reads {@code n} bytes from {@code ch}, or what comes before the end of the stream. */
        static String read(AsynchronousSocketChannel ch, int n) throws Exception {
            ByteBuffer in = ByteBuffer.allocate(n);
            while (in.hasRemaining()) {
                int got = ch.read(in).get(5, TimeUnit.SECONDS);
                if (got < 0) break;
            }
            return new String(in.array(), 0, in.position(), StandardCharsets.US_ASCII);
        }

        @Override
        public void close() throws Exception {
            for (java.nio.channels.AsynchronousChannel c : List.of(conn, client, server)) {
                try {
                    c.close();
                } catch (Exception ignored) {
                    // best effort
                }
            }
        }
    }

    // ---- CompletableTask.onCancel --------------------------------------------------------------------------------

    /**
     * cancellation.md: "a hook set on a task already cancelled runs at once, in onCancel ... A hook's failure is ...
     * thrown from onCancel, for a hook that runs there"; one hook per task.
     */
    @Test
    void aHookSetOnACancelledTaskRunsInOnCancelAndItsFailureIsThrownThere() {
        CompletableTask<String> t = new CompletableTask<>();
        assertTrue(t.cancel());
        assertTrue(t.isCancelled());
        IllegalStateException boom = new IllegalStateException("hook failed");
        Thread[] ranOn = new Thread[1];
        IllegalStateException thrown = assertThrows(IllegalStateException.class, () -> t.onCancel(() -> {
            ranOn[0] = Thread.currentThread();
            log.add("hook");
            throw boom;
        }));
        assertSame(boom, thrown);
        assertSame(Thread.currentThread(), ranOn[0]);
        CancellationException outcome = assertThrows(CancellationException.class, t::join);
        assertEquals(0, outcome.getSuppressed().length, "a hook run in onCancel does not change the outcome");
        assertThrows(IllegalStateException.class, () -> t.onCancel(() -> log.add("second")));
        assertEquals(List.of("hook"), log);
        assertTrue(t.cancel());
        assertFalse(t.complete("late"));
    }

    /**
     * A CompletableTask made by a function is its child: cancelling the function, suspended on it, runs the hook on
     * the cancelling thread before the function sees the cancellation.
     */
    @Test
    void theHookOfAnAwaitedChildRunsOnTheCancellingThreadBeforeTheFunctionUnwinds() throws Exception {
        AtomicReference<CompletableTask<String>> made = new AtomicReference<>();
        Probe<String> co = start((self, i, v, f) -> {
            if (i == 0) {
                CompletableTask<String> ct = new CompletableTask<>();
                ct.onCancel(() -> log.add("hook on " + Thread.currentThread().getName()));
                made.set(ct);
                return new OnTask(ct);
            }
            if (f instanceof Cancelled) log.add("unwind on " + Thread.currentThread().getName());
            return valueOr(v, f);
        });
        assertFalse(co.isDone());
        assertSame(co, made.get().parent(), "the task made while the function ran is its child");
        Thread canceller = new Thread(() -> log.add("cancel() " + co.cancel()), "canceller");
        canceller.start();
        canceller.join();
        assertEquals(List.of("hook on canceller", "unwind on canceller", "cancel() true"), log);
        assertTrue(made.get().isCancelled());
        assertTrue(co.isCancelled());
        assertEquals(0, assertThrows(CancellationException.class, co::join).getSuppressed().length);
    }

    /** "A child's cleanup failure is suppressed onto the function's outcome": the hook's failure reaches it. */
    @Test
    void aFailingHookOfAnAwaitedChildIsSuppressedOntoTheFunctionsCancellation() {
        IllegalStateException boom = new IllegalStateException("hook failed");
        AtomicReference<CompletableTask<String>> made = new AtomicReference<>();
        Probe<String> co = start((self, i, v, f) -> {
            if (i == 0) {
                CompletableTask<String> ct = new CompletableTask<>();
                ct.onCancel(() -> {
                    throw boom;
                });
                made.set(ct);
                return new OnTask(ct);
            }
            return valueOr(v, f);
        });
        assertTrue(co.cancel());
        assertTrue(co.isCancelled());
        CancellationException leaf = assertThrows(CancellationException.class, made.get()::join);
        assertArrayEquals(new Throwable[] {boom}, leaf.getSuppressed());
        CancellationException outcome = assertThrows(CancellationException.class, co::join);
        assertArrayEquals(new Throwable[] {leaf}, outcome.getSuppressed(), Arrays.toString(outcome.getSuppressed()));
    }

    /** "One made elsewhere ... is nobody's child: a cancelled coroutine awaiting it only stops waiting". */
    @Test
    void aCompletableTaskMadeElsewhereIsOnlyAbandonedByItsCancelledAwaiter() {
        CompletableTask<String> ct = new CompletableTask<>();
        ct.onCancel(() -> log.add("hook"));
        Probe<String> co = awaitingTask(ct);
        assertTrue(co.cancel());
        assertTrue(co.isCancelled());
        assertFalse(ct.isDone());
        assertTrue(ct.complete("late"));
        assertEquals("late", ct.join());
        assertEquals(List.of(), log);
    }

    /**
     * "one awaited by several coroutines is cancelled when its maker is": another awaiter's cancellation leaves the
     * operation alone; the maker's cancellation (suspended elsewhere) cancels it at its end.
     */
    @Test
    void aSharedCompletableTaskIsCancelledWithItsMakerNotWithAnotherAwaiter() {
        Task<String> gate = new Task<>();
        AtomicReference<CompletableTask<String>> made = new AtomicReference<>();
        Probe<String> maker = start((self, i, v, f) -> {
            if (i == 0) {
                CompletableTask<String> ct = new CompletableTask<>();
                ct.onCancel(() -> log.add("hook"));
                made.set(ct);
                return new OnTask(gate);
            }
            if (f instanceof Cancelled) log.add("maker unwinds");
            return valueOr(v, f);
        });
        Probe<String> reader = awaitingTask(made.get());
        assertTrue(reader.cancel());
        assertTrue(reader.isCancelled());
        assertFalse(made.get().isDone());
        assertEquals(List.of(), log);

        assertTrue(maker.cancel());
        assertEquals(List.of("maker unwinds", "hook"), log);
        assertTrue(made.get().isCancelled());
        assertTrue(maker.isCancelled());
        assertFalse(gate.isDone(), "a task that is not a child is only abandoned");
        assertEquals(0, assertThrows(CancellationException.class, maker::join).getSuppressed().length);
    }

    /**
     * "CompletableTask.completeExceptionally(e) with one is a failure like any other", and an awaiter that lets the
     * CancellationException escape "has failed with it: its task is not cancelled". NIO's failed() is the same.
     */
    @Test
    void aCancellationExceptionFromTheOperationIsAFailureNotACancellation() {
        CompletableTask<String> ct = new CompletableTask<>();
        ct.onCancel(() -> log.add("hook"));
        Probe<String> co = awaitingTask(ct);
        CancellationException remote = new CancellationException("the peer gave up");
        ct.failed(remote, "attachment ignored");
        assertTrue(ct.isDone());
        assertFalse(ct.isCancelled());
        assertSame(remote, assertThrows(CancellationException.class, ct::join));
        assertTrue(co.isDone());
        assertFalse(co.isCancelled());
        assertSame(remote, assertThrows(CancellationException.class, co::join));
        assertFalse(ct.cancel());
        assertEquals(List.of(), log);
    }

    // ---- Task.from views ----------------------------------------------------------------------------------------

    /** Cancelling a function awaiting a view never touches the stage, nor the view's other awaiters. */
    @Test
    void cancellingAFunctionAwaitingAViewLeavesTheStageAndTheOtherAwaitersAlone() {
        CompletableFuture<String> stage = new CompletableFuture<>();
        Task<String> v1 = Task.from(stage);
        Task<String> v2 = Task.from(stage);
        Probe<String> a = awaitingTask(v1);
        Probe<String> b = awaitingTask(v1);
        Probe<String> c = awaitingTask(v2);
        assertEquals(1, stage.getNumberOfDependents(), "one registration for every view");
        assertTrue(a.cancel());
        assertTrue(a.isCancelled());
        assertFalse(stage.isDone());
        assertFalse(v1.isDone(), "the view is not cancelled by an awaiter's cancellation");
        assertEquals(1, stage.getNumberOfDependents());
        stage.complete("x");
        assertEquals("x", b.join());
        assertEquals("x", c.join());
        assertEquals("x", v1.join());
        assertEquals("x", v2.join());
    }

    /** A view cancelled directly: its awaiter fails with a CancellationException (it is not cancelled); stage left alone. */
    @Test
    void aViewCancelledDirectlyFailsItsAwaiterAndLeavesTheStage() {
        CompletableFuture<String> stage = new CompletableFuture<>();
        Task<String> v = Task.from(stage);
        Task<String> other = Task.from(stage);
        Probe<String> co = awaitingTask(v);
        assertTrue(v.cancel());
        assertTrue(v.isCancelled());
        assertFalse(stage.isDone());
        assertTrue(co.isDone());
        assertFalse(co.isCancelled());
        assertThrows(CancellationException.class, co::join);
        stage.complete("x");
        assertEquals("x", other.join());
        assertTrue(v.isCancelled());
    }

    /**
     * Task.from: "a task that completes as the stage does". A view whose only awaiter was cancelled stops listening
     * to the stage; once the stage has completed, the view still says it is pending until someone registers on it.
     */
    @Test
    void aViewWhoseOnlyAwaiterWasCancelledStillCompletesAsTheStageDoes() {
        CompletableFuture<String> stage = new CompletableFuture<>();
        Task<String> v = Task.from(stage);
        Probe<String> co = awaitingTask(v);
        assertTrue(co.cancel());
        stage.complete("x");
        assertTrue(v.isDone(), "the stage completed, but the view says " + v);
        assertEquals("x", v.join());
    }

    /**
     * A view of a task's future never reaches back to the task; awaiting that future directly does ("a
     * CompletionStage awaited directly belongs to the awaiting function").
     */
    @Test
    void aViewOfATasksFutureLeavesTheTaskAloneButAnOwningAwaitOfItCancelsTheTask() {
        CompletableTask<String> ct = new CompletableTask<>();
        ct.onCancel(() -> log.add("hook 1"));
        Task<String> v = Task.from(ct.toCompletableFuture());
        Probe<String> viaView = awaitingTask(v);
        assertTrue(viaView.cancel());
        assertTrue(v.cancel());
        assertFalse(ct.isDone());
        assertEquals(List.of(), log);
        assertTrue(ct.complete("v"));

        CompletableTask<String> ct2 = new CompletableTask<>();
        ct2.onCancel(() -> log.add("hook 2"));
        Probe<String> owning = awaitingStage(ct2.toCompletableFuture());
        assertTrue(owning.cancel());
        assertTrue(owning.isCancelled());
        assertTrue(ct2.isCancelled());
        assertEquals(List.of("hook 2"), log);
    }

    /** Task.from: "failed with what the stage threw if it refuses a callback", not thrown. */
    @Test
    void aStageThatRefusesCallbacksGivesAFailedView() {
        UnsupportedOperationException refused = new UnsupportedOperationException("read-only");
        CompletableFuture<String> readOnly = new CompletableFuture<>() {
            @Override
            public CompletableFuture<String> whenComplete(BiConsumer<? super String, ? super Throwable> action) {
                throw refused;
            }
        };
        Task<String> v = Task.from(readOnly);
        assertTrue(v.isDone());
        assertFalse(v.isCancelled());
        assertSame(refused, assertThrows(UnsupportedOperationException.class, v::join));
    }

    /** The owner of a shared future cancels it; a reader through a view then fails with CancellationException. */
    @Test
    void anOwnerCancellingTheFutureFailsAReaderThatAwaitsItThroughAView() {
        CompletableFuture<String> stage = new CompletableFuture<>();
        Probe<String> owner = awaitingStage(stage);
        Probe<String> reader = awaitingTask(Task.from(stage));
        assertTrue(owner.cancel());
        assertTrue(owner.isCancelled());
        assertTrue(stage.isCancelled());
        assertTrue(reader.isDone());
        assertFalse(reader.isCancelled(), "awaiting a task someone else cancelled is a failure");
        assertThrows(CancellationException.class, reader::join);
    }

    // ---- stages awaited directly ---------------------------------------------------------------------------------

    /** A plain CompletableFuture awaited directly is cancelled at once, on the thread that calls cancel(). */
    @Test
    void cancellingAFunctionSuspendedOnAPlainFutureCancelsTheFutureAtOnce() {
        CompletableFuture<String> stage = new CompletableFuture<>();
        stage.whenComplete((v, e) -> log.add("future done on " + Thread.currentThread().getName()
                + ", cancelled " + stage.isCancelled()));
        Probe<String> co = awaitingStage(stage);
        assertTrue(co.cancel());
        assertTrue(stage.isCancelled());
        assertTrue(co.isCancelled(), "the function has nothing to clean up: it is cancelled on return");
        assertEquals(List.of("future done on " + Thread.currentThread().getName() + ", cancelled true"), log);
        assertEquals(0, assertThrows(CancellationException.class, co::join).getSuppressed().length);
    }

    /** A request met at an await of a pending future that did not suspend cancels the future too. */
    @Test
    void aRequestMetAtTheAwaitOfAPendingFutureCancelsTheFuture() {
        CompletableFuture<String> stage = new CompletableFuture<>();
        Probe<String> co = start((self, i, v, f) -> {
            if (i == 0) {
                log.add("cancel() " + self.cancel());
                return new OnStage(stage);
            }
            if (f instanceof Cancelled) log.add("delivered");
            return valueOr(v, f);
        });
        assertEquals(List.of("cancel() true", "delivered"), log);
        assertTrue(stage.isCancelled());
        assertTrue(co.isCancelled());
    }

    /**
     * cancel() from async code: the future is cancelled at once, the function resumes "right after that code's
     * current step".
     */
    @Test
    void cancelFromAsyncCodeCancelsTheFutureAtOnceAndTheFunctionAfterTheStep() {
        CompletableFuture<String> stage = new CompletableFuture<>();
        Probe<String> target = awaitingStage(stage);
        TestCoroutines.Run<String> canceller = new TestCoroutines.Run<>(() -> {
            boolean r = target.cancel();
            log.add("cancel() " + r + ", future cancelled " + stage.isCancelled() + ", target done "
                    + target.isDone());
        }, "done");
        canceller.start();
        assertEquals(List.of("cancel() true, future cancelled true, target done false"), log);
        assertTrue(target.isCancelled());
        assertEquals("done", canceller.join());
    }

    /** "What cancelling the stage throws ... is suppressed onto the function's outcome" (a future subclass). */
    @Test
    void whatCancellingAnAwaitedFutureSubclassThrowsIsSuppressedOntoTheOutcome() {
        IllegalStateException refused = new IllegalStateException("cancel hook failed");
        CompletableFuture<String> stage = new CompletableFuture<>() {
            @Override
            public boolean cancel(boolean mayInterruptIfRunning) {
                super.cancel(mayInterruptIfRunning);
                throw refused;
            }
        };
        Probe<String> co = awaitingStage(stage);
        assertTrue(co.cancel());
        assertTrue(stage.isCancelled());
        assertTrue(co.isCancelled());
        CancellationException outcome = assertThrows(CancellationException.class, co::join);
        assertArrayEquals(new Throwable[] {refused}, outcome.getSuppressed());
    }

    /** "for a stage an async function returns (return stage;) and is cancelled while waiting for": cancelled. */
    @Test
    void aReturnedFutureIsCancelledWithTheFunction() {
        CompletableFuture<String> stage = new CompletableFuture<>();
        Probe<String> co = start((self, i, v, f) -> new ReturningStage(stage));
        assertFalse(co.isDone());
        assertTrue(co.cancel());
        assertTrue(stage.isCancelled());
        assertTrue(co.isCancelled());
    }

    /** A returned view is not owned: the function completes cancelled at once, the view and stage go on. */
    @Test
    void aReturnedViewIsAbandonedNotCancelled() {
        CompletableFuture<String> stage = new CompletableFuture<>();
        Task<String> view = Task.from(stage);
        Probe<String> co = start((self, i, v, f) -> new ReturningTask(view));
        assertFalse(co.isDone());
        assertTrue(co.cancel());
        assertTrue(co.isCancelled());
        assertFalse(stage.isDone());
        assertFalse(view.isDone());
        Task<String> other = Task.from(stage);
        stage.complete("x");
        assertEquals("x", other.join());
        assertEquals("x", view.join());
    }

    /**
     * A future completed on one thread while the function awaiting it is cancelled on another: never a hang, the
     * outcome agrees with cancel(), and a cancelled future means a cancelled function.
     */
    @Test
    void aPlainFutureCompletedWhileItsAwaiterIsCancelled() throws Exception {
        int[] tally = new int[2];
        for (int r = 0; r < 2000; r++) {
            CompletableFuture<String> stage = new CompletableFuture<>();
            Probe<String> co = awaitingStage(stage);
            boolean[] completed = new boolean[1];
            boolean[] cancelled = new boolean[1];
            race(() -> completed[0] = stage.complete("v"), () -> cancelled[0] = co.cancel());
            settle(co);
            assertTrue(completed[0] != stage.isCancelled(), "round " + r);
            if (co.isCancelled()) assertTrue(cancelled[0], "round " + r);
            else assertEquals("v", co.join(), "round " + r);
            if (stage.isCancelled()) assertTrue(co.isCancelled(), "round " + r);
            tally[co.isCancelled() ? 1 : 0]++;
        }
        System.out.println("[leaf-race] plain future: " + tally[0] + " values, " + tally[1] + " cancelled");
    }

    /** The same with a child CompletableTask: the hook runs iff the operation ends cancelled. */
    @Test
    void aChildOperationCompletedWhileItsMakerIsCancelled() throws Exception {
        for (int r = 0; r < 2000; r++) {
            AtomicReference<CompletableTask<String>> made = new AtomicReference<>();
            AtomicInteger hookRuns = new AtomicInteger();
            Probe<String> co = start((self, i, v, f) -> {
                if (i == 0) {
                    CompletableTask<String> ct = new CompletableTask<>();
                    ct.onCancel(hookRuns::incrementAndGet);
                    made.set(ct);
                    return new OnTask(ct);
                }
                return valueOr(v, f);
            });
            CompletableTask<String> ct = made.get();
            boolean[] completed = new boolean[1];
            boolean[] cancelled = new boolean[1];
            race(() -> completed[0] = ct.complete("v"), () -> cancelled[0] = co.cancel());
            settle(co);
            assertTrue(ct.isDone(), "round " + r);
            assertEquals(!completed[0], ct.isCancelled(), "round " + r);
            assertEquals(ct.isCancelled() ? 1 : 0, hookRuns.get(), "round " + r);
            if (ct.isCancelled()) assertTrue(co.isCancelled(), "round " + r);
            if (co.isCancelled()) assertTrue(cancelled[0], "round " + r);
            else assertEquals("v", co.join(), "round " + r);
        }
    }

    // ---- toCompletableFuture ------------------------------------------------------------------------------------

    /** future.cancel() is task.cancel(): true at once, the future cancelled only after the cleanup. */
    @Test
    void cancellingTheFutureOfAFunctionCompletesItOnlyAfterItsCleanup() {
        Task<String> gate = new Task<>();
        Task<Void> cleanup = new Task<>();
        Throwable[] held = new Throwable[1];
        Probe<String> co = start((self, i, v, f) -> {
            if (i == 0) return new OnTask(gate);
            if (i == 1) {
                if (!(f instanceof Cancelled)) return valueOr(v, f);
                held[0] = f;
                return new OnTask(cleanup);
            }
            throw held[0];
        });
        CompletableFuture<String> future = co.toCompletableFuture();
        assertTrue(future.cancel(false));
        assertFalse(future.isDone(), "cancelled only once the cleanup has finished");
        assertFalse(future.isCancelled());
        assertFalse(co.isDone());
        cleanup.succeed(null);
        assertTrue(future.isCancelled());
        assertTrue(co.isCancelled());
        assertThrows(CancellationException.class, future::join);
        assertFalse(gate.isDone(), "a task that is not a child is only abandoned");
    }

    /** complete() from outside settles that future at once and cancels the function, hence the stage it awaits. */
    @Test
    void completingTheFutureFromOutsideCancelsTheFunctionAndTheStageItAwaits() {
        CompletableFuture<String> stage = new CompletableFuture<>();
        Probe<String> co = awaitingStage(stage);
        CompletableFuture<String> f1 = co.toCompletableFuture();
        CompletableFuture<String> f2 = co.toCompletableFuture();
        assertTrue(f1.complete("outside"));
        assertEquals("outside", f1.join());
        assertTrue(co.isCancelled());
        assertTrue(stage.isCancelled());
        assertTrue(f2.isCancelled(), "the other future stands for the task, which was cancelled");
        assertFalse(f1.complete("again"));
    }

    /** orTimeout completes the future exceptionally from outside: the task is cancelled, its hook run once. */
    @Test
    void orTimeoutOnTheFutureOfAnOperationRunsItsHook() throws Exception {
        CompletableTask<String> ct = new CompletableTask<>();
        ct.onCancel(() -> log.add("hook"));
        CompletableFuture<String> f = ct.toCompletableFuture().orTimeout(30, TimeUnit.MILLISECONDS);
        ExecutionException e = assertThrows(ExecutionException.class, () -> f.get(5, TimeUnit.SECONDS));
        assertInstanceOf(TimeoutException.class, e.getCause());
        eventually(ct::isCancelled, "the task cancelled");
        assertEquals(List.of("hook"), log);
    }

    /** Dependents of the future are plain futures: cancelling one does not reach back to the task. */
    @Test
    void cancellingADependentOfTheFutureDoesNotReachTheTask() {
        CompletableTask<String> ct = new CompletableTask<>();
        ct.onCancel(() -> log.add("hook"));
        CompletableFuture<String> f = ct.toCompletableFuture();
        CompletableFuture<Integer> dependent = f.thenApply(String::length);
        assertEquals(CompletableFuture.class, dependent.getClass());
        assertTrue(dependent.cancel(true));
        assertFalse(ct.isDone());
        assertFalse(f.isDone());
        assertEquals(List.of(), log);
        assertTrue(ct.complete("four"));
        assertEquals("four", f.join());
    }

    /** Callbacks registered after completion: a done future, a refused cancel, an ignored hook, a done view. */
    @Test
    void callbacksRegisteredAfterCompletion() {
        CompletableTask<String> ct = new CompletableTask<>();
        assertTrue(ct.complete("v"));
        CompletableFuture<String> f = ct.toCompletableFuture();
        assertTrue(f.isDone());
        assertFalse(f.cancel(true));
        assertFalse(f.complete("x"));
        assertEquals("v", f.join());
        assertSame(ct, ct.onCancel(() -> log.add("hook")));
        assertFalse(ct.cancel());
        Task<String> v = Task.from(f); // a done future of a subclass
        assertTrue(v.isDone());
        assertEquals("v", v.join());
        assertFalse(v.cancel());
        assertEquals("v", awaitingTask(v).join());
        assertEquals("v", awaitingStage(f).join());
        assertEquals(List.of(), log);
    }

    // ---- sleeps and timeouts, and their timers --------------------------------------------------------------------

    @Test
    void aCancelledSleepRemovesItsTimerAtOnce() throws Exception {
        int base = timers();
        Task<Void> s = Coda.sleep(Duration.ofHours(1));
        assertEquals(base + 1, timers());
        assertTrue(s.cancel());
        assertTrue(s.isCancelled());
        assertEquals(base, timers());
        Task<Void> forever = Coda.sleep(Duration.ofSeconds(Long.MAX_VALUE)); // saturated
        assertEquals(base + 1, timers());
        assertTrue(forever.cancel());
        assertEquals(base, timers());
        assertSame(Task.done(), Coda.sleep(Duration.ZERO));
        assertSame(Task.done(), Coda.sleep(Duration.ofMillis(-5)));
        assertEquals(base, timers());
    }

    @Test
    void aSleepThatLosesAnAnyRemovesItsTimer() throws Exception {
        int base = timers();
        Task<Void> sleep = Coda.sleep(Duration.ofHours(1));
        CompletableTask<Object> work = new CompletableTask<>();
        Task<Object> any = Task.any(List.of(sleep, work));
        assertTrue(work.complete("w"));
        assertEquals("w", any.join());
        assertTrue(sleep.isCancelled());
        assertEquals(base, timers());
    }

    /** A function cancelled while it sleeps on a sleep of its own cancels it, which removes the timer. */
    @Test
    void aFunctionCancelledOnItsOwnSleepRemovesTheTimer() throws Exception {
        int base = timers();
        AtomicReference<Task<Void>> made = new AtomicReference<>();
        Probe<String> co = start((self, i, v, f) -> {
            if (i == 0) {
                made.set(Coda.sleep(Duration.ofHours(1)));
                return new OnTask(made.get());
            }
            return valueOr(v, f);
        });
        assertEquals(base + 1, timers());
        assertTrue(co.cancel());
        assertTrue(co.isCancelled());
        assertTrue(made.get().isCancelled());
        assertEquals(base, timers());
    }

    /**
     * A sleep made outside async code is nobody's: a coroutine awaiting it, cancelled, only stops waiting, and the
     * sleep keeps its timer until it is cancelled itself (Coda.sleep's javadoc).
     */
    @Test
    void aSleepMadeElsewhereIsOnlyAbandonedByACancelledAwaiter() throws Exception {
        int base = timers();
        Task<Void> sleep = Coda.sleep(Duration.ofHours(1));
        Probe<Void> co = awaitingTask(sleep);
        assertTrue(co.cancel());
        assertTrue(co.isCancelled());
        assertFalse(sleep.isDone(), "the sleep is " + sleep);
        assertEquals(base + 1, timers());
        assertTrue(sleep.cancel());
        assertTrue(sleep.isCancelled());
        assertEquals(base, timers());
    }

    /** "a timeout's timer is removed as soon as its body has completed", however it completed. */
    @Test
    void aTimeoutRemovesItsTimerWhenTheBodyCompletes() throws Exception {
        int base = timers();
        CompletableTask<String> body = new CompletableTask<>();
        Task<String> pending = Coda.timeout(Duration.ofHours(1), () -> body);
        assertEquals(base + 1, timers());
        assertTrue(body.complete("v"));
        assertEquals("v", pending.join());
        assertEquals(base, timers());

        assertEquals("now", Coda.timeout(Duration.ofHours(1), () -> Task.completed("now")).join());
        assertEquals(base, timers());

        IllegalStateException boom = new IllegalStateException("body threw");
        Task<String> threw = Coda.timeout(Duration.ofHours(1), () -> {
            throw boom;
        });
        assertSame(boom, assertThrows(IllegalStateException.class, threw::join));
        assertEquals(base, timers());

        Task<String> nothing = Coda.timeout(Duration.ofHours(1), () -> null);
        assertThrows(NullPointerException.class, nothing::join);
        assertEquals(base, timers());

        assertThrows(NullPointerException.class, () -> Coda.timeout(null, () -> {
            log.add("body started");
            return Task.completed("x");
        }));
        assertEquals(List.of(), log);
        assertEquals(base, timers());
    }

    /** The body ran out of time: the future it awaits directly is cancelled, the task fails with TimeoutException. */
    @Test
    void aTimeoutCancelsTheFutureItsBodyAwaitsDirectly() throws Exception {
        int base = timers();
        CompletableFuture<String> stage = new CompletableFuture<>();
        AtomicReference<Probe<String>> body = new AtomicReference<>();
        Task<String> t = Coda.timeout(Duration.ofMillis(30), () -> {
            body.set(awaitingStage(stage));
            return body.get();
        });
        CompletionException e = assertThrows(CompletionException.class, t::join);
        TimeoutException te = assertInstanceOf(TimeoutException.class, e.getCause());
        assertEquals(0, te.getSuppressed().length, "a body cancelled cleanly adds nothing");
        assertTrue(stage.isCancelled());
        assertTrue(body.get().isCancelled());
        eventually(() -> {
            try {
                return timers() == base;
            } catch (Exception x) {
                throw new AssertionError(x);
            }
        }, "the timer gone");
    }

    /** A view as the body: the view is cancelled, the shared stage and its other readers are not. */
    @Test
    void aTimeoutOfAViewLeavesTheSharedStageAlone() {
        CompletableFuture<String> shared = new CompletableFuture<>();
        Task<String> other = Task.from(shared);
        Task<String> t = Coda.timeout(Duration.ofMillis(20), () -> Task.from(shared));
        CompletionException e = assertThrows(CompletionException.class, t::join);
        assertInstanceOf(TimeoutException.class, e.getCause());
        assertFalse(shared.isDone());
        assertFalse(other.isDone());
        shared.complete("late");
        assertEquals("late", other.join());
    }

    /** A body whose cancellation hook fails: its CancellationException, carrying it, is suppressed on the timeout. */
    @Test
    void aTimeoutWhoseBodysCleanupFailedCarriesItsCancellation() {
        IllegalStateException boom = new IllegalStateException("hook failed");
        CompletableTask<String> body = new CompletableTask<>();
        body.onCancel(() -> {
            throw boom;
        });
        Task<String> t = Coda.timeout(Duration.ofMillis(10), () -> body);
        CompletionException e = assertThrows(CompletionException.class, t::join);
        TimeoutException te = assertInstanceOf(TimeoutException.class, e.getCause());
        assertTrue(body.isCancelled());
        Throwable[] s = te.getSuppressed();
        assertEquals(1, s.length, Arrays.toString(s));
        assertSame(body.failureNow(), s[0]);
        assertArrayEquals(new Throwable[] {boom}, s[0].getSuppressed());
    }

    /** Cancelling a timeout cancels the body (its hook runs) and removes the timer; the outcome is cancelled. */
    @Test
    void cancellingATimeoutCancelsItsBodyAndRemovesTheTimer() throws Exception {
        int base = timers();
        CompletableTask<String> body = new CompletableTask<>();
        body.onCancel(() -> log.add("hook"));
        Task<String> t = Coda.timeout(Duration.ofHours(1), () -> body);
        assertEquals(base + 1, timers());
        assertTrue(t.cancel());
        assertTrue(t.isCancelled());
        assertTrue(body.isCancelled());
        assertEquals(List.of("hook"), log);
        assertEquals(base, timers());
        assertEquals(0, assertThrows(CancellationException.class, t::join).getSuppressed().length);
        assertTrue(t.cancel());
    }

    // ---- AsyncChannels on loopback ---------------------------------------------------------------------------------

    /** A function cancelled in a read: the input is shut down, the socket stays writable for its goodbye. */
    @Test
    void aFunctionCancelledWhileReadingStillSaysGoodbye() throws Exception {
        try (Loopback net = new Loopback()) {
            Throwable[] held = new Throwable[1];
            Probe<Integer> co = start((self, i, v, f) -> {
                if (i == 0) return new OnTask(AsyncChannels.read(net.conn, ByteBuffer.allocate(16)));
                if (i == 1) {
                    if (!(f instanceof Cancelled)) return valueOr(v, f);
                    held[0] = f;
                    log.add("unwinding");
                    return new OnTask(AsyncChannels.write(net.conn, ascii("bye")));
                }
                log.add("wrote " + valueOr(v, f));
                throw held[0];
            });
            assertFalse(co.isDone());
            assertTrue(co.cancel());
            settle(co);
            assertTrue(co.isCancelled());
            assertEquals(List.of("unwinding", "wrote 3"), log);
            assertTrue(net.conn.isOpen(), "a cancelled read leaves the socket open, for its owner to close");
            assertEquals("bye", Loopback.read(net.client, 3));
        }
    }

    /** A channel closed under a pending read: the read fails, and so does the function (it is not cancelled). */
    @Test
    void aChannelClosedUnderAPendingReadFailsTheAwaitingFunction() throws Exception {
        try (Loopback net = new Loopback()) {
            Probe<Integer> co = start((self, i, v, f) ->
                    i == 0 ? new OnTask(AsyncChannels.read(net.conn, ByteBuffer.allocate(16))) : valueOr(v, f));
            assertFalse(co.isDone());
            net.conn.close();
            settle(co);
            assertFalse(co.isCancelled());
            CompletionException e = assertThrows(CompletionException.class, co::join);
            assertInstanceOf(AsynchronousCloseException.class, e.getCause());
            assertFalse(co.cancel());
        }
    }

    /** A read made outside the function is nobody's child: the cancelled function only stops waiting. */
    @Test
    void aReadMadeElsewhereOutlivesItsCancelledAwaiter() throws Exception {
        try (Loopback net = new Loopback()) {
            ByteBuffer buffer = ByteBuffer.allocate(16);
            Task<Integer> read = AsyncChannels.read(net.conn, buffer);
            Probe<Integer> co = awaitingTask(read);
            assertTrue(co.cancel());
            assertTrue(co.isCancelled());
            assertFalse(read.isDone());
            net.client.write(ascii("hi")).get(5, TimeUnit.SECONDS);
            assertEquals(2, read.toCompletableFuture().get(5, TimeUnit.SECONDS));
            assertEquals("hi", new String(buffer.array(), 0, 2, StandardCharsets.US_ASCII));
        }
    }

    /** A connect that is pending (the server's backlog is full) is cancelled by closing the socket. */
    @Test
    void aCancelledPendingConnectClosesTheSocket() throws Exception {
        List<AsynchronousSocketChannel> opened = new ArrayList<>();
        try (AsynchronousServerSocketChannel server = AsynchronousServerSocketChannel.open()
                .bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 1)) {
            Task<Void> connect = null;
            AsynchronousSocketChannel pending = null;
            for (int k = 0; k < 8 && connect == null; k++) {
                AsynchronousSocketChannel ch = AsynchronousSocketChannel.open();
                opened.add(ch);
                Task<Void> c = AsyncChannels.connect(ch, server.getLocalAddress());
                try {
                    c.toCompletableFuture().get(300, TimeUnit.MILLISECONDS);
                } catch (TimeoutException stillPending) {
                    connect = c;
                    pending = ch;
                }
            }
            assumeFalse(connect == null, "no connect stayed pending on this platform");
            assertTrue(connect.cancel());
            assertTrue(connect.isCancelled());
            assertFalse(pending.isOpen(), "a cancelled connect closes the socket");
            assertEquals(0, assertThrows(CancellationException.class, connect::join).getSuppressed().length);
        } finally {
            for (AsynchronousSocketChannel ch : opened) ch.close();
        }
    }

    /** A write that is pending (the peer does not read) is cancelled by closing the socket. */
    @Test
    void aCancelledPendingWriteClosesTheSocket() throws Exception {
        try (Loopback net = new Loopback()) {
            Task<Integer> write = null;
            for (int k = 0; k < 400 && write == null; k++) {
                Task<Integer> w = AsyncChannels.write(net.conn, ByteBuffer.allocate(1 << 20));
                try {
                    w.toCompletableFuture().get(200, TimeUnit.MILLISECONDS);
                } catch (TimeoutException stillPending) {
                    write = w;
                }
            }
            assumeFalse(write == null, "no write stayed pending");
            assertTrue(write.cancel());
            assertTrue(write.isCancelled());
            assertFalse(net.conn.isOpen());
        }
    }

    /** "An exception thrown when an operation is started ... fails the task instead of being thrown". */
    @Test
    void aSecondAcceptFailsItsTaskAndCancellingTheFirstClosesTheServer() throws Exception {
        try (AsynchronousServerSocketChannel server = AsynchronousServerSocketChannel.open()
                .bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0))) {
            Task<AsynchronousSocketChannel> first = AsyncChannels.accept(server);
            Task<AsynchronousSocketChannel> second = AsyncChannels.accept(server);
            assertTrue(second.isDone());
            assertThrows(AcceptPendingException.class, second::join);
            assertFalse(second.cancel());
            assertTrue(server.isOpen(), "a failed start has no hook to run");
            assertTrue(first.cancel());
            assertFalse(server.isOpen());
        }
    }

    /** Coda.timeout around a read: the read is cancelled (input shut down), the socket stays open. */
    @Test
    void aTimedOutReadShutsTheInputDownAndLeavesTheSocketOpen() throws Exception {
        try (Loopback net = new Loopback()) {
            AtomicReference<Task<Integer>> read = new AtomicReference<>();
            Task<Integer> t = Coda.timeout(Duration.ofMillis(30), () -> {
                read.set(AsyncChannels.read(net.conn, ByteBuffer.allocate(16)));
                return read.get();
            });
            CompletionException e = assertThrows(CompletionException.class, t::join);
            assertInstanceOf(TimeoutException.class, e.getCause());
            assertTrue(read.get().isCancelled());
            assertTrue(net.conn.isOpen());
            assertEquals(2, AsyncChannels.write(net.conn, ascii("ok")).join());
            assertEquals("ok", Loopback.read(net.client, 2));
        }
    }

    // ---- combinators of views and leaves; executors that reject ---------------------------------------------------

    /** Task.all of views: the first failure cancels the other views, never their stages. */
    @Test
    void allOfViewsFailsWithTheFirstFailureAndLeavesTheOtherStagesAlone() {
        CompletableFuture<String> a = new CompletableFuture<>();
        CompletableFuture<String> b = new CompletableFuture<>();
        CompletableFuture<String> c = new CompletableFuture<>();
        Task<String> va = Task.from(a);
        Task<String> vc = Task.from(c);
        Task<List<String>> all = Task.all(List.of(va, Task.from(b), vc));
        Task<String> otherReaderOfA = Task.from(a);
        IllegalStateException x = new IllegalStateException("b failed");
        b.completeExceptionally(x);
        assertSame(x, assertThrows(IllegalStateException.class, all::join));
        assertEquals(0, x.getSuppressed().length, "views cancelled cleanly add nothing");
        assertTrue(va.isCancelled());
        assertTrue(vc.isCancelled());
        assertFalse(a.isDone());
        assertFalse(c.isDone());
        a.complete("a");
        assertEquals("a", otherReaderOfA.join());
    }

    /** Task.any of views that all fail: the first in list order, the others suppressed in order. */
    @Test
    void anyOfViewsThatAllFailGivesTheFirstWithTheOthersSuppressed() {
        CompletableFuture<String> a = new CompletableFuture<>();
        CompletableFuture<String> b = new CompletableFuture<>();
        CompletableFuture<String> c = new CompletableFuture<>();
        Task<String> any = Task.any(List.of(Task.from(a), Task.from(b), Task.from(c)));
        IllegalStateException xa = new IllegalStateException("a");
        IllegalStateException xb = new IllegalStateException("b");
        IllegalStateException xc = new IllegalStateException("c");
        b.completeExceptionally(xb);
        c.completeExceptionally(xc);
        assertFalse(any.isDone());
        a.completeExceptionally(xa);
        assertSame(xa, assertThrows(IllegalStateException.class, any::join));
        assertArrayEquals(new Throwable[] {xb, xc}, xa.getSuppressed());
    }

    /**
     * A function awaiting Task.any of two calls of its own, each awaiting a future directly: cancelling the function
     * cancels the any, which cancels its inputs newest first, which cancel their futures.
     */
    @Test
    void cancellingAFunctionReachesTheFuturesOfItsAnysInputsNewestFirst() {
        CompletableFuture<String> f1 = new CompletableFuture<>();
        CompletableFuture<String> f2 = new CompletableFuture<>();
        List<Task<String>> inputs = new ArrayList<>();
        AtomicReference<Task<String>> any = new AtomicReference<>();
        Probe<String> parent = start((self, i, v, f) -> {
            if (i == 0) {
                inputs.add(awaitingStage(f1));
                inputs.add(awaitingStage(f2));
                any.set(Task.any(inputs));
                return new OnTask(any.get());
            }
            if (f instanceof Cancelled) log.add("parent unwinds");
            return valueOr(v, f);
        });
        assertFalse(parent.isDone());
        // Registered after the inputs' own callbacks, so run before them (a future runs its dependents newest first).
        f1.whenComplete((v, e) -> log.add("f1 cancelled " + f1.isCancelled()));
        f2.whenComplete((v, e) -> log.add("f2 cancelled " + f2.isCancelled()));
        assertTrue(parent.cancel());
        assertEquals(List.of("f2 cancelled true", "f1 cancelled true", "parent unwinds"), log);
        assertTrue(inputs.get(0).isCancelled());
        assertTrue(inputs.get(1).isCancelled());
        assertTrue(any.get().isCancelled());
        assertTrue(parent.isCancelled());
        assertEquals(0, assertThrows(CancellationException.class, parent::join).getSuppressed().length);
    }

    /**
     * A scope whose executor starts the first child and refuses the second: the refusal fails that child, which
     * fails the scope fast: the sibling is cancelled, and so is the operation it awaits (its hook runs).
     */
    @Test
    void aScopeWhoseExecutorRefusesFailsFastAndCancelsTheSiblingsOperation() {
        RejectedExecutionException refused = new RejectedExecutionException("saturated");
        AtomicInteger starts = new AtomicInteger();
        Executor onceThenRefuse = r -> {
            if (starts.getAndIncrement() > 0) throw refused;
            r.run();
        };
        TaskScope scope = TaskScope.open(onceThenRefuse);
        AtomicReference<CompletableTask<String>> op = new AtomicReference<>();
        Task<String> first = scope.spawn(() -> start((self, i, v, f) -> {
            if (i == 0) {
                CompletableTask<String> ct = new CompletableTask<>();
                ct.onCancel(() -> log.add("hook"));
                op.set(ct);
                return new OnTask(ct);
            }
            if (f instanceof Cancelled) log.add("first unwinds");
            return valueOr(v, f);
        }));
        assertFalse(first.isDone());
        Task<String> second = scope.spawn(() -> start((self, i, v, f) -> {
            log.add("second ran");
            return "never";
        }));
        assertSame(refused, assertThrows(RejectedExecutionException.class, second::join));
        assertEquals(List.of("hook", "first unwinds"), log);
        assertTrue(op.get().isCancelled());
        assertTrue(first.isCancelled());
        Task<Void> close = scope.closeAsync();
        assertSame(refused, assertThrows(RejectedExecutionException.class, close::join));
        assertEquals(0, refused.getSuppressed().length);
        assertThrows(IllegalStateException.class, () -> scope.spawn(() -> Task.completed("late")));
    }

    /** Task.all of views where one stage is cancelled: a cancellation counts as the first failure. */
    @Test
    void allOfViewsWhereAStageIsCancelledFailsWithThatCancellation() {
        CompletableFuture<String> a = new CompletableFuture<>();
        CompletableFuture<String> b = new CompletableFuture<>();
        Task<String> va = Task.from(a);
        Task<String> vb = Task.from(b);
        Task<List<String>> all = Task.all(List.of(va, vb));
        assertTrue(b.cancel(true));
        assertTrue(vb.isCancelled());
        assertTrue(va.isCancelled());
        assertFalse(a.isDone());
        assertTrue(all.isDone());
        CancellationException e = assertThrows(CancellationException.class, all::join);
        assertSame(vb.failureNow(), e);
    }
    // ---- more races and edges -------------------------------------------------------------------------------------

    /** onCancel racing cancel: the hook runs exactly once; its failure is thrown from onCancel or on the outcome. */
    @Test
    void onCancelRacingCancelRunsTheHookOnceAndReportsItsFailureOnce() throws Exception {
        int[] where = new int[2];
        for (int r = 0; r < 2000; r++) {
            CompletableTask<String> ct = new CompletableTask<>();
            AtomicInteger runs = new AtomicInteger();
            IllegalStateException boom = new IllegalStateException("hook failed");
            Throwable[] fromOnCancel = new Throwable[1];
            boolean[] cancelled = new boolean[1];
            race(() -> {
                try {
                    ct.onCancel(() -> {
                        runs.incrementAndGet();
                        throw boom;
                    });
                } catch (IllegalStateException e) {
                    fromOnCancel[0] = e;
                }
            }, () -> cancelled[0] = ct.cancel());
            assertTrue(cancelled[0], "round " + r);
            assertTrue(ct.isCancelled(), "round " + r);
            assertEquals(1, runs.get(), "round " + r);
            Throwable[] s = ct.failureNow().getSuppressed();
            if (fromOnCancel[0] != null) {
                assertSame(boom, fromOnCancel[0], "round " + r);
                assertEquals(0, s.length, "round " + r);
                where[0]++;
            } else {
                assertArrayEquals(new Throwable[] {boom}, s, "round " + r);
                where[1]++;
            }
        }
        System.out.println("[leaf-race] hook thrown from onCancel " + where[0] + ", suppressed " + where[1]);
    }

    /** A thread blocked in join() sees the cancellation only once the hook has finished. */
    @Test
    void aJoinerSeesTheCancellationOnlyAfterTheHook() throws Exception {
        CompletableTask<String> ct = new CompletableTask<>();
        AtomicInteger told = new AtomicInteger();
        ct.onCancel(() -> {
            try {
                Thread.sleep(50);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            told.incrementAndGet();
        });
        Future<Integer> joiner = pool.submit(() -> {
            assertThrows(CancellationException.class, ct::join);
            return told.get();
        });
        Thread.sleep(20);
        assertTrue(ct.cancel());
        assertEquals(1, joiner.get(5, TimeUnit.SECONDS));
    }

    /** A shared view's stage completing while one awaiter is cancelled: the view and the other reader get the value. */
    @Test
    void aSharedStageCompletedWhileOneAwaiterOfItsViewIsCancelled() throws Exception {
        for (int r = 0; r < 2000; r++) {
            CompletableFuture<String> stage = new CompletableFuture<>();
            Task<String> v = Task.from(stage);
            Probe<String> co = awaitingTask(v);
            Probe<String> other = awaitingTask(Task.from(stage));
            boolean[] cancelled = new boolean[1];
            race(() -> stage.complete("v"), () -> cancelled[0] = co.cancel());
            settle(co);
            assertFalse(stage.isCancelled(), "round " + r);
            if (co.isCancelled()) assertTrue(cancelled[0], "round " + r);
            else assertEquals("v", co.join(), "round " + r);
            assertEquals("v", other.join(), "round " + r);
            assertTrue(v.isDone(), "round " + r);
            assertEquals("v", v.join(), "round " + r);
        }
    }

    /** A detached view of a completed stage: its state as toString() shows it ("the task's state"). */
    @Test
    void aDetachedViewOfACompletedStageShowsItsOutcome() {
        CompletableFuture<String> stage = new CompletableFuture<>();
        Task<String> v = Task.from(stage);
        Probe<String> co = awaitingTask(v);
        assertTrue(co.cancel());
        stage.complete("x");
        assertTrue(v.toString().endsWith("[succeeded: x]"), v.toString());
        assertTrue(v.isDone());
    }

    /** Two distinct stages that are equal(): each view completes as its own stage does. */
    @Test
    void viewsOfTwoDistinctButEqualStagesFollowTheirOwnStage() {
        KeyedStage<String> a = new KeyedStage<>("same key");
        KeyedStage<String> b = new KeyedStage<>("same key");
        assertEquals(a, b);
        Task<String> va = Task.from(a);
        Task<String> vb = Task.from(b);
        a.complete("A");
        assertEquals("A", va.join());
        assertFalse(b.isDone());
        assertFalse(vb.isDone(), "b has not completed, but its view is " + vb);
        b.complete("B");
        assertEquals("B", vb.join());
    }

    /** A future subclass equal to another of the same key, as a value-keyed handle of a request might be. */
    static final class KeyedStage<T> extends CompletableFuture<T> {
        final String key;

        KeyedStage(String key) {
            this.key = key;
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof KeyedStage<?> k && k.key.equals(key);
        }

        @Override
        public int hashCode() {
            return key.hashCode();
        }

        @Override
        public <U> CompletableFuture<U> newIncompleteFuture() {
            return new CompletableFuture<>();
        }
    }

    /** A cancelled accept racing an arriving connection: that connection is never left open (it is closed). */
    @Test
    void aConnectionArrivingAsTheAcceptIsCancelledIsClosed() throws Exception {
        int[] tally = new int[3];
        for (int r = 0; r < 200; r++) {
            try (AsynchronousServerSocketChannel server = AsynchronousServerSocketChannel.open()
                    .bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
                 AsynchronousSocketChannel client = AsynchronousSocketChannel.open()) {
                Task<AsynchronousSocketChannel> accept = AsyncChannels.accept(server);
                Future<Void> connecting = client.connect(server.getLocalAddress());
                for (int spin = r % 50; spin > 0; spin--) Thread.onSpinWait();
                if (!accept.cancel()) {
                    accept.join().close();
                    tally[0]++;
                    continue;
                }
                assertTrue(accept.isCancelled());
                assertFalse(server.isOpen());
                try {
                    connecting.get(5, TimeUnit.SECONDS);
                } catch (ExecutionException refused) {
                    tally[1]++;
                    continue;
                }
                try {
                    assertEquals(-1, client.read(ByteBuffer.allocate(1)).get(5, TimeUnit.SECONDS), "round " + r);
                } catch (ExecutionException reset) {
                    // the listening socket closed with the connection still queued: reset
                }
                tally[2]++;
            }
        }
        System.out.println("[leaf-race] accept: " + tally[0] + " accepted, " + tally[1] + " refused, " + tally[2]
                + " closed");
    }

    /** A file read cancelled as it starts: cancelled and the channel closed, or completed and the channel open. */
    @Test
    void aFileReadCancelledAsItStartsEitherClosesTheChannelOrKeepsItsValue() throws Exception {
        java.nio.file.Path file = java.nio.file.Files.createTempFile("leaf-probe", ".bin");
        try {
            java.nio.file.Files.write(file, new byte[1 << 16]);
            for (int r = 0; r < 200; r++) {
                java.nio.channels.AsynchronousFileChannel ch = java.nio.channels.AsynchronousFileChannel.open(file,
                        java.nio.file.StandardOpenOption.READ);
                try {
                    Task<Integer> read = AsyncChannels.read(ch, ByteBuffer.allocate(1 << 16), 0);
                    boolean cancelled = read.cancel();
                    settle(read);
                    assertEquals(cancelled, read.isCancelled(), "round " + r);
                    assertEquals(!cancelled, ch.isOpen(), "round " + r);
                    if (!cancelled) assertEquals(1 << 16, read.join());
                } finally {
                    ch.close();
                }
            }
            java.nio.channels.AsynchronousFileChannel ch = java.nio.channels.AsynchronousFileChannel.open(file,
                    java.nio.file.StandardOpenOption.READ);
            try {
                assertEquals(-1, AsyncChannels.read(ch, ByteBuffer.allocate(4), 1 << 20).toCompletableFuture()
                        .get(5, TimeUnit.SECONDS));
            } finally {
                ch.close();
            }
        } finally {
            java.nio.file.Files.delete(file);
        }
    }

    /** An executor that silently discards the start: the child waits, unstarted, until the close is cancelled. */
    @Test
    void aScopeWhoseExecutorDiscardsWaitsUntilItsCloseIsCancelled() {
        TaskScope scope = TaskScope.open(r -> {});
        Task<String> child = scope.spawn(() -> start((self, i, v, f) -> {
            log.add("ran");
            return "never";
        }));
        assertFalse(child.isDone());
        Task<Void> close = scope.closeAsync();
        assertFalse(close.isDone());
        assertTrue(close.cancel());
        assertTrue(child.isCancelled());
        assertTrue(close.isDone());
        assertFalse(close.isCancelled());
        assertNull(close.join());
        assertEquals(List.of(), log);
    }

    /**
     * A scope on a real pool aborted as its child starts: the child is cancelled, before it ran or at its await; if
     * it ran, the future it awaits directly is cancelled, and never otherwise.
     */
    @Test
    void anAbortedScopeOnAPoolCancelsTheFutureItsChildAwaitsIfTheChildRan() throws Exception {
        ExecutorService exec = Executors.newSingleThreadExecutor();
        int ran = 0;
        try {
            for (int r = 0; r < 500; r++) {
                TaskScope scope = TaskScope.open(exec);
                CompletableFuture<String> stage = new CompletableFuture<>();
                java.util.concurrent.atomic.AtomicBoolean bodyRan = new java.util.concurrent.atomic.AtomicBoolean();
                Task<String> child = scope.spawn(() -> start((self, i, v, f) -> {
                    if (i == 0) {
                        bodyRan.set(true);
                        return new OnStage(stage);
                    }
                    return valueOr(v, f);
                }));
                for (int spin = r % 64; spin > 0; spin--) Thread.onSpinWait();
                Task<Void> close = scope.abortAsync(null);
                settle(close);
                settle(child);
                assertTrue(child.isCancelled(), "round " + r);
                assertEquals(bodyRan.get(), stage.isCancelled(), "round " + r);
                assertNull(close.join());
                if (bodyRan.get()) ran++;
            }
        } finally {
            exec.shutdownNow();
        }
        System.out.println("[leaf-race] scope abort: body ran in " + ran + " of 500");
    }

    /** Sleeps resume on the pool the docs name, never on the timer thread. */
    @Test
    void aSleepResumesItsAwaiterOnThePoolNotTheTimerThread() {
        Probe<String> co = start((self, i, v, f) ->
                i == 0 ? new OnTask(Coda.sleep(Duration.ofMillis(5))) : Thread.currentThread().getName());
        assertPoolThread(co.join());
    }

    private static void assertPoolThread(String n) {
        if (java.util.concurrent.ForkJoinPool.getCommonPoolParallelism() > 1) {
            assertTrue(n.startsWith("ForkJoinPool.commonPool"), n);
        } else {
            assertEquals("coda-async", n);
        }
    }

    /**
     * combinators.md: "Coda.yieldNow() completes as soon as the pool below runs it: awaiting it hands the rest of the
     * function to the pool and lets the current thread return." The pool is handed the completion when the task is
     * made, so it may complete before the await, which then does not suspend.
     */
    @Test
    void awaitingYieldNowHandsTheRestOfTheFunctionToThePool() {
        String caller = Thread.currentThread().getName();
        int inline = 0;
        for (int r = 0; r < 2000; r++) {
            Probe<String> co = start((self, i, v, f) -> {
                if (i == 0) {
                    Task<Void> y = Coda.yieldNow();
                    return new OnTask(y);
                }
                return Thread.currentThread().getName();
            });
            if (co.join().equals(caller)) inline++;
        }
        assertEquals(0, inline, "awaits of yieldNow() that went on inline on the caller's thread, of 2000");
    }

    /** A zero or negative time limit: a body already complete keeps its value, a pending one times out. */
    @Test
    void aTimeoutOfZeroKeepsACompletedBodyAndTimesOutAPendingOne() {
        assertEquals("v", Coda.timeout(Duration.ZERO, () -> Task.completed("v")).join());
        CompletableTask<String> body = new CompletableTask<>();
        body.onCancel(() -> log.add("hook"));
        Task<String> t = Coda.timeout(Duration.ofMillis(-1), () -> body);
        CompletionException e = assertThrows(CompletionException.class, t::join);
        assertInstanceOf(TimeoutException.class, e.getCause());
        assertTrue(body.isCancelled());
        assertEquals(List.of("hook"), log);
        assertFalse(t.cancel());
    }

    /** "On Linux and macOS the pending read ends at once": a new read of the same socket is accepted afterwards. */
    @Test
    void aCancelledReadEndsSoTheSocketCanBeReadAgain() throws Exception {
        org.junit.jupiter.api.Assumptions.assumeTrue(System.getProperty("os.name").toLowerCase().contains("linux"));
        try (Loopback net = new Loopback()) {
            Task<Integer> read = AsyncChannels.read(net.conn, ByteBuffer.allocate(16));
            assertTrue(read.cancel());
            Integer again = null;
            for (int k = 0; k < 100 && again == null; k++) {
                try {
                    again = net.conn.read(ByteBuffer.allocate(16)).get(5, TimeUnit.SECONDS);
                } catch (java.nio.channels.ReadPendingException stillPending) {
                    Thread.sleep(5);
                }
            }
            assertEquals(-1, again, "the input was shut down");
            assertTrue(net.conn.isOpen());
        }
    }

    /** "A failure the future receives counts as seen: the task's parent does not report it again." */
    @Test
    void aFailureSeenThroughTheFutureIsNotReportedByTheParent() {
        IllegalStateException boom = new IllegalStateException("operation failed");
        AtomicReference<CompletableTask<String>> op = new AtomicReference<>();
        AtomicReference<CompletableFuture<String>> future = new AtomicReference<>();
        Probe<String> parent = start((self, i, v, f) -> {
            CompletableTask<String> ct = new CompletableTask<>();
            op.set(ct);
            Probe<String> child = awaitingTask(ct); // started in the body: the parent's child
            future.set(child.toCompletableFuture());
            return "parent's value"; // ends without awaiting the child: waits for it
        });
        assertFalse(parent.isDone());
        assertTrue(op.get().completeExceptionally(boom));
        assertTrue(future.get().isCompletedExceptionally());
        assertEquals("parent's value", parent.join());
    }

    /**
     * A read cancelled just after its channel was closed under it: "A failure to close or shut down is suppressed
     * onto the task's CancellationException"; if the read's failure came first, the task failed with it instead.
     */
    @Test
    void aReadCancelledAfterItsChannelWasClosedCarriesTheShutdownFailure() throws Exception {
        int[] tally = new int[2];
        for (int r = 0; r < 50; r++) {
            try (Loopback net = new Loopback()) {
                Task<Integer> read = AsyncChannels.read(net.conn, ByteBuffer.allocate(16));
                net.conn.close();
                boolean cancelled = read.cancel();
                settle(read);
                assertEquals(cancelled, read.isCancelled(), "round " + r);
                if (cancelled) {
                    Throwable[] s = read.failureNow().getSuppressed();
                    assertEquals(1, s.length, "round " + r + ": " + Arrays.toString(s));
                    assertInstanceOf(java.nio.channels.ClosedChannelException.class, s[0]);
                    tally[1]++;
                } else {
                    CompletionException e = assertThrows(CompletionException.class, read::join);
                    assertInstanceOf(AsynchronousCloseException.class, e.getCause());
                    tally[0]++;
                }
            }
        }
        System.out.println("[leaf-race] closed under a read: " + tally[0] + " failed, " + tally[1] + " cancelled");
    }
}
