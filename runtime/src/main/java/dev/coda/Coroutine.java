package dev.coda;

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
 */
public abstract class Coroutine<T> extends Task<T> implements Waiter {
    /** The task this coroutine is suspended on (or, while {@link #adopting}, whose outcome it returns). */
    private Task<?> awaited;
    /** True while the body has returned a pending task whose outcome becomes this task's outcome. */
    private boolean adopting;
    /** The next coroutine in a carrier's run queue; see {@link Carrier}. */
    Coroutine<?> nextQueued;

    protected Coroutine() {}

    /** Runs the body from the current state label until it completes this task or suspends. */
    protected abstract void resume();

    // ---- called by generated code ------------------------------------------------------------------------------

    /** Starts the body on the calling thread and returns this task, pending or already done. */
    public final Task<T> start() {
        Carrier.current().start(this);
        return this;
    }

    /** Whether {@code await(task)} can continue without suspending. */
    public final boolean ready(Task<?> task) {
        if (task == null) throw new NullPointerException("Coda.await was given null instead of a task");
        return task.isDone();
    }

    /** The awaited outcome: the value, or the task's exception rethrown as it was thrown. */
    public final Object take(Task<?> task) {
        return task.resultOrThrow();
    }

    /**
     * Registers this coroutine as {@code task}'s waiter. True: the body must return at once. False: the task
     * completed meanwhile and the body continues with {@link #resumed()}.
     */
    public final boolean suspend(Task<?> task) {
        awaited = task;
        return task.addWaiter(this);
    }

    /** The task the body was suspended on; the reference is dropped so the state machine does not keep it. */
    public final Task<?> resumed() {
        Task<?> task = awaited;
        awaited = null;
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
        succeed(value);
    }

    /** {@code return task}: this task completes as {@code task} does. */
    public final void returnTask(Task<?> task) {
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
            awaited = null;
            adopting = false;
            adopt(task);
        }
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
        Carrier.current().resume(this);
    }

    /** Runs the body once, or finishes an adoption; a throwable that escapes the body is the task's failure. */
    final void step() {
        if (adopting) {
            Task<?> adopted = awaited;
            awaited = null;
            adopting = false;
            adopt(adopted);
            return;
        }
        try {
            resume();
        } catch (Throwable t) {
            fail(t);
        }
    }

    private void adopt(Task<?> task) {
        try {
            succeed(task.resultOrThrow());
        } catch (Throwable t) {
            fail(t);
        }
    }
}
