package dev.coda;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletionStage;

/**
 * The base class of every generated state machine. A state machine is the {@link Task} of one async call; it holds
 * the call's {@code state} label, the locals that live across an await, and (for owned resources) drop flags,
 * all as fields of the generated subclass.
 *
 * <p>The public final methods below are called by generated code only; they are not API. The protocol at an
 * {@code await(task)} is:
 * <pre>
 *   if (sm.ready(task)) value = sm.take(task);               // fast path: no suspension, no allocation
 *   else { spill; sm.state = k; if (sm.suspend(task)) return; // registered: the frame unwinds, nothing else touched
 *          restore; task = sm.resumed(); value = sm.take(task); }
 * </pre>
 * After {@link #suspend} returns true the suspending frame must not touch the state machine again: the awaited
 * task may already be resuming it on another thread. The CAS that registered the waiter, paired with the
 * completing thread's swap of the waiter stack, orders every field written before the suspension before the
 * resumption reads it.
 *
 * <h2>Resumption is claimed</h2>
 * A suspended coroutine can be woken by two parties: the task it awaits, and {@link #cancel()}. Whoever moves
 * {@link #awaited} from the task to null by CAS owns the resumption; the other does nothing. A waiter left behind on
 * a task that no longer matters therefore never resumes the coroutine a second time.
 *
 * <h2>Cancellation</h2>
 * {@link #control} holds two bits. {@code REQUESTED} is set once, by any thread, by {@link #cancel()}.
 * {@code DELIVERED} is set by the body's own thread at the {@code await} that throws {@link Cancelled}; from then on
 * no await delivers again (cleanup runs to completion) and the outcome is cancelled whatever the body does. Cleanup
 * awaits (drop glue) are never delivery points: they use {@link #readyCleanup}/{@link #takeCleanup}.
 *
 * <p>Races between {@code cancel()} and a suspension are closed Dekker-style: {@code cancel()} sets REQUESTED and
 * then reads {@link #awaited}; {@link #suspend} writes {@link #awaited} and then reads REQUESTED. Both are
 * volatile, so at least one side sees the other and wakes the coroutine; the CAS on {@link #awaited} lets only one
 * of them do it.
 */
public abstract class Coroutine<T> extends Task<T> implements Waiter {
    private static final int REQUESTED = 1;
    private static final int DELIVERED = 2;

    /** Cancellation bits; see the class comment. */
    private volatile int control;
    /**
     * The task this coroutine is suspended on (or, while {@link #adopting}, whose outcome it returns); null while it
     * runs or is queued to run. Cleared by CAS by whoever claims the resumption.
     */
    private volatile Task<?> awaited;
    /** The task whose completion (or a cancellation) resumed the body; handed to the body by {@link #resumed()}. */
    private Task<?> claimed;
    /** True while the body awaits in drop glue: a cancellation neither wakes it nor cancels what it awaits. */
    private boolean cleaningUp;
    /** True while the body has returned a pending task whose outcome becomes this task's outcome. */
    private boolean adopting;
    /** The coroutine whose body was running on this thread when this one started; null once detached. */
    private volatile Coroutine<?> parent;
    /** The signal thrown at delivery; cleanup failures collect on it as suppressed. */
    private Cancelled cancelled;
    /** The next coroutine in a carrier's run queue; see {@link Carrier}. */
    Coroutine<?> nextQueued;

