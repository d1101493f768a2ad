package dev.coda.transformer.fuzz;

import dev.coda.Task;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;

/**
 * A reference model of ownership, cancellation and structured concurrency for the ownership fuzzer: the
 * reference copy of a program calls these, with its ownership written out by the generator as plain Java (a flag
 * and a try/finally per owned variable).
 *
 * <p><b>Frames.</b> Every async call is a {@link Frame}, whose body runs on a thread of its own used as a coroutine
 * (a fiber): exactly one fiber runs at a time, handing control over explicitly, so the model is as sequential as the
 * runtime on one thread. A call runs its body at once, inline, until the body first suspends or ends; then the
 * caller goes on, and the frame is a <em>child</em> of the caller unless {@link #detach} is called. A
 * suspended frame is resumed through one FIFO queue, drained when control is back at the driver; a resumption
 * requested while no frame runs (by the driver) is run at once. The driver is the same as the transformed copy's:
 * it completes the environment's pending items oldest first and cancels the top-level task once it has completed
 * {@code cancelAfter} of them ({@link #run}).
 *
 * <p><b>Cancellation.</b> {@link #cancel} records a request. A frame suspended on a foreign task (a step, a
 * close) is woken to meet it; one suspended on its own child cancels that child and keeps waiting for it, cleanup
 * included; one in drop glue is not disturbed. The request is delivered at the frame's current or next user await
 * (not at a drop): the await throws the signal, after which no await delivers again, and the outcome is cancelled
 * whatever the body does. A child awaited at delivery that failed, or was cancelled with cleanup failures, has that
 * outcome suppressed onto the signal. An owned await that delivers closes the value in transit.
 *
 * <p><b>The end of a body.</b> When a body ends, its children still running are waited for: cancelled first,
 * newest first, if it threw or unwinds a delivered cancellation (children started while it unwound are cleanup work,
 * never cancelled). A returned child is waited for, and the frame completes as it does. A request that reaches a
 * frame whose body ended with a value cancels its children still running, and a returned child, and the outcome is
 * still the body's. Then: cancelled, the outcome is a CancellationException with the signal's suppressed
 * exceptions, an exception thrown while unwinding, and the children's unreported failures; a failure keeps them as
 * suppressed; a value gives way to the first unreported child failure (oldest child first, the others suppressed onto
 * it; a child cancelled with cleanup failures reports its first one, and where that first is a grandchild's
 * cancellation with failures, the grandchild's first). A failure reported once (an await, a delivery,
 * a parent's end) is never reported again. The order in which ends are settled follows the runtime's scheduling: an
 * end with nothing still running to wait for concludes at once; any other end concludes through the queue, when
 * the last of its waits is over.
 */
public final class OwnRef {
    private OwnRef() {}

    /** The unwinding signal of the reference. */
    static final class Signal extends Error {
        Signal() {
            super("cancelled");
        }
    }

    /** The outcome of a frame that was cancelled (the runtime's has a class of its own too). */
    private static final class CancelledOutcome extends CancellationException {
        CancelledOutcome() {
            super("cancelled");
        }
    }

    /** Thrown into the fibers left over when a run ends (only a run that did not complete has any). */
    private static final class Killed extends Error {
        Killed() {
            super("killed", null, false, false);
        }
    }

    /** Figures over every run of the model, for the fuzzer's summary. */
    static final AtomicLong childrenStarted = new AtomicLong();
    static final AtomicLong endsWithChildrenRunning = new AtomicLong();
    static final AtomicLong childrenCancelledAtEnd = new AtomicLong();
    static final AtomicLong childrenCancelledWhileWaiting = new AtomicLong();
    static final AtomicLong unobservedFailuresReported = new AtomicLong();
    static final AtomicLong cleanupWorkChildren = new AtomicLong();
    static final AtomicLong returnedChildren = new AtomicLong();

    private enum Phase { RUNNING, SUSPENDED, QUEUED, FINISHING, DONE }

    private enum Kind { VALUE, FAILED, CANCELLED }

