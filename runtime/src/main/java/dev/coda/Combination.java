package dev.coda;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CancellationException;

/**
 * The task of {@link Task#all} and {@link Task#any}: waits for every input, and completes only once all of them have
 * completed, cleanup included: the inputs that lose are cancelled, and waited for, before a result is delivered.
 *
 * <h2>State</h2>
 * <pre>
 *   OPEN ──CAS──▶ DECIDED      an input decided the outcome (all: the first failure; any: the first success);
 *                              the other inputs are cancelled
 *   OPEN ──CAS──▶ CANCELLING   cancel() came first; every input is cancelled, and the outcome will be cancelled
 *   OPEN | DECIDED ──CAS──▶ SETTLED   by the thread that saw the last input complete: the outcome is being settled,
 *                              and a cancel() that comes now returns false and changes nothing
 * </pre>
 * {@link #pending} counts the inputs not yet completed; the thread that takes it to zero settles the outcome. Every
 * input's completion happens-before that last decrement, so the settling thread reads every outcome. Values that
 * succeeded but are not delivered, if they are {@link AsyncCloseable}, belong to nobody: they are closed, and the
 * task completes after those closes, so nothing produced is leaked.
 */
abstract class Combination<R> extends ChildTask<R> implements Waiter {
    private static final int OPEN = 0, DECIDED = 1, CANCELLING = 2, SETTLED = 3;

    final Task<?>[] inputs;
    private volatile int phase;
    private volatile int pending;
    /** The input that decided the outcome, written by the thread whose CAS moved the phase to DECIDED. */
    private volatile Task<?> decisive;

