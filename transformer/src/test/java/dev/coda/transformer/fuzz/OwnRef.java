package dev.coda.transformer.fuzz;

import dev.coda.Task;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Collections;
import java.util.Deque;
import java.util.IdentityHashMap;
import java.util.Set;
import java.util.concurrent.CancellationException;
import java.util.function.Supplier;

/**
 * A reference model of SPEC §5–6 for the ownership fuzzer: the reference copy of a program calls these, with its
 * ownership written out by the generator as plain Java (a flag and a try/finally per owned variable). Nothing here
 * suspends: an await drives the environment's queue until its task is done.
 *
 * <p>Cancellation is modelled with a stack of frames, one per async function on the call stack. The driver of the
 * transformed copy cancels the top-level task once it has completed {@code cancelAfter} pending items; here the
 * request is issued at the first await that would suspend once that many items were driven, to every frame on the
 * stack (the top level, and the child each frame is awaiting). A function that suspends for the first time is
 * awaited by its caller only then: a caller that was requested and has not delivered yet cancels it, so the request
 * also reaches children started after it was made, but not those started while their caller unwinds. A frame that was requested delivers at its next await that is not a drop: it throws the signal, after
 * which it never delivers again, and its outcome is cancelled whatever its body does. A child that ended cancelled or
 * failed, awaited by a requested frame, has its outcome suppressed onto that frame's signal unless it is a bare
 * cancellation.
 */
public final class OwnRef {
    private OwnRef() {}

    /** The unwinding signal of the reference. */
    static final class Signal extends Error {
        Signal() {
            super("cancelled");
        }
    }

    private static final class Frame {
        /** Whether the function has suspended before: its caller is then already waiting for it. */
        boolean suspended;
        boolean requested;
        boolean delivered;
        Signal signal;
        /** The close of a value in transit at delivery, awaited when the frame ends. */
        Task<?> inTransit;
    }

    private static final class State {
        final OwnEnv env;
        final int cancelAfter;
        int completions;
        boolean issued;
        final Deque<Frame> frames = new ArrayDeque<>();
        final Set<Task<?>> children = Collections.newSetFromMap(new IdentityHashMap<>());

        State(OwnEnv env, int cancelAfter) {
            this.env = env;
            this.cancelAfter = cancelAfter;
        }
    }

    private static final ThreadLocal<State> STATE = new ThreadLocal<>();

    /** Runs {@code program} as the reference; {@code cancelAfter} negative: never cancelled. */
    static Task<String> run(OwnEnv env, int cancelAfter, Supplier<Task<String>> program) {
        STATE.set(new State(env, cancelAfter));
        try {
            Task<String> t = program.get();
            while (env.hasPending()) env.completeOne(); // what the transformed copy's driver drains too
            return t;
        } finally {
            STATE.remove();
        }
    }

    // ---- called by reference programs ------------------------------------------------------------------------------

    /** An async function's body, as a frame: its outcome is a done task, cancelled if a cancellation was delivered. */
    public static Task<String> call(Supplier<Task<String>> body) {
        State s = STATE.get();
        Frame f = new Frame();
        s.frames.push(f);
        Task<String> result = null;
        Throwable thrown = null;
        try {
            result = body.get();
        } catch (Throwable t) {
            thrown = t;
        } finally {
            s.frames.pop();
        }
        Task<String> outcome;
        if (f.delivered) {
            CancellationException c = new CancellationException("cancelled");
            for (Throwable x : f.signal.getSuppressed()) c.addSuppressed(x);
            if (thrown != null && thrown != f.signal) c.addSuppressed(thrown);
            if (f.inTransit != null) {
                try {
                    drive(s, f.inTransit, true);
                    f.inTransit.join();
                } catch (Throwable closeFailed) {
                    c.addSuppressed(closeFailed);
                }
            }
            outcome = Task.failed(c);
        } else if (thrown != null) {
            outcome = Task.failed(thrown);
        } else {
            outcome = result;
        }
        s.children.add(outcome);
        return outcome;
    }

    /** {@code Coda.await(task)}. */
    public static <T> T await(Task<T> task) {
        State s = STATE.get();
        Frame f = s.frames.peek();
        if (f.requested && !f.delivered) throw deliver(s, f, task);
        drive(s, task, false);
        return task.join();
    }

    /** {@code @Owned R x = Coda.await(task)}: a value the task already produced is in transit at delivery. */
    public static OwnEnv.R awaitOwned(Task<OwnEnv.R> task) {
        State s = STATE.get();
        Frame f = s.frames.peek();
        if (f.requested && !f.delivered) {
            Signal signal = deliver(s, f, task);
            if (task.isDone()) f.inTransit = task.join().closeAsync();
            throw signal;
        }
        drive(s, task, false);
        return task.join();
    }

    /** The drop of an owned variable whose flag was set: a cleanup await; a failure is suppressed onto {@code primary}. */
    public static void drop(OwnEnv.R value, Throwable primary) {
        Task<Void> closing = value.closeAsync();
        drive(STATE.get(), closing, true);
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
        drive(STATE.get(), closing, true);
        closing.join();
    }

    /** {@code Coda.move(x)}: the generator clears x's flag in the argument it passes as {@code cleared}. */
    public static <T> T move(T value, boolean cleared) {
        return value;
    }

    // ---- model --------------------------------------------------------------------------------------------------

    /** Drives the queue until {@code task} is done; a cancellation request is issued where it would suspend. */
    private static void drive(State s, Task<?> task, boolean cleanup) {
        while (!task.isDone()) {
            if (!s.issued && s.cancelAfter >= 0 && s.completions >= s.cancelAfter) {
                s.issued = true;
                for (Frame f : s.frames) f.requested = true;
            }
            // Here the frames suspend. Those suspending for the first time (the innermost ones, just called) are
            // awaited by their caller only now: a caller that was requested and has not delivered yet finds its
            // child pending and cancels it, which reaches down the new ones.
            List<Frame> fresh = new ArrayList<>();
            for (Frame f : s.frames) {
                if (f.suspended) break;
                fresh.add(f);
            }
            Frame caller = fresh.size() < s.frames.size() ? new ArrayList<>(s.frames).get(fresh.size()) : null;
            boolean cancelled = caller != null && caller.requested && !caller.delivered;
            for (int i = fresh.size() - 1; i >= 0; i--) {
                Frame f = fresh.get(i);
                if (cancelled) f.requested = true;
                cancelled = f.requested && !f.delivered;
                f.suspended = true;
            }
            Frame top = s.frames.peek();
            if (!cleanup && top != null && top.requested && !top.delivered) throw deliver(s, top, task);
            if (!s.env.hasPending()) throw new IllegalStateException("reference: awaiting a task nothing completes");
            s.env.completeOne();
            s.completions++;
        }
    }

    private static Signal deliver(State s, Frame f, Task<?> awaited) {
        f.delivered = true;
        f.signal = new Signal();
        if (awaited.isDone() && s.children.contains(awaited)) {
            try {
                awaited.join();
            } catch (Throwable childOutcome) {
                boolean bare = childOutcome instanceof CancellationException && childOutcome.getSuppressed().length == 0;
                if (!bare) f.signal.addSuppressed(childOutcome);
            }
        }
        return f.signal;
    }
}