    private static final class Frame {
        /** Null for the top level, or once detached. */
        Frame parent;
        /** Children listed by the runtime: those not succeeded when their start returned, oldest first. */
        final List<Frame> children = new ArrayList<>();
        /** Some child was listed: the end can no longer conclude at once. */
        boolean listed;
        boolean requested;
        boolean delivered;
        /** Suspended in drop glue. */
        boolean cleanup;
        /** Started while its parent unwound a delivered cancellation. */
        boolean cleanupWork;
        /** Its failure was seen by someone. */
        boolean observed;
        Signal signal;
        /** The close of a value in transit at delivery. */
        Task<?> inTransit;
        Phase phase = Phase.RUNNING;
        Task<?> awaited;

        // The end.
        String value;
        Throwable thrown;
        Frame returned;
        boolean exceptional;
        /** The children found at the end, newest first. */
        List<Frame> endChildren;
        Task<?> drop;
        /** What the end still waits for: frames and foreign tasks. */
        List<Object> waitFor;
        int pending;

        // The outcome.
        Kind kind;
        String result;
        Throwable failure;
        final CompletableFuture<String> future = new CompletableFuture<>();
        Task<String> task;
        Fiber fiber;

        boolean done() {
            return phase == Phase.DONE;
        }
    }

    private static final class State {
        final OwnEnv env;
        final List<Frame> frames = new ArrayList<>();
        final Map<Task<?>, Frame> byTask = new IdentityHashMap<>();
        final ArrayDeque<Frame> queue = new ArrayDeque<>();
        Frame running;
        boolean killed;

        State(OwnEnv env) {
            this.env = env;
        }

        Frame frameOf(Task<?> task) {
            return byTask.get(task);
        }

        /** The frame of {@code task} if it is a child of {@code f}, else null. */
        Frame childOf(Frame f, Task<?> task) {
            Frame c = byTask.get(task);
            return c != null && c.parent == f ? c : null;
        }
    }

    private static final ThreadLocal<State> STATE = new ThreadLocal<>();

    private static State state() {
        State s = STATE.get();
        if (s.killed) throw new Killed();
        return s;
    }

    /** What a run of the reference gives: the top-level task, and what {@code cancel()} returned (null: not called). */
    record Run(Task<String> task, Boolean cancelReturned) {}

    /**
     * Runs {@code program} as the reference, driven as the transformed copy is: the pending items are completed
     * oldest first, and the top-level task is cancelled once {@code cancelAfter} are done (never, if negative).
     */
    static Run run(OwnEnv env, int cancelAfter, Supplier<Task<String>> program) {
        State s = new State(env);
        STATE.set(s);
        try {
            Task<String> t = program.get();
            Frame top = s.frameOf(t);
            Boolean cancelReturned = null;
            int completions = 0;
            while (true) {
                if (completions == cancelAfter && !t.isDone()) cancelReturned = cancel(s, top);
                if (!env.hasPending()) break;
                env.completeOne();
                completions++;
                foreignCompleted(s);
            }
            return new Run(t, cancelReturned);
        } finally {
            kill(s);
            STATE.remove();
        }
    }

    // ---- called by reference programs ------------------------------------------------------------------------------

    /** An async call: its body runs now until it first suspends or ends; the frame's task is returned. */
    public static Task<String> call(Supplier<Task<String>> body) {
        State s = state();
        Frame parent = s.running;
        Frame f = new Frame();
        f.parent = parent;
        s.frames.add(f);
        f.fiber = new Fiber(s, () -> runBody(s, f, body));
        step(s, f);
        f.task = Task.from(f.future);
        s.byTask.put(f.task, f);
        if (parent == null) {
            drain(s);
        } else {
            childrenStarted.incrementAndGet();
            if (f.kind != Kind.VALUE) {
                parent.children.add(f);
                parent.listed = true;
                if (parent.delivered) {
                    f.cleanupWork = true;
                    cleanupWorkChildren.incrementAndGet();
                }
            }
        }
        return f.task;
    }