    private static final VarHandle PHASE;
    private static final VarHandle PENDING;
    static {
        try {
            MethodHandles.Lookup l = MethodHandles.lookup();
            PHASE = l.findVarHandle(Combination.class, "phase", int.class);
            PENDING = l.findVarHandle(Combination.class, "pending", int.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    Combination(List<? extends Task<?>> tasks) {
        super(Carrier.current().parentOfNew());
        inputs = tasks.toArray(new Task<?>[0]);
        for (Task<?> t : inputs) if (t == null) throw new NullPointerException("a task in the list is null");
        PENDING.setRelease(this, inputs.length); // published by watch(), which follows
    }

    /** Registers on every input; called once, after construction. */
    final Task<R> watch() {
        if (inputs.length == 0) settle(null);
        for (Task<?> t : inputs) if (!t.addWaiter(this)) onCompleted(t);
        started();
        return this;
    }

    /** Whether {@code input}, just completed, decides the outcome. */
    abstract boolean decides(Task<?> input);

    /**
     * Completes this task, through {@link #succeedWith} or {@link #failWith}, once every input has completed:
     * {@code decisive} is the input that decided the outcome, or null.
     */
    abstract void settle(Task<?> decisive);

    /**
     * Decides the outcome from outside the inputs (a timer): if it was still open, runs {@code decided} (which records
     * why, before any input can complete because of it) and cancels the inputs.
     */
    final void decide(Runnable decided) {
        if (!PHASE.compareAndSet(this, OPEN, DECIDED)) return;
        decided.run();
        cancelInputs();
    }

    /** Every input has completed; called once, before the outcome is settled. */
    void allCompleted() {}

    @Override
    public final void onCompleted(Task<?> input) {
        input.observeFailure(); // a failure is reported through this task's outcome, or dropped by design
        if (phase == OPEN && decides(input) && PHASE.compareAndSet(this, OPEN, DECIDED)) {
            decisive = input; // before this thread's decrement below, so before the settling thread reads it
            cancelInputs();
        }
        if ((int) PENDING.getAndAdd(this, -1) == 1) {
            allCompleted();
            int p;
            do p = phase; while (p != CANCELLING && !PHASE.compareAndSet(this, p, SETTLED)); // no cancel() after this
            if (p == CANCELLING) failWith(new CancelledOutcome(), true);
            else settle(p == DECIDED ? decisive : null);
        }
    }

    /**
     * Requests cancellation: every input is cancelled, and the task completes cancelled once all have completed. A
     * request that comes after an input decided the outcome changes nothing.
     */
    @Override
    public final boolean cancel() {
        if (isDone()) return isCancelled();
        if (PHASE.compareAndSet(this, OPEN, CANCELLING)) {
            cancelInputs();
            return true;
        }
        return phase == CANCELLING;
    }

    /** Newest first, as scopes drop their values in reverse order. */
    private void cancelInputs() {
        for (int i = inputs.length - 1; i >= 0; i--) if (!inputs[i].isDone()) inputs[i].cancel();
    }

    /** Marks a success that delivers every input's value. */
    private static final Object EVERY_VALUE = new Object();

    /** Succeeds with {@code value}, delivering {@code kept} ({@link #EVERY_VALUE} for all): see {@link #finish}. */
    final void succeedWith(R value, Object kept) {
        finish(value, null, false, kept);
    }

    /** Fails with {@code failure}, or is cancelled with it: see {@link #finish}. */
    final void failWith(Throwable failure, boolean cancelled) {
        finish(null, failure, cancelled, null);
    }

    /**
     * Completes after closing the AsyncCloseable value of every input that succeeded and is not delivered (not
     * {@code kept}). With a failure, every other input's failure and every close failure is suppressed onto it (a
     * cancellation only if it carries cleanup failures). A success that would lose a failure (a cancelled input's
     * cleanup failure, a close that failed) becomes that failure, as a try-with-resources whose close fails does:
     * the value it would have delivered is closed too, and the later failures are suppressed onto the first.
     */
    private void finish(R value, Throwable failure, boolean cancelled, Object kept) {
        finish(value, failure, cancelled, kept, null);
    }

    /** {@link #finish}, where the failure of {@code carrier}, whose cleanup failure became the outcome, is not added. */
    private void finish(R value, Throwable failure, boolean cancelled, Object kept, Task<?> carrier) {
        if (failure == null) {
            for (Task<?> t : inputs) {
                if (!t.cancelledWithCleanupFailures()) continue;
                // The first cleanup failure becomes the outcome, the others suppressed onto it; a nested
                // cancellation's own first failure, as a parent coroutine's end takes it.
                finish(null, Coroutine.asFailure(t), false, null, t);
                return;
            }
        }
        List<Task<Void>> closes = new ArrayList<>();
        for (Task<?> t : inputs) {
            if (t == carrier) continue; // cancelled, so it has no value; its failure is the outcome's source
            Throwable f = t.failureNow();
            if (f == null) {
                Object v = t.valueNow();
                if (v instanceof AsyncCloseable && kept != EVERY_VALUE && v != kept) {
                    closes.add(Coroutine.dropFor((AsyncCloseable) v, failure));
                }
            } else if (failure != null && (!t.isCancelled() || t.cancelledWithCleanupFailures())) {
                Coroutine.suppress(failure, f);
            }
        }
        if (closes.isEmpty()) {
            complete(value, failure, cancelled);
            return;
        }
        Waiter closed = new Waiter() {
            private int left = closes.size();
            private Throwable closeFailure; // of a success: it becomes the failure

            @Override
            public void onCompleted(Task<?> close) {
                Throwable f = close.failureNow();
                synchronized (this) {
                    if (f != null) {
                        if (failure != null) Coroutine.suppress(failure, f);
                        else if (closeFailure == null) closeFailure = f;
                        else Coroutine.suppress(closeFailure, f);
                    }
                    if (--left > 0) return;
                }
                if (closeFailure != null) failClosing(value, closeFailure);
                else complete(value, failure, cancelled);
            }
        };
        for (Task<Void> c : closes) if (!c.addWaiter(closed)) closed.onCompleted(c);
    }

    /** Fails with {@code failure} instead of delivering {@code value}, which is closed first if it is a resource. */
    private void failClosing(R value, Throwable failure) {
        if (!(value instanceof AsyncCloseable)) {
            fail(failure);
            return;
        }
        Task<Void> close = Coroutine.dropFor((AsyncCloseable) value, failure);
        Waiter then = c -> {
            Throwable f = c.failureNow();
            if (f != null) Coroutine.suppress(failure, f);
            fail(failure);
        };
        if (!close.addWaiter(then)) then.onCompleted(close);
    }

    private void complete(R value, Throwable failure, boolean cancelled) {
        if (failure == null) succeed(value);
        else if (cancelled) completeCancelled((CancellationException) failure);
        else fail(failure);
    }

    // ---- the two combinators --------------------------------------------------------------------------------------

    /** {@link Task#all}: the values in order; the first failure cancels the rest. */
    static final class All<T> extends Combination<List<T>> {
        All(List<? extends Task<? extends T>> tasks) {
            super(tasks);
        }

        @Override
        boolean decides(Task<?> input) {
            return input.failureNow() != null;
        }

        @Override
        @SuppressWarnings("unchecked")
        void settle(Task<?> failed) {
            if (failed != null) {
                failWith(failed.failureNow(), false);
                return;
            }
            Object[] values = new Object[inputs.length];
            for (int i = 0; i < values.length; i++) values[i] = inputs[i].valueNow();
            succeedWith((List<T>) Collections.unmodifiableList(Arrays.asList(values)), EVERY_VALUE);
        }
    }

    /** {@link Task#any}: the first success; the losers are cancelled. */
    static final class Any<T> extends Combination<T> {
        Any(List<? extends Task<? extends T>> tasks) {
            super(tasks);
            if (inputs.length == 0) throw new IllegalArgumentException("Task.any needs at least one task");
        }

        @Override
        boolean decides(Task<?> input) {
            return input.failureNow() == null;
        }

        @Override
        @SuppressWarnings("unchecked")
        void settle(Task<?> winner) {
            if (winner != null) {
                succeedWith((T) winner.valueNow(), winner.valueNow());
                return;
            }
            failWith(inputs[0].failureNow(), false); // every input failed: the first, the others suppressed
        }
    }
}
