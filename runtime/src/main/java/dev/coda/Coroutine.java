package dev.coda;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;

/**
 * The base class of every generated state machine. A state machine is the {@link Task} of one async call; it holds
 * the call's {@code state} label, the locals that live across an await, and the drop flags of its owned resources,
 * all as fields of the generated subclass.
 *
 * <p>The public methods below are called by generated code only; they are not API. The protocol at an
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
 * <h2>The control word</h2>
 * <pre>
 *   REQUESTED   set once, by cancel(), on any thread; never cleared
 *   DELIVERED   set by the body's thread at the await that throws Cancelled; from then on no await delivers
 *               again (cleanup runs to completion) and the outcome is cancelled whatever the body does
 *   CLEANUP     set by the body's thread while it awaits in drop glue: a cancellation neither wakes it there
 *               nor cancels what it awaits (a close that has started runs to completion); it only tells that
 *               task, which cancels children it waits for (a TaskScope's close)
 *   ADOPTING    set by the body's thread when the body returned a pending task: the body has ended; a request
 *               then cancels a returned child, or stops waiting for anything else (see stopAdopting)
 *   UNSTARTED   set before a deferred start hands the first step to an executor; cleared by CAS by whoever
 *               claims the start: the executor's runnable, which runs the body, or cancel(), which clears it in
 *               the CAS that sets REQUESTED, and drops the parameters instead
 * </pre>
 * The body's thread changes its bits by CAS, so a concurrent {@code cancel()} is never overwritten.
 *
 * <p>Races between {@code cancel()} and a suspension are closed Dekker-style: {@code cancel()} sets REQUESTED and
 * then reads {@link #awaited}; {@link #suspend} writes {@link #awaited} and then reads REQUESTED. Both are
 * volatile, so at least one side sees the other and wakes the coroutine; the CAS on {@link #awaited} lets only one
 * of them do it. CLEANUP, ADOPTING and DELIVERED are written before {@link #awaited}, so a {@code cancel()} that
 * sees a task there also sees the bits that describe why the body waits for it; a slow {@code cancel()} that finds
 * DELIVERED set does nothing, since the body has met the request already and is unwinding.
 *
 * <h2>Cancelled before the body ran</h2>
 * A coroutine started by {@link TaskScope#spawn} on an executor exists, its parameters bound, before its first step
 * runs. Whoever clears UNSTARTED owns the start. If that is {@code cancel()}, the body never runs: the
 * {@code @Owned} parameters are dropped instead, in reverse order, each close awaited before the next (SPEC §5.3),
 * and the task completes cancelled with their failures suppressed. A request that finds the start claimed already
 * is an ordinary one, met by the body at its first await.
 */
public abstract class Coroutine<T> extends Task<T> implements Waiter {
    private static final int REQUESTED = 1;
    private static final int DELIVERED = 2;
    private static final int CLEANUP = 4;
    private static final int ADOPTING = 8;
    private static final int UNSTARTED = 16;

    /** See the class comment. */
    private volatile int control;
    /**
     * The task this coroutine is suspended on (or, while ADOPTING, whose outcome it returns); null while it runs or
     * is queued to run. Cleared by CAS by whoever claims the resumption.
     */
    private volatile Task<?> awaited;
    /** The task whose completion (or a cancellation) resumed the body; handed to the body by {@link #resumed()}. */
    private Task<?> claimed;
    /** The coroutine whose body was running on this thread when this one started; null once detached. */
    private volatile Coroutine<?> parent;
    /** What a delivered cancellation carries until the task completes; null until then. */
    private Unwinding unwinding;
    /** The next coroutine in a carrier's run queue; see {@link Carrier}. */
    Coroutine<?> nextQueued;