    /** {@code task.detach()}: no longer a child of anyone. */
    public static <T> Task<T> detach(Task<T> task) {
        Frame f = state().frameOf(task);
        if (f != null) f.parent = null;
        return task;
    }

    /** {@code Coda.await(task)}. */
    public static <T> T await(Task<T> task) {
        State s = state();
        Frame f = s.running;
        ready(s, f, task);
        if (f.requested && !f.delivered) throw deliver(s, f, task);
        return take(s, task);
    }

    /** {@code @Owned R x = Coda.await(task)}: a value the task already produced is in transit at delivery. */
    public static OwnEnv.R awaitOwned(Task<OwnEnv.R> task) {
        State s = state();
        Frame f = s.running;
        ready(s, f, task);
        if (f.requested && !f.delivered) {
            Signal signal = deliver(s, f, task);
            if (task.isDone() && failureOf(task) == null) f.inTransit = task.join().closeAsync();
            throw signal;
        }
        return take(s, task);
    }

    /** The drop of an owned variable whose flag was set: a cleanup await; a failure is suppressed onto {@code primary}. */
    public static void drop(OwnEnv.R value, Throwable primary) {
        Task<Void> closing = value.closeAsync();
        awaitCleanup(closing);
        try {
            closing.join();
        } catch (RuntimeException failure) {
            if (primary == null) throw failure;
            if (primary != failure) primary.addSuppressed(failure);
        }
    }

    /** javac's close() of a try-with-resources resource: a cleanup await that rethrows a failure. */
    static void closeNow(OwnEnv.R value) {
        Task<Void> closing = value.closeAsync();
        awaitCleanup(closing);
        closing.join();
    }

    /** {@code Coda.move(x)}: the generator clears x's flag in the argument it passes as {@code cleared}. */
    public static <T> T move(T value, boolean cleared) {
        return value;
    }

    // ---- awaits ---------------------------------------------------------------------------------------------------

    /**
     * Waits until {@code task} is done, unless a request is to be met at once. A requested frame that awaits its own
     * pending child cancels it and waits for it; a request arriving while it waits on a foreign task wakes it.
     */
    private static void ready(State s, Frame f, Task<?> task) {
        if (f.requested && !f.delivered) {
            Frame child = s.childOf(f, task);
            if (task.isDone() || child == null) return; // delivered at once
            cancel(s, child);
        }
        if (!task.isDone()) suspend(s, f, task);
    }

    private static void awaitCleanup(Task<?> closing) {
        State s = state();
        Frame f = s.running;
        if (closing.isDone()) return;
        f.cleanup = true;
        suspend(s, f, closing);
        f.cleanup = false;
    }

    /** The awaited outcome: the value, or the failure rethrown, now seen. */
    private static <T> T take(State s, Task<T> task) {
        try {
            return task.join();
        } catch (RuntimeException | Error failure) {
            Frame c = s.frameOf(task);
            if (c != null) c.observed = true;
            throw failure;
        }
    }

    private static Signal deliver(State s, Frame f, Task<?> awaited) {
        f.delivered = true;
        f.signal = new Signal();
        Frame child = s.childOf(f, awaited);
        if (child != null && claimUnobserved(child)) f.signal.addSuppressed(child.failure);
        return f.signal;
    }

    /** The frame's fiber stops until something resumes it: the task's completion, or a request. */
    private static void suspend(State s, Frame f, Task<?> task) {
        f.phase = Phase.SUSPENDED;
        f.awaited = task;
        f.fiber.pause();
        f.phase = Phase.RUNNING;
        f.awaited = null;
    }

    // ---- scheduling ----------------------------------------------------------------------------------------------

    private static void resume(State s, Frame f) {
        s.queue.add(f);
        if (s.running == null) drain(s);
    }

    private static void drain(State s) {
        Frame f;
        while ((f = s.queue.poll()) != null) step(s, f);
    }

    private static void step(State s, Frame f) {
        Frame outer = s.running;
        s.running = f;
        try {
            f.fiber.step();
        } finally {
            s.running = outer;
        }
    }