    private static final VarHandle CONTROL;
    private static final VarHandle AWAITED;
    static {
        try {
            MethodHandles.Lookup l = MethodHandles.lookup();
            CONTROL = l.findVarHandle(Coroutine.class, "control", int.class);
            AWAITED = l.findVarHandle(Coroutine.class, "awaited", Task.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    protected Coroutine() {}

    /** Runs the body from the current state label until it completes this task or suspends. */
    protected abstract void resume();

    // ---- API ----------------------------------------------------------------------------------------------------

    /**
     * Requests cancellation (SPEC §6): delivered at the body's current or next await, which throws
     * {@link Cancelled}. If the body is suspended on a task of its own (a child), that task is cancelled and the
     * body keeps waiting for it, its cleanup included; if it is suspended on anything else, it is woken at once.
     *
     * @return true if the task is cancelled, or its cancellation is under way; false if it completed otherwise
     *     (a body that finishes without reaching another await completes with its own outcome)
     */
    @Override
    public final boolean cancel() {
        if (isDone()) return isCancelled();
        int c;
        do {
            c = control;
            if ((c & REQUESTED) != 0) return !isDone() || isCancelled();
        } while (!CONTROL.compareAndSet(this, c, c | REQUESTED));
        Task<?> on = awaited;
        if (on != null && !cleaningUp) {
            if (adopting) {
                if (isChild(on)) on.cancel(); // the body has finished: only a returned child is cancelled
            } else {
                wake(on);
            }
        }
        return true;
    }

    @Override
    public final Task<T> detach() {
        parent = null;
        return this;
    }

    // ---- called by generated code ------------------------------------------------------------------------------

    /** Starts the body on the calling thread and returns this task, pending or already done. */
    public final Task<T> start() {
        Carrier carrier = Carrier.current();
        parent = carrier.running();
        carrier.start(this);
        return this;
    }

    /** Whether {@code await(task)} can continue without suspending. */
    public final boolean ready(Task<?> task) {
        if (task == null) throw new NullPointerException("Coda.await was given null instead of a task");
        if (control != REQUESTED) return task.isDone();
        // A cancellation waits to be delivered: at once, unless the task is a pending child, which is cancelled
        // and waited for first.
        if (task.isDone() || !isChild(task)) return true;
        task.cancel();
        return false;
    }

    /** The awaited outcome: the value, or the task's exception rethrown as it was thrown; or {@link Cancelled}. */
    public final Object take(Task<?> task) {
        if (control == REQUESTED) throw deliver();
        return task.resultOrThrow();
    }

    /** {@link #ready} for an await of drop glue, which is never a point where cancellation is delivered. */
    public final boolean readyCleanup(Task<?> task) {
        if (task == null) throw new NullPointerException("closeAsync() returned null instead of a task");
        cleaningUp = true;
        return task.isDone();
    }

    /** {@link #take} for an await of drop glue. */
    public final Object takeCleanup(Task<?> task) {
        cleaningUp = false;
        return task.resultOrThrow();
    }

    /**
     * Registers this coroutine as {@code task}'s waiter. True: the body must return at once. False: the task
     * completed meanwhile, or a cancellation claimed the resumption back; the body continues with
     * {@link #resumed()}.
     */
    public final boolean suspend(Task<?> task) {
        awaited = task; // volatile write, then the read of control below: see the class comment
        if (!task.addWaiter(this)) return !claim(task);
        if (control == REQUESTED && !cleaningUp) wake(task);
        return true;
    }

    /** The task the body was suspended on; the reference is dropped so the state machine does not keep it. */
    public final Task<?> resumed() {
        Task<?> task = claimed;
        claimed = null;
        return task;
    }

    /**
     * Initialises {@code type} as a {@code NEW} of it would: used where the transformer moved a {@code NEW} after
     * constructor arguments that await. Cached per class, so only the first call per class does any work.
     */
    public static void initialize(Class<?> type) {
        INITIALIZED.get(type);
    }

    private static final ClassValue<Boolean> INITIALIZED = new ClassValue<>() {
        @Override
        protected Boolean computeValue(Class<?> type) {
            try {
                Class.forName(type.getName(), true, type.getClassLoader());
            } catch (ClassNotFoundException e) {
                throw new NoClassDefFoundError(type.getName());
            }
            return Boolean.TRUE;
        }
    };

    /** Adapts the operand of {@code await(CompletionStage)}. */
    public static Task<?> adapt(CompletionStage<?> stage) {
        return Task.from(stage);
    }

    /** {@code return Task.completed(value)} and friends. */
    public final void returnValue(Object value) {
        if (cancelled != null) finishCancelled(null);
        else succeed(value);
    }

    /** {@code return task}: this task completes as {@code task} does. */
    public final void returnTask(Task<?> task) {
        if (cancelled != null) {
            finishCancelled(null);
            return;
        }
        if (task == null) {
            fail(new NullPointerException("async function returned null instead of a Task"));
            return;
        }
        if (task.isDone()) {
            adopt(task);
            return;
        }
        adopting = true;
        awaited = task;
        if (!task.addWaiter(this)) {
            if (!claim(task)) return; // a cancel() claimed it and resumes us: step() adopts
            adopting = false;
            adopt(task);
            return;
        }
        if (control == REQUESTED && isChild(task)) task.cancel();
    }

    /** {@code return stage} from a function declared to return a CompletableFuture or CompletionStage. */
    public final void returnStage(CompletionStage<?> stage) {
        if (stage == null) {
            fail(new NullPointerException("async function returned null instead of a CompletionStage"));
            return;
        }
        returnTask(Task.from(stage));
    }

    // ---- runtime ------------------------------------------------------------------------------------------------

    /**
     * The awaited (or adopted) task completed. Both cases go through the carrier's queue: adopting inline would
     * nest one frame per link of a chain of {@code return task} calls, just as resuming inline would.
     */
    @Override
    public final void onCompleted(Task<?> source) {
        if (claim(source)) Carrier.current().resume(this);
    }

    /** Runs the body once, or finishes an adoption; a throwable that escapes the body is the task's failure. */
    final void step() {
        if (adopting) {
            Task<?> adopted = resumed();
            adopting = false;
            adopt(adopted);
            return;
        }
        try {
            resume();
        } catch (Throwable t) {
            if (cancelled != null) finishCancelled(t);
            else fail(t);
        }
    }

    /** The coroutine that was running when this one started, unless detached. */
    final Coroutine<?> parent() {
        return parent;
    }

    private boolean isChild(Task<?> task) {
        return task instanceof Coroutine && ((Coroutine<?>) task).parent == this;
    }

    /** Takes the resumption owed for {@code task}: true for exactly one caller per suspension. */
    private boolean claim(Task<?> task) {
        if (!AWAITED.compareAndSet(this, task, null)) return false;
        claimed = task;
        return true;
    }

    /** A cancellation reaches a body suspended on {@code on}: a child is cancelled, anything else abandoned. */
    private void wake(Task<?> on) {
        if (isChild(on)) on.cancel();
        else if (claim(on)) Carrier.current().resume(this);
    }

    /** Delivers the requested cancellation: the body unwinds from here. */
    private Cancelled deliver() {
        control = REQUESTED | DELIVERED; // only the body's thread writes DELIVERED, and REQUESTED is never cleared
        cancelled = new Cancelled();
        return cancelled;
    }

    /**
     * The body ended after a delivered cancellation: the outcome is cancelled whatever it did. What was raised
     * during cleanup, collected on the {@link Cancelled} or thrown in its place, is suppressed onto the outcome.
     */
    private void finishCancelled(Throwable thrown) {
        CancellationException outcome = new CancellationException("cancelled");
        for (Throwable s : cancelled.getSuppressed()) outcome.addSuppressed(s);
        if (thrown != null && thrown != cancelled) outcome.addSuppressed(thrown);
        cancelled = null;
        completeCancelled(outcome);
    }

    private void adopt(Task<?> task) {
        try {
            succeed(task.resultOrThrow());
        } catch (Throwable t) {
            fail(t);
        }
    }
}