    /** Allocated at delivery, which allocates anyway (the signal, then the outcome). */
    private static final class Unwinding {
        /** Thrown at the delivering await; cleanup failures collect on it as suppressed. */
        final Cancelled signal = new Cancelled();
        /** The close of a value that was in transit at delivery (SPEC §5.5), or null. */
        Task<?> inTransit;
        /** The pending task that an owning await no longer waited for at delivery, or null. */
        Task<?> abandonedProducer;
        /** The outcome, once the body has ended, while {@link #inTransit} is still closing. */
        CancellationException outcome;
    }

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
        int c;
        do {
            if (isDone()) return isCancelled();
            c = control;
            if ((c & REQUESTED) != 0) return !isDone() || isCancelled();
        } while (!CONTROL.compareAndSet(this, c, (c | REQUESTED) & ~UNSTARTED)); // a start not yet run is claimed too
        if ((c & UNSTARTED) != 0) {
            dropUnstarted(null);
            return true;
        }
        Task<?> on = awaited;
        // Running or queued: the body meets the request at its next await. And between the CAS above and here the
        // body may already have met it and be awaiting cleanup, which nothing may interrupt: then leave it alone.
        int bits = control;
        if (on == null || (bits & DELIVERED) != 0) return !isDone() || isCancelled();
        if ((bits & CLEANUP) != 0) {
            if (isChild(on)) on.parentCancelled();
        } else if ((bits & ADOPTING) != 0) {
            stopAdopting(on);
        } else {
            wake(on);
        }
        return !isDone() || isCancelled();
    }

    @Override
    public final Task<T> detach() {
        parent = null;
        return this;
    }

    // ---- called by generated code ------------------------------------------------------------------------------

    /**
     * Starts the body on the calling thread and returns this task, pending or already done; or, inside the body of
     * a {@link TaskScope#spawn} on an executor, hands the first step to that executor.
     */
    public final Task<T> start() {
        Carrier carrier = Carrier.current();
        parent = carrier.running();
        Executor executor = carrier.deferringTo();
        if (executor == null) {
            carrier.start(this);
        } else {
            carrier.deferred(this);
            startOn(executor);
        }
        return this;
    }

    /**
     * The {@code @Owned} parameters, in declaration order, for a body that never ran; the fields that held them are
     * cleared. Generated state machines with such parameters override this.
     */
    protected AsyncCloseable[] ownedParameters() {
        return NO_PARAMETERS;
    }

    private static final AsyncCloseable[] NO_PARAMETERS = {};

    /** Whether {@code await(task)} can continue without suspending. */
    public final boolean ready(Task<?> task) {
        if (task == null) throw new NullPointerException("Coda.await was given null instead of a task");
        if ((control & (REQUESTED | DELIVERED)) != REQUESTED) return task.isDone();
        // A cancellation waits to be delivered: at once, unless the task is a pending child, which is cancelled
        // and waited for first.
        if (task.isDone() || !isChild(task)) return true;
        task.cancel();
        return false;
    }

    /** The awaited outcome: the value, or the task's exception rethrown as it was thrown; or {@link Cancelled}. */
    public final Object take(Task<?> task) {
        if ((control & (REQUESTED | DELIVERED)) == REQUESTED) throw deliver(task).signal;
        return task.resultOrThrow();
    }

    /**
     * {@link #take} for an await whose value goes straight into an owned variable. If the cancellation is delivered
     * here and the task already produced an {@link AsyncCloseable}, that value is in transit: nobody owns it yet,
     * so it is closed here, and the task completes only after that close (SPEC §5.5).
     */
    public final Object takeOwned(Task<?> task) {
        if ((control & (REQUESTED | DELIVERED)) != REQUESTED) return task.resultOrThrow();
        Unwinding u = deliver(task);
        if (task.isDone()) {
            AsyncCloseable value = closeableValue(task);
            if (value != null) u.inTransit = dropFailing(value, true, u.signal);
        } else {
            u.abandonedProducer = task; // see finishCancelled
        }
        throw u.signal;
    }

    /**
     * For a producer that was no longer waited for (a foreign task, abandoned at delivery) and had produced nothing
     * by the time the body ended: the AsyncCloseable it produces later is closed when it arrives, so it is not leaked.
     * The cancelled task does not wait for that close, as it does not wait for the producer.
     */
    private static final Waiter DROP_LATE_VALUE = source -> {
        AsyncCloseable value = closeableValue(source);
        if (value != null) dropFailing(value, true, null);
    };

    /** The value of a done task if it succeeded with an AsyncCloseable, else null. */
    private static AsyncCloseable closeableValue(Task<?> task) {
        if (!task.isDone() || task.failureNow() != null) return null; // a producer that failed made nothing
        Object value = task.valueNow();
        return value instanceof AsyncCloseable ? (AsyncCloseable) value : null;
    }

    /** {@link #ready} for an await of drop glue, which is never a point where cancellation is delivered. */
    public final boolean readyCleanup(Task<?> task) {
        if (task == null) throw new NullPointerException("closeAsync() returned null instead of a task");
        if (task.isDone()) return true;
        setBits(CLEANUP);
        return false;
    }

    /** {@link #take} for an await of drop glue. */
    public final Object takeCleanup(Task<?> task) {
        if ((control & CLEANUP) != 0) clearBits(CLEANUP);
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
        int c = control;
        if ((c & (REQUESTED | DELIVERED | CLEANUP)) == REQUESTED) wake(task);
        else if ((c & REQUESTED) != 0 && isChild(task)) task.parentCancelled(); // unwinding or in cleanup: told only
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

    /** Drop glue: starts closing {@code resource} if its drop flag {@code live} is set; a done task otherwise. */
    public static Task<Void> drop(AsyncCloseable resource, boolean live) {
        if (!live) return Task.done();
        Task<Void> closing;
        try {
            closing = resource.closeAsync();
        } catch (Throwable t) {
            return Task.failed(t);
        }
        return closing != null ? closing : Task.failed(new NullPointerException(
                "closeAsync() of " + resource.getClass().getName() + " returned null instead of a task"));
    }

    /**
     * Drop glue on an exceptional exit, with {@code inFlight} the exception (a {@link Cancelled} when unwinding; null
     * for a value nobody wanted, closed by the runtime): {@link #drop}, after a {@link TaskScope} has cancelled its
     * children (SPEC §7: an exceptional exit cancels them).
     */
    public static Task<Void> dropFailing(AsyncCloseable resource, boolean live, Throwable inFlight) {
        if (live && resource instanceof TaskScope) ((TaskScope) resource).ownerFailing();
        return drop(resource, live);
    }

    /** Drop glue: a drop that failed while {@code primary} was in flight is suppressed onto it (JLS 14.20.3). */
    public static void suppress(Throwable primary, Throwable dropFailure) {
        if (primary != dropFailure) primary.addSuppressed(dropFailure);
    }

    /** Drop glue: the value of a drop flag for {@code value} just stored in an owned variable. */
    public static boolean owns(Object value) {
        return value != null;
    }

    /** Marks an await of drop glue for the transformer; the rewrite replaces every call. */
    public static Object awaitCleanup(Task<?> task) {
        throw new IllegalStateException("Coroutine.awaitCleanup is a marker for the Coda transformer");
    }

    /** Marks an await whose value goes straight into an owned variable; the rewrite replaces every call. */
    public static Object awaitOwned(Task<?> task) {
        throw new IllegalStateException("Coroutine.awaitOwned is a marker for the Coda transformer");
    }

    /** {@code return Task.completed(value)} and friends. */
    public final void returnValue(Object value) {
        if (unwinding != null) finishCancelled(null);
        else succeed(value);
    }

    /** {@code return task}: this task completes as {@code task} does. */
    public final void returnTask(Task<?> task) {
        if (unwinding != null) {
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
        setBits(ADOPTING);
        awaited = task;
        if (!task.addWaiter(this)) {
            if (!claim(task)) return; // a cancel() claimed it (a foreign task: it completed cancelled)
            clearBits(ADOPTING);
            adopt(resumed());
            return;
        }
        // A request made before awaited was set found nothing to stop: it is met here (see the class comment).
        if ((control & REQUESTED) != 0) stopAdopting(task);
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

    /** Runs the body once, or finishes an ended body; a throwable that escapes the body is the task's failure. */
    final void step() {
        Unwinding u = unwinding;
        if (u != null && u.outcome != null) {
            completeCancelled(withFailureOf(resumed(), u.outcome));
            return;
        }
        if ((control & ADOPTING) != 0) {
            clearBits(ADOPTING);
            adopt(resumed());
            return;
        }
        try {
            resume();
        } catch (Throwable t) {
            if (unwinding != null) finishCancelled(t);
            else fail(t);
        }
    }

    /** The deferred start: the executor runs the first step unless a cancellation claims the start first. */
    private void startOn(Executor executor) {
        control = UNSTARTED; // published to the runnable by execute(), and to cancel() by this task's publication
        try {
            executor.execute(this::startDeferred);
        } catch (Throwable rejected) { // RejectedExecutionException, or any failure of a foreign executor
            if (claimStart()) dropUnstarted(rejected);
            else throw rejected; // the runnable ran inline, and what it ran threw: not the executor's refusal
        }
    }

    private void startDeferred() {
        if (claimStart()) Carrier.current().start(this); // else cancel() claimed it, and dropped the parameters
    }

    /** Clears UNSTARTED: true for exactly one caller per deferred start (cancel() clears it with REQUESTED). */
    private boolean claimStart() {
        int c;
        do {
            c = control;
            if ((c & UNSTARTED) == 0) return false;
        } while (!CONTROL.compareAndSet(this, c, c & ~UNSTARTED));
        return true;
    }

    /**
     * Drops the {@code @Owned} parameters of a body that never ran, then completes cancelled, or failed with
     * {@code rejected} when the executor refused the start.
     */
    private void dropUnstarted(Throwable rejected) {
        Throwable primary = rejected != null ? rejected : new CancelledOutcome();
        new ParameterDrops(this, ownedParameters(), primary).next();
    }

    /** The drops of {@link #dropUnstarted}, last parameter first, each awaited before the next starts. */
    private static final class ParameterDrops implements Waiter {
        private final Coroutine<?> task;
        private final AsyncCloseable[] owned;
        private final Throwable primary;
        private int next;

        ParameterDrops(Coroutine<?> task, AsyncCloseable[] owned, Throwable primary) {
            this.task = task;
            this.owned = owned;
            this.primary = primary;
            this.next = owned.length - 1;
        }

        /** Starts drops until one is pending (its completion continues here) or all are done. */
        void next() {
            while (next >= 0) {
                AsyncCloseable value = owned[next];
                owned[next--] = null;
                Task<Void> closing = dropFailing(value, value != null, primary);
                if (!closing.isDone() && closing.addWaiter(this)) return;
                collect(closing);
            }
            if (primary instanceof CancellationException) task.completeCancelled((CancellationException) primary);
            else task.fail(primary);
        }

        @Override
        public void onCompleted(Task<?> closing) {
            collect(closing);
            next();
        }

        private void collect(Task<?> closing) {
            Throwable failure = closing.failureNow();
            if (failure != null) suppress(primary, failure);
        }
    }

    @Override
    final Coroutine<?> parent() {
        return parent;
    }

    /** True once a cancellation was delivered to the body. Read on the body's own thread. */
    final boolean isUnwinding() {
        return unwinding != null;
    }

    /**
     * A cancellation reaches a body that has ended by returning the pending task {@code on}: a child is cancelled
     * (this task then completes as it does); anything else is no longer waited for, as at an await (SPEC §6), and
     * this task completes cancelled at once. A returned task is passed through, not owned: a value it produces
     * later belongs to whoever else holds it, and is left alone. Called by cancel() and by the body's thread, once
     * each at most: the claim lets one of them act; both unregister, so the foreign task does not keep this one.
     */
    private void stopAdopting(Task<?> on) {
        if (isChild(on)) {
            on.cancel();
            return;
        }
        boolean mine = claim(on);
        on.removeWaiter(this);
        if (mine) {
            claimed = null;
            completeCancelled(new CancelledOutcome());
        }
    }

    private boolean isChild(Task<?> task) {
        return task.parent() == this;
    }

    /** Takes the resumption owed for {@code task}: true for exactly one caller per suspension. */
    private boolean claim(Task<?> task) {
        if (!AWAITED.compareAndSet(this, task, null)) return false;
        claimed = task;
        return true;
    }

    /** A cancellation reaches a body suspended on {@code on}: a child is cancelled, anything else abandoned. */
    private void wake(Task<?> on) {
        if (isChild(on)) {
            on.cancel();
        } else if (claim(on)) {
            on.removeWaiter(this); // abandoned: a foreign task that never completes must not keep this one alive
            Carrier.current().resume(this);
        }
    }

    private void setBits(int bits) {
        int c;
        do c = control; while (!CONTROL.compareAndSet(this, c, c | bits));
    }

    private void clearBits(int bits) {
        int c;
        do c = control; while (!CONTROL.compareAndSet(this, c, c & ~bits));
    }

    /**
     * Delivers the requested cancellation at an await of {@code awaited}: the body unwinds from here. A child that
     * was cancelled and waited for may have failed in its cleanup: that failure is kept, suppressed onto the signal.
     */
    private Unwinding deliver(Task<?> awaited) {
        setBits(DELIVERED);
        Unwinding u = new Unwinding();
        unwinding = u;
        Throwable childOutcome = isChild(awaited) ? awaited.failureNow() : null;
        if (childOutcome != null) {
            boolean bareCancellation = childOutcome instanceof CancellationException
                    && childOutcome.getSuppressed().length == 0;
            if (!bareCancellation) u.signal.addSuppressed(childOutcome);
        }
        return u;
    }

    /**
     * The body ended after a delivered cancellation: the outcome is cancelled whatever it did. What was raised
     * during cleanup, collected on the signal or thrown in its place, is suppressed onto the outcome, which is
     * published once a value dropped in transit has been closed.
     */
    private void finishCancelled(Throwable thrown) {
        Unwinding u = unwinding;
        CancellationException outcome = new CancelledOutcome();
        for (Throwable s : u.signal.getSuppressed()) outcome.addSuppressed(s);
        if (thrown != null && thrown != u.signal) outcome.addSuppressed(thrown);
        Task<?> drop = u.inTransit;
        Task<?> producer = u.abandonedProducer;
        if (producer != null && !producer.isDone() && producer.addWaiter(DROP_LATE_VALUE)) {
            producer = null; // still producing: its value will be closed when it arrives
        }
        if (producer != null) {
            // It produced while the body unwound: that value was in transit too, and is waited for like one.
            AsyncCloseable value = closeableValue(producer);
            if (value != null) drop = dropFailing(value, true, u.signal);
        }
        if (drop != null && !drop.isDone()) {
            // No cancel() claims this: DELIVERED is set, so cancel() leaves any suspension from now on alone.
            u.outcome = outcome;
            awaited = drop;
            if (drop.addWaiter(this)) return; // step() completes once the drop has finished
            awaited = null;
        }
        completeCancelled(withFailureOf(drop, outcome));
    }

    /** {@code outcome}, with the failure of {@code drop} (if any) suppressed onto it. */
    private static CancellationException withFailureOf(Task<?> drop, CancellationException outcome) {
        Throwable failure = drop == null ? null : drop.failureNow();
        if (failure != null) outcome.addSuppressed(failure);
        return outcome;
    }

    /**
     * Completes as the returned task did. A returned child that ended cancelled because this task was cancelled
     * makes this task cancelled too; otherwise a cancelled task adopted is a failure, as awaiting it would be.
     */
    private void adopt(Task<?> task) {
        try {
            succeed(task.resultOrThrow());
        } catch (Throwable t) {
            if (task.isCancelled() && (control & REQUESTED) != 0 && isChild(task) && t instanceof CancellationException) {
                completeCancelled((CancellationException) t);
            } else {
                fail(t);
            }
        }
    }
}