    /** The driver completed a pending item: whoever waits on a foreign task now done goes on. */
    private static void foreignCompleted(State s) {
        for (Frame x : new ArrayList<>(s.frames)) {
            if (x.phase == Phase.SUSPENDED && x.awaited.isDone() && s.frameOf(x.awaited) == null) {
                x.phase = Phase.QUEUED;
                x.awaited = null;
                resume(s, x);
            } else if (x.phase == Phase.FINISHING) {
                for (Object t : new ArrayList<>(x.waitFor)) {
                    if (t instanceof Task && ((Task<?>) t).isDone()) {
                        x.waitFor.remove(t);
                        countDown(s, x);
                    }
                }
            }
        }
    }

    /** Frame {@code c} completed: whoever waits on it goes on. */
    private static void frameCompleted(State s, Frame c) {
        for (Frame x : new ArrayList<>(s.frames)) {
            if (x.phase == Phase.SUSPENDED && c.task != null && x.awaited == c.task) {
                x.phase = Phase.QUEUED;
                x.awaited = null;
                resume(s, x);
            } else if (x.phase == Phase.FINISHING && x.waitFor.remove(c)) {
                countDown(s, x);
            }
        }
    }

    private static void countDown(State s, Frame f) {
        if (--f.pending == 0) resume(s, f);
    }

    // ---- cancellation --------------------------------------------------------------------------------------------

    /** {@code task.cancel()}: true if the outcome is, or will be, cancelled as far as is known now. */
    private static boolean cancel(State s, Frame f) {
        if (f.done()) return f.kind == Kind.CANCELLED;
        if (f.requested) return cancelledInTheEnd(f);
        f.requested = true;
        if (f.phase == Phase.SUSPENDED) {
            Task<?> on = f.awaited;
            Frame child = s.childOf(f, on);
            if (f.cleanup) {
                // drop glue is never interrupted
            } else if (child != null) {
                childrenCancelledWhileWaiting.incrementAndGet();
                cancel(s, child);
            } else {
                f.phase = Phase.QUEUED;
                f.awaited = null;
                resume(s, f);
            }
        } else if (f.phase == Phase.FINISHING) {
            requestedAtEnd(s, f);
        }
        return cancelledInTheEnd(f);
    }

    private static boolean cancelledInTheEnd(Frame f) {
        if (f.done()) return f.kind == Kind.CANCELLED;
        if (f.phase != Phase.FINISHING) return true;
        if (f.delivered) return true;
        // A returned child decides: the request cancelled it, so what its own cancel() reports is this one's.
        Frame r = f.returned;
        return r != null && r.parent == f && cancelledInTheEnd(r);
    }

    /** A request reached a frame whose body ended: its running children, and a returned child, are cancelled. */
    private static void requestedAtEnd(State s, Frame f) {
        if (!f.exceptional) {
            for (Frame c : f.endChildren) {
                if (!c.done() && !c.cleanupWork) {
                    childrenCancelledAtEnd.incrementAndGet();
                    cancel(s, c);
                }
            }
        }
        Frame r = f.returned;
        if (r != null && !r.done() && r.parent == f) cancel(s, r);
    }

    // ---- the end -------------------------------------------------------------------------------------------------

    private static void runBody(State s, Frame f, Supplier<Task<String>> body) {
        Task<String> result = null;
        Throwable thrown = null;
        try {
            result = body.get();
        } catch (Throwable t) {
            thrown = t;
        }
        if (s.killed) throw new Killed();
        String value = null;
        Frame returned = null;
        if (thrown == null) {
            returned = s.frameOf(result);
            if (returned == null) value = result.join();
        }
        end(s, f, value, thrown, returned);
    }

    private static void end(State s, Frame f, String value, Throwable thrown, Frame returned) {
        boolean delivered = f.delivered;
        Frame cancelledReturn = delivered && returned != null && returned.parent == f ? returned : null;
        if (delivered) returned = null;
        if (returned != null) returnedChildren.incrementAndGet();
        if (!f.listed && !delivered && (returned == null || returned.done())) {
            conclude(s, f, value, thrown, returned, new ArrayList<>(), false);
            return;
        }
        boolean exceptional = delivered || thrown != null;
        List<Frame> children = new ArrayList<>();
        List<Object> waitFor = new ArrayList<>();
        boolean running = false;
        for (int i = f.children.size() - 1; i >= 0; i--) {
            Frame c = f.children.get(i);
            if (c.parent != f || c == returned) continue;
            children.add(c);
            if (!c.done()) {
                running = true;
                waitFor.add(c);
                if (exceptional && (!c.cleanupWork || c == cancelledReturn)) {
                    childrenCancelledAtEnd.incrementAndGet();
                    cancel(s, c);
                }
            }
        }
        if (running) endsWithChildrenRunning.incrementAndGet();
        f.endChildren = children;
        if (delivered && f.inTransit != null) {
            f.drop = f.inTransit;
            if (!f.drop.isDone()) waitFor.add(f.drop);
        }
        if (returned != null && !returned.done()) waitFor.add(returned);
        f.value = value;
        f.thrown = thrown;
        f.returned = returned;
        f.exceptional = exceptional;
        f.waitFor = waitFor;
        f.pending = waitFor.size() + 1;
        f.phase = Phase.FINISHING;
        for (Object t : new ArrayList<>(waitFor)) {
            if (t instanceof Frame ? ((Frame) t).done() : ((Task<?>) t).isDone()) {
                waitFor.remove(t);
                f.pending--;
            }
        }
        if (f.requested && !f.delivered) requestedAtEnd(s, f);
        if (f.pending == 1) { // every wait already over: the end concludes at once
            f.pending = 0;
            settle(s, f);
            return;
        }
        countDown(s, f);
        f.fiber.pause();
        settle(s, f);
    }

    /** Every wait of the end is over: collects what the children left to report, oldest first, and concludes. */
    private static void settle(State s, Frame f) {
        List<Throwable> failures = new ArrayList<>();
        boolean firstCancelled = false;
        for (int i = f.endChildren.size() - 1; i >= 0; i--) {
            Frame c = f.endChildren.get(i);
            if (!claimUnobserved(c)) continue;
            if (failures.isEmpty()) firstCancelled = c.kind == Kind.CANCELLED;
            failures.add(c.failure);
        }
        if (f.drop != null && failureOf(f.drop) != null) failures.add(failureOf(f.drop));
        conclude(s, f, f.value, f.thrown, f.returned, failures, firstCancelled);
    }

    /** {@code firstCancelled}: the first of {@code failures} is the outcome of a child that was cancelled. */
    private static void conclude(State s, Frame f, String value, Throwable thrown, Frame returned,
                                 List<Throwable> failures, boolean firstCancelled) {
        int reported = failures.size();
        if (f.drop != null && failureOf(f.drop) != null) reported--;
        unobservedFailuresReported.addAndGet(reported);
        if (f.delivered) {
            CancellationException outcome = new CancelledOutcome();
            for (Throwable x : f.signal.getSuppressed()) outcome.addSuppressed(x);
            if (thrown != null && thrown != f.signal) outcome.addSuppressed(thrown);
            addAll(outcome, failures);
            complete(s, f, Kind.CANCELLED, null, outcome);
            return;
        }
        if (thrown == null && returned != null) {
            if (returned.kind == Kind.VALUE) {
                value = returned.result;
            } else {
                Throwable r = returned.failure;
                returned.observed = true;
                if (returned.kind == Kind.CANCELLED && f.requested && returned.parent == f) {
                    addAll(r, failures);
                    complete(s, f, Kind.CANCELLED, null, r);
                    return;
                }
                thrown = r;
            }
        }
        if (thrown == null && !failures.isEmpty()) {
            Throwable first = failures.remove(0);
            thrown = firstCancelled ? firstCleanupFailure(first, identitySet(first)) : first; // a failed child's: as it is
        }
        if (thrown != null) {
            addAll(thrown, failures);
            complete(s, f, Kind.FAILED, null, thrown);
        } else {
            complete(s, f, Kind.VALUE, value, null);
        }
    }

    private static void complete(State s, Frame f, Kind kind, String value, Throwable failure) {
        f.kind = kind;
        f.result = value;
        f.failure = failure;
        f.phase = Phase.DONE;
        if (kind == Kind.VALUE) f.future.complete(value);
        else f.future.completeExceptionally(failure);
        frameCompleted(s, f);
    }

    /** Once: true for a done child that failed, or was cancelled with cleanup failures, and nobody saw it. */
    private static boolean claimUnobserved(Frame c) {
        if (!c.done() || c.observed) return false;
        if (c.kind == Kind.FAILED || (c.kind == Kind.CANCELLED && c.failure.getSuppressed().length > 0)) {
            c.observed = true;
            return true;
        }
        return false;
    }

    /**
     * A cancelled child's outcome as its parent's failure: the first failure suppressed onto it, the others
     * suppressed onto that; a first that is itself a cancelled outcome with failures (a grandchild's) gives its own.
     */
    private static Throwable firstCleanupFailure(Throwable cancelled, Set<Throwable> seen) {
        Throwable[] cleanup = cancelled.getSuppressed();
        Throwable first = cleanup[0];
        if (first instanceof CancelledOutcome && first.getSuppressed().length > 0 && seen.add(first)) {
            first = firstCleanupFailure(first, seen); // each outcome once: two can hold each other
        }
        for (int i = 1; i < cleanup.length; i++) suppress(first, cleanup[i]);
        return first;
    }

    private static Set<Throwable> identitySet(Throwable first) {
        Set<Throwable> seen = Collections.newSetFromMap(new IdentityHashMap<>());
        seen.add(first);
        return seen;
    }

    private static void addAll(Throwable primary, List<Throwable> more) {
        for (Throwable t : more) suppress(primary, t);
    }

    private static void suppress(Throwable primary, Throwable t) {
        if (primary != t) primary.addSuppressed(t);
    }

    private static Throwable failureOf(Task<?> task) {
        if (!task.isDone()) return null;
        try {
            task.join();
            return null;
        } catch (RuntimeException | Error e) {
            return e;
        }
    }

    // ---- fibers --------------------------------------------------------------------------------------------------

    private static final ExecutorService FIBERS = Executors.newCachedThreadPool(r -> {
        Thread t = new Thread(r, "ownref-fiber");
        t.setDaemon(true);
        return t;
    });

    /**
     * A body run on a thread of its own, one step at a time: {@link #step} (by whoever holds control) runs it until
     * it {@link #pause}s (on its own thread) or finishes, so exactly one thread runs at a time.
     */
    private static final class Fiber {
        private final Semaphore go = new Semaphore(0);
        private final Semaphore paused = new Semaphore(0);
        private volatile boolean finished;
        private volatile boolean killed;
        private volatile Throwable crash;

        Fiber(State s, Runnable code) {
            FIBERS.execute(() -> {
                go.acquireUninterruptibly();
                STATE.set(s);
                try {
                    if (!killed) code.run();
                } catch (Killed k) {
                    // left over when the run ended
                } catch (Throwable t) {
                    crash = t;
                } finally {
                    STATE.remove();
                    finished = true;
                    paused.release();
                }
            });
        }

        void step() {
            if (finished) throw new IllegalStateException("reference model: resuming a finished frame");
            go.release();
            paused.acquireUninterruptibly();
            Throwable c = crash;
            if (c != null) {
                crash = null;
                throw new IllegalStateException("reference model failed: " + c, c);
            }
        }

        void pause() {
            paused.release();
            go.acquireUninterruptibly();
            if (killed) throw new Killed();
        }

        void kill() {
            if (finished) return;
            killed = true;
            go.release();
            paused.acquireUninterruptibly();
        }
    }

    private static void kill(State s) {
        s.killed = true;
        s.env.freeze();
        for (Frame f : s.frames) if (f.fiber != null) f.fiber.kill();
    }
}
