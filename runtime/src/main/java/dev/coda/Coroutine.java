package dev.coda;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;
import java.util.function.BiConsumer;

/**
 * The base class of every generated state machine. A state machine is the {@link Task} of one async call; it holds
 * the call's {@code state} label, the locals that live across an await, and the drop flags of its owned resources,
 * all as fields of the generated subclass.
 *
 * <p><b>Internal: not an API.</b> This class is public only because the state machines the transformer generates in
 * users' packages extend it. It may change in any release; do not use it, call its methods or extend it by hand.
 *
 * <p>The public methods below are called by generated code only. The protocol at an
 * {@code await(task)} is:
 * <pre>
 *   if (sm.ready(task)) value = sm.take(task);               // fast path: no suspension, no allocation
 *   else { spill; sm.state = k; if (sm.suspend(task)) return; // registered: the frame unwinds, nothing else touched
 *          restore; task = sm.resumed(); value = sm.take(task); }
 * </pre>
 * After {@link #suspend} returns true the suspending frame must not touch the state machine again: the awaited
 * task may already be resuming it on another thread.
 *
 * <h2>The state word</h2>
 * A coroutine's lifecycle is one atomic int, {@link Task#state}, shared with its task's outcome:
 * <pre>
 *   bits 0-2   outcome   PENDING, SUCCEEDED, FAILED, CANCELLED                  (Task)
 *   bit  3     OBSERVED  the failure was seen; bit 4 CLEANUP_WORK: started while the parent unwound  (Task)
 *   bit  5     DETACHED  unused by a coroutine (a view's, a yield's)             (Task)
 *   bits 6-7   phase     RUNNING, FINISHING, UNSTARTED
 *   bit  8     REQUESTED cancel() was called; never cleared
 *   bit  9     DELIVERED the body met the request and unwinds; no await delivers again
 *   bit  10    CLEANUP   the body awaits drop glue, which a request never interrupts
 *   bit  11    REFUSED   the executor refused a deferred start: the body never runs, the task fails
 * </pre>
 * The phases and who moves them:
 * <pre>
 *   UNSTARTED ──start claimed (runnable)──▶ RUNNING        UNSTARTED ──cancel()──▶ FINISHING (parameters dropped)
 *   UNSTARTED ──the executor refused the start──▶ FINISHING | REFUSED (parameters dropped)
 *   RUNNING ──the body ended, something to wait for──▶ FINISHING ──last wait over──▶ outcome
 *   RUNNING ──the body ended, nothing to wait for──▶ outcome
 * </pre>
 * A hand-written coroutine cancelled before a deferred start is UNSTARTED with REQUESTED: the start still runs the
 * body, which meets the request at its first await, as an inline start would.
 *
 * <h2>Suspension: the claim is the registration</h2>
 * RUNNING covers a body that runs and one that is suspended: a suspension does not touch the word. It is one
 * registration on the awaited task's waiter stack, and whoever takes that registration off the stack owns the one
 * resumption of that suspension: the task's completion (its swap takes the whole stack), {@code cancel()}, or the
 * body itself, each with an atomic step on the same stack ({@link Task#removeWaiter}). So a suspension costs one CAS
 * and one read of the word, and its resumption nothing on the coroutine.
 * <ul>
 *   <li>The body writes {@link #awaited}, registers (a CAS), then reads the word; {@code cancel()} sets REQUESTED (a
 *       CAS), then fences and reads {@code awaited}. So at least one of them sees the other: a request that the
 *       body's read misses finds the registration, and one that finds nothing is met by the body, which takes its
 *       own registration back and meets it at once. {@code awaited} is a plain field: this relies on the
 *       registration's CAS ordering the write before it as a full fence does (a locked instruction on x86, a
 *       release CAS on AArch64), which the language's memory model does not promise for a plain write; a volatile
 *       field would, at the cost of a fence per suspension.</li>
 *   <li>Only one registration of a suspension can be taken back by a request before the request is delivered: the
 *       first removal wakes the body, which delivers it. A stale taker (a {@code cancel()} or a suspending frame
 *       that read the word before) may still take a later registration on the same pending task: one made after
 *       delivery, or in drop glue, which a request never ends. It finds DELIVERED or CLEANUP in the word after its
 *       removal, which it could not if the registration were the one it meant (that body is held by its
 *       registration, so it cannot have delivered since), puts the registration back and, if the task completed in
 *       between, resumes the body itself. So every suspension is resumed exactly once.</li>
 *   <li>A completion that comes between the registration and the frame's return resumes the body on its own
 *       thread at once: the frame touches nothing of the state machine after {@link #suspend} returns true.</li>
 * </ul>
 * A {@code CompletableFuture} awaited directly is registered on directly, this coroutine its callback
 * ({@link #suspendStage}): a callback cannot be taken back, so there the one resumption is the future's completion,
 * and a request is met by cancelling the future, which completes it (the future belongs to the awaiting body). The
 * same handshake on {@code awaited} and the word decides whether {@code cancel()} or the suspending frame cancels it;
 * both may, which is harmless. A stale read names a future that is done, which cannot be suspended on again.
 *
 * <h2>Children and the one way to complete</h2>
 * A {@link ChildTask} started while this body runs is its child: one still running, or failed, when its first step
 * returns joins a list of this coroutine's children, newest first, linked through the children themselves. Quiet
 * children (done, and nothing to report) are released as new ones come. Every way the body ends (a value, a
 * returned task, a throw, a delivered cancellation) goes through {@link #end}: it waits for the children still
 * running (cancelling them first on an exceptional exit), for a returned task, and for values closed in transit;
 * then {@link #conclude} merges what they left into one outcome, and {@link #finish}, the one place the task
 * completes, publishes it. A body that never ran concludes through the same place. A value returned with no child
 * listed and nothing delivered goes straight to {@link #finish}: {@link #end} and {@link #conclude} would have
 * nothing to do. Bookkeeping ({@link Ending}) is allocated only when there is something to wait for.
 *
 * <h2>Atomic accesses on a suspension</h2>
 * A call that suspends on a pending runtime task and is resumed when another party completes it pays, for that
 * await, two atomic steps, both on the task's waiter stack:
 * <ul>
 *   <li>the CAS that registers: the completion, or a {@code cancel()} taking the registration back, may race it;</li>
 *   <li>the task's completion: the CAS that claims it, deciding between rival completers (a cancellation, a second
 *       {@code complete}) and taking the waiters in the same step. The outcome is published with release stores.</li>
 * </ul>
 * Nothing is written to the coroutine's word for a suspension or a resumption. Starting a call from a body costs a
 * release store (its parent; a call from outside async code, none); the coroutine's own completion is one CAS, the
 * claim of its waiter stack (a registration, a {@code join()} from another thread, may race it), and a call that ends
 * before it ever suspended publishes with release stores alone. A {@link CompletableTask} adds one CAS to its
 * completion: the step that decides between its completion and its cancellation hook. An await of a done task reads
 * two volatile words and writes nothing. The least any correct design pays is one atomic step to register and one to
 * complete; the difference is the claim against rival completers, which a one-shot gate with a single completer does
 * without. An await of a pending plain {@code CompletableFuture} adds no atomic step to the future's own: its
 * {@code whenComplete} push, and its completion's claim of the callback.
 *
 * @param <T> the type of the task's value
 * @hidden
 */
public abstract class Coroutine<T> extends ChildTask<T> implements Waiter, BiConsumer<Object, Throwable> {
    private static final int PHASE = 3 << 6;
    private static final int RUNNING = 0;
    private static final int FINISHING = 1 << 6;
    private static final int UNSTARTED = 2 << 6;
    private static final int REQUESTED = 1 << 8;
    private static final int DELIVERED = 1 << 9;
    private static final int CLEANUP = 1 << 10;
    private static final int REFUSED = 1 << 11;

    /** What {@link #awaited} holds between suspensions: the body has suspended before, and is running now. */
    private static final Task<?> NOTHING = Task.done();

    /**
     * What a body writes to {@link #awaited}, still null, when its first step in the stub's frame threw out of the
     * body's last handler before any suspension, before it calls {@link #exitThrowing}: this coroutine no longer
     * runs on this thread, whatever the thread's carrier says. Not written once the step has suspended: another
     * thread may own the state machine then.
     */
    public static final Object THREW = new Object();

    /**
     * What the current suspension waits for (see the class comment): a task, or a {@code CompletableFuture}
     * registered on directly (see {@link #suspendStage}); null if the body has never suspended (nor been handed to
     * another thread: a deferred start), {@link #NOTHING} while it runs after that. Before the first step of a start
     * through {@link #startWith}: the arguments kept for it. {@link #THREW} once a first step that never suspended
     * threw out of its body.
     *
     * <p>Public for the body's last handler, which reads it and makes that last write without a call (see
     * {@link #exitThrowing}).
     */
    public Object awaited;
    /**
     * The newest child in this coroutine's list, linked through {@link ChildTask#olderSibling}; or, once there is
     * one, the {@link Ending}, which then holds the newest child. One field for both keeps every state machine a
     * field smaller: most calls never need an Ending, and those that do reach the newest child through it. Written
     * on the body's thread, and cleared by the end's conclusion once the outcome is published; other threads read the
     * Ending only once FINISHING has published it.
     */
    private Object family;

    private static final VarHandle FAMILY;
    static {
        try {
            FAMILY = MethodHandles.lookup().findVarHandle(Coroutine.class, "family", Object.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    /** For generated subclasses: a coroutine that has not started; its body starts it (see {@link #enter}). */
    protected Coroutine() {}

    /** Runs the body from the current state label until it completes this task or suspends. */
    protected abstract void resume();

    // ---- API ----------------------------------------------------------------------------------------------------

    /**
     * Requests cancellation: delivered at the body's current or next await, which throws
     * {@link Cancelled}. If the body is suspended on a task of its own (a child), that task is cancelled and the
     * body keeps waiting for it, its cleanup included; if it is suspended on anything else, it is woken at once.
     * If the body has ended and waits for its children, they are cancelled, and a returned task too.
     *
     * @return true if the task is cancelled, or its cancellation is under way: the request reached a body that is
     *     running or suspended, which meets it at its next await (one that then finishes without reaching another
     *     await keeps its own outcome after all); false if the task completed otherwise, or its end has already
     *     decided an outcome other than a cancellation (a body that returned a value, a start its executor refused)
     */
    @Override
    public final boolean cancel() {
        int s;
        int next;
        do {
            s = state;
            if ((s & OUTCOME) != PENDING) return cancelledInTheEnd();
            if ((s & REQUESTED) != 0) return cancelledInTheEnd();
            next = s | REQUESTED;
            // A start not yet run is claimed in the same CAS: the body will never run.
            if ((s & PHASE) == UNSTARTED) next = (next & ~PHASE) | FINISHING;
        } while (!STATE.compareAndSet(this, s, next));
        switch (s & PHASE) {
            case UNSTARTED:
                dropUnstarted(null);
                return true;
            case RUNNING:
                // Running, or suspended: the body meets the request at its next await, or in the suspension it is
                // making; a suspension made already is woken from here.
                wakeForRequest();
                break;
            case FINISHING:
                // The body has ended; its Ending was published by the CAS that set FINISHING (a body that never ran
                // has none: its parameters are being dropped, and nothing else is left to cancel).
                Ending e = endingOrNull();
                if (e != null) e.requested(this);
                break;
            default:
                break;
        }
        return cancelledInTheEnd();
    }

    /** What cancel() reports: see its comment. */
    private boolean cancelledInTheEnd() {
        awaitPublication(); // a completion a few instructions long
        int s = state;
        if ((s & OUTCOME) != PENDING) return (s & OUTCOME) == CANCELLED;
        if ((s & PHASE) != FINISHING) return true; // the body meets the request at its next await
        // An ended body keeps its Ending until the outcome is published, and then clears it with a release store
        // (conclude): read with an acquire, a cleared one shows the outcome.
        if (FAMILY.getAcquire(this) instanceof Ending e) return e.endsCancelled();
        s = state;
        if ((s & OUTCOME) != PENDING) return (s & OUTCOME) == CANCELLED;
        // A body that never ran, its parameters being dropped: cancelled, unless its executor refused the start.
        return (s & REFUSED) == 0;
    }

    // ---- called by generated code ------------------------------------------------------------------------------

    /**
     * The start of a generated coroutine, made by its body's prologue. The stub the transformer writes calls the
     * body with the arguments it was called with, as a plain call would, and keeps nothing across that call:
     * <pre>
     *   stub:  return Coroutine.exit(body(args..., null));
     *   body:  if (sm == null &amp;&amp; !(sm = new SM()).enter()) { sm.startWith(new Object[] {args...}); return sm; }
     *                                            (this start is outside the range of the body's handlers)
     *          ...the step...; return sm;
     *   handler of the whole body:  sm.uncaught(t); return sm;
     *   handler of that handler:    if (sm.awaited == null) sm.awaited = THREW; throw Coroutine.exitThrowing(sm, t);
     * </pre>
     * Only the stub passes no state machine: a resumption, and a first step run through {@link #resume} (a deferred
     * start), pass their own. So a parameter needs a field only if it is live across an await, and the stub keeps
     * nothing across the body's call: in the code written, a level of nested starts holds only its own state machine
     * across the next one's call. Made in the body, the state machine, its start and the first step are compiled
     * together however the JIT divides the stub from its caller and from the body. {@code awaited} is null from the
     * start in the stub's frame until the first step first suspends (or tries to), which is how the last handler
     * tells a first step that never suspended. The thread's carrier waits in {@link ChildTask#olderSibling}, unused
     * until {@link #exit} lists the call with its parent. The task is a child of the coroutine running on this
     * thread, if any: that coroutine is also the one to restore after the first step.
     *
     * <p>Why the body enters, not the stub: a stack overflow can come at any call made near the edge of the stack,
     * the body's own entry and the state machine's constructor among them. Entered there, an overflow leaves the
     * carrier as it was, with nothing to restore; the enter's last write is the one that makes this coroutine the
     * running one.
     *
     * @return true if the first step runs now, in this frame: the carrier is parked until {@link #exit}; false when
     *     it does not (a start deferred to a spawn's executor, or made while the runtime works for another task):
     *     then the body hands its arguments to {@link #startWith}
     */
    public final boolean enter() {
        if (CoroutineProbe.ENABLED) CoroutineProbe.started(this);
        return Carrier.current().enter(this);
    }

    // Why exit and exitThrowing restore the carrier as their first action, and with a field write: a stack overflow
    // that left the carrier naming this coroutine as running would last for good if the stub's caller is plain code:
    // later resumptions on this thread would queue behind it and never run. exit()'s own entry fits: the body's last
    // act was a call into the runtime, deeper than exit's frame reaches. exitThrowing() is entered where the body's
    // handler may just have overflowed, so the body first marks a coroutine that never suspended (THREW, a field
    // write), and the carrier takes a coroutine so marked off when it next looks (Carrier.innermost). After the
    // restore, an overflow can still cost what comes next: the resumptions the step queued then run at this thread's
    // next outermost step, and a child not yet listed with its parent is not waited for by it.

    /**
     * The end of a start in the stub's frame: the body's first step has returned {@code started}. The carrier parked
     * by {@link #enter} gets back the coroutine that ran before, and the call is listed with its parent. Nothing to
     * do for a start that took the general way ({@link #startWith}).
     *
     * @param started the coroutine the body returned: the one it started
     * @return {@code started}, the stub's result
     */
    public static Task<?> exit(Coroutine<?> started) {
        // Parked by this thread's enter(); nothing but exit() and exitThrowing() on this thread touches the field
        // before the call is listed, even once another thread resumes the body.
        if (!(started.olderSibling instanceof Carrier carrier)) return started;
        Coroutine<?> outer = started.parent; // set by enter(); nobody can detach this task before it returns
        carrier.running = outer; // first, and without a call (see above)
        started.olderSibling = null;
        carrier.exited(outer);
        if (outer != null) started.started();
        return started;
    }

    /**
     * A throwable that left a body's own last handler: one raised while its task completed in a way the body could
     * not take in, or an error in the runtime itself, a stack overflow above all. In the first step of a start in
     * the stub's frame, the carrier is restored, as {@link #exit} would; anywhere else (a resumption, which the
     * carrier's step restores after) it is only rethrown.
     *
     * @param body the state machine of the body that threw
     * @param thrown what its handler threw
     * @return never returns normally
     */
    public static RuntimeException exitThrowing(Coroutine<?> body, Throwable thrown) {
        // A resumption on another thread may find the carrier of a first step that has not reached exit() yet. The
        // owner is compared here, not through a method: no call before the restore (see above).
        if (!(body.olderSibling instanceof Carrier carrier) || carrier.owner != Thread.currentThread()) {
            throw Sneaky.<RuntimeException>rethrow(thrown);
        }
        Coroutine<?> outer = body.parent;
        carrier.running = outer; // first, and without a call (see above)
        body.olderSibling = null;
        throw carrier.exitedThrowing(outer, thrown);
    }

    /** True once the first step threw out of the body before any suspension (see {@link #THREW}): it runs nowhere. */
    final boolean threwOutOfBody() {
        return awaited == THREW;
    }

    /**
     * The start where the first step does not run in the stub's frame (see {@link #enter}): the arguments are kept
     * until {@link #resume} takes them with {@link #startArguments}, on this thread or on a spawn's executor.
     *
     * @param arguments the receiver, if any, and the parameters, boxed
     */
    public final void startWith(Object[] arguments) {
        awaited = arguments;
        launch();
    }

    /**
     * Starts a coroutine whose first step runs through {@link #resume}, as {@link #startWith} does, for a
     * coroutine written by hand, which keeps its parameters itself. Until this returns, nothing else may register on
     * the task (an await, a {@code join()}, a view): a first step that ends without suspending publishes its outcome
     * as that of a task nobody has seen, and a waiter registered meanwhile would never run. Generated code never
     * shares a state machine before its start.
     *
     * @return this task
     */
    public final Task<T> start() {
        if (CoroutineProbe.ENABLED) CoroutineProbe.started(this);
        launch();
        return this;
    }

    /**
     * Runs the first step through the carrier, or inside the body of a {@link TaskScope#spawn} on an executor, hands
     * it to that executor.
     */
    private void launch() {
        Carrier carrier = Carrier.current();
        Coroutine<?> parent = carrier.parentOfNew();
        if (parent != null) setParent(parent);
        Executor executor = carrier.deferringTo();
        if (executor == null) {
            carrier.start(this);
        } else {
            carrier.deferred(this);
            startOn(executor);
        }
        if (parent != null) started();
    }

    /**
     * For {@link #resume} at the first step of a start through {@link #startWith}: the arguments kept there.
     *
     * @return the receiver, if any, and the parameters, boxed
     */
    protected final Object[] startArguments() {
        Object[] arguments = (Object[]) awaited;
        awaited = NOTHING; // the task has been handed on (an executor, a spawn): not the unseen case of end()
        return arguments;
    }

    /**
     * The {@code @Owned} parameters, in declaration order, for a body that never ran: taken from the arguments
     * kept by {@link #startWith}. Generated state machines with such parameters override this.
     *
     * @param arguments the arguments kept; null only for a coroutine started by {@link #start}, which a generated
     *     one never is
     * @return the owned parameters, some of them possibly null; empty by default
     */
    protected AsyncCloseable[] ownedParameters(Object[] arguments) {
        return NO_PARAMETERS;
    }

    private static final AsyncCloseable[] NO_PARAMETERS = {};

    /**
     * Whether {@code await(task)} can continue without suspending. A pending child is cancelled here if a
     * cancellation waits to be delivered.
     *
     * @param task the awaited task
     * @return true if {@link #take} may be called now; false if the body must suspend
     * @throws NullPointerException if {@code task} is null
     */
    public final boolean ready(Task<?> task) {
        if (task == null) throw new NullPointerException("Coda.await was given null instead of a task");
        if ((state & (REQUESTED | DELIVERED)) != REQUESTED) return task.isDone();
        // A cancellation waits to be delivered: at once, unless the task is a pending child, which is cancelled
        // and waited for first.
        if (task.isDone() || !isChild(task)) {
            ending().deliveredInline = true; // the label is an earlier await's: the signal gets the thread's stack
            return true;
        }
        task.cancel();
        return false;
    }

    /**
     * The awaited outcome: the value, or the task's exception rethrown as it was thrown; or {@link Cancelled}.
     *
     * @param task the awaited task, done unless a cancellation is delivered here
     * @return the task's value
     */
    public final Object take(Task<?> task) {
        if ((state & (REQUESTED | DELIVERED)) == REQUESTED) throw deliver(task).signal;
        return task.resultOrThrow();
    }

    /**
     * {@link #take} for an await whose value goes straight into an owned variable. If the cancellation is delivered
     * here and the task already produced an {@link AsyncCloseable}, that value is in transit: nobody owns it yet,
     * so it is closed here, and the task completes only after that close: a resource is never lost between its
     * producer and its owner.
     *
     * @param task the awaited task
     * @return the task's value
     */
    public final Object takeOwned(Task<?> task) {
        if ((state & (REQUESTED | DELIVERED)) != REQUESTED) return task.resultOrThrow();
        Ending e = deliver(task);
        if (task.isDone()) {
            AsyncCloseable value = closeableValue(task);
            if (value != null) e.inTransit = dropFor(value, e.signal);
        } else {
            e.abandonedProducer = task; // see end()
        }
        throw e.signal;
    }

    /**
     * For a producer that was no longer waited for (a foreign task, abandoned at delivery) and had produced nothing
     * by the time the body ended: the AsyncCloseable it produces later is closed when it arrives, so it is not leaked.
     * The cancelled task does not wait for that close, as it does not wait for the producer.
     */
    private static final Waiter DROP_LATE_VALUE = source -> {
        AsyncCloseable value = closeableValue(source);
        if (value != null) dropFor(value, null);
    };

    /**
     * A drop the runtime starts on behalf of a task that is not running here (a value in transit, a parameter of a
     * body that never ran, a combinator's undelivered value): its close is nobody's child, so no coroutine that
     * happens to run on this thread waits for it, cancels it, or reports its failure.
     */
    static Task<Void> dropFor(AsyncCloseable value, Throwable inFlight) {
        return Carrier.current().unparented(() -> dropFailing(value, true, inFlight));
    }

    /** The value of a done task if it succeeded with an AsyncCloseable, else null. */
    private static AsyncCloseable closeableValue(Task<?> task) {
        if (!task.isDone() || task.failureNow() != null) return null; // a producer that failed made nothing
        Object value = task.valueNow();
        return value instanceof AsyncCloseable ? (AsyncCloseable) value : null;
    }

    /**
     * {@link #ready} for an await of drop glue, which is never a point where cancellation is delivered.
     *
     * @param task the close's task
     * @return true if the close is done; false if the body must suspend
     * @throws NullPointerException if {@code task} is null: {@code closeAsync()} returned null
     */
    public final boolean readyCleanup(Task<?> task) {
        if (task == null) throw new NullPointerException("closeAsync() returned null instead of a task");
        if (task.isDone()) return true;
        STATE.getAndBitwiseOr(this, CLEANUP);
        return false;
    }

    /**
     * {@link #take} for an await of drop glue.
     *
     * @param task the close's task, done
     * @return the close's value
     */
    public final Object takeCleanup(Task<?> task) {
        if ((state & CLEANUP) != 0) STATE.getAndBitwiseAnd(this, ~CLEANUP);
        return task.resultOrThrow();
    }

    /**
     * Registers this coroutine as {@code task}'s waiter. True: the body must return at once. False: the task
     * completed meanwhile, or a request is to be met here; the body continues with {@link #resumed()}.
     *
     * @param task the awaited task
     * @return true if the body must return at once; false if it goes on inline
     */
    public final boolean suspend(Task<?> task) {
        awaited = task; // read by cancel() after the registration (see the class comment)
        if (!task.addWaiter(this)) return false; // completed meanwhile: go on inline
        int s = state; // after the registration: a request this read misses finds the registration
        if ((s & REQUESTED) == 0) return true;
        // A request came while the body ran, and its cancel() may have looked before the registration was made.
        // The body may already run on another thread (woken by the completion or by cancel()): what the child's
        // cancellation starts must not be listed on it from here.
        if (isChild(task)) {
            Carrier.current().unparented(() -> {
                tellChild(task, s);
                return null;
            });
        } else if (requestToMeet(s) && task.removeWaiter(this)) {
            if (requestToMeet(state)) return false; // this suspension's: the body meets the request at once
            putBack(task); // a later suspension's, which the request does not end (see the class comment)
        }
        return true;
    }

    /**
     * A request reaching a child the body awaits, with the body's word {@code s}: the child is cancelled if the
     * request is to be met here; unwinding or in drop glue, it is told, not interrupted.
     */
    private static void tellChild(Task<?> child, int s) {
        if (requestToMeet(s)) child.cancel();
        else child.parentCancelled();
    }

    /** A request was made and is to be met at an await: not yet delivered, and not in drop glue. */
    private static boolean requestToMeet(int s) {
        return (s & (REQUESTED | DELIVERED | CLEANUP)) == REQUESTED;
    }

    /**
     * A registration on {@code task} taken back by a stale taker, which a request does not end: registered again,
     * or, if the task completed in between, the body resumed from here (through the carrier: it is suspended).
     */
    private void putBack(Task<?> task) {
        if (!task.addWaiter(this)) Carrier.current().resume(this);
    }

    /**
     * The task the body was suspended on; the reference is dropped so the state machine does not keep it. A failure
     * coming back through this await gets the await's frame ({@link AsyncTrace}).
     *
     * @return the task of the suspension just ended
     */
    public final Task<?> resumed() {
        Object on = awaited;
        awaited = NOTHING;
        // A future here means a stage await compiled against an older runtime, which resumes through this method.
        Task<?> task = on instanceof Task ? (Task<?>) on : StageView.settled((CompletableFuture<?>) on);
        if ((task.state & OUTCOME) == FAILED) AsyncTrace.crossed(task.failureNow(), this);
        return task;
    }

    /**
     * Where this coroutine is and what it awaits (the probe lists coroutines by it): its method, the line of the
     * await while suspended, and the awaited task (a coroutine by its method); once done, its task's state.
     */
    @Override
    public String toString() {
        StackTraceElement frame = awaitFrame();
        int s = state;
        Object task = awaited; // a suspension's, or a moment ago's: this is for the probe only
        boolean suspended = (task instanceof Task && task != NOTHING || task instanceof CompletableFuture)
                && (s & PHASE) == RUNNING;
        String where = frame == null ? getClass().getName() : suspended ? frame.toString() : method(frame);
        if ((s & OUTCOME) != PENDING) return where + " " + super.toString();
        if (suspended) return where + " suspended, awaiting " + describe(task);
        if (task == THREW) return where + " abandoned: its first step threw out of the call";
        switch (s & PHASE) {
            case FINISHING:
                return where + " finishing: its body ended, waiting for its children or cleanup";
            case UNSTARTED:
                return where + " not started";
            default:
                return where + " running";
        }
    }

    private static String describe(Object task) {
        StackTraceElement f = task instanceof Coroutine ? ((Coroutine<?>) task).awaitFrame() : null;
        return f != null ? method(f) : task.toString();
    }

    private static String method(StackTraceElement frame) {
        return frame.getClassName() + "." + frame.getMethodName();
    }

    /**
     * The source position of the await the body is suspended at, as a frame of the user's method; null where it is
     * not known. Generated state machines override this. The runtime asks for it when a failure comes back through
     * an await, and {@link #toString()} for the probe: never on a path that succeeds.
     *
     * @return the frame of the current await, or null
     */
    protected StackTraceElement awaitFrame() {
        return null;
    }

    /**
     * Initialises {@code type} as a {@code NEW} of it would: used where the transformer moved a {@code NEW} after
     * constructor arguments that await. Cached per class, so only the first call per class does any work.
     *
     * @param type the class to initialise
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

    /**
     * Adapts the operand of an owning {@code await(CompletionStage)}: a view nobody else sees, which cancels the
     * stage if the await is abandoned on cancellation.
     *
     * @param stage the awaited stage
     * @return a task that follows {@code stage}
     */
    public static Task<?> adapt(CompletionStage<?> stage) {
        return StageView.owned(stage);
    }

    /**
     * {@link #ready} for {@code await(stage)}: a done {@code CompletableFuture} is taken as it is, without making a
     * task for it; so is any stage when a cancellation waits to be delivered ({@link #takeStage} delivers it).
     *
     * @param stage the awaited stage
     * @return true if {@link #takeStage} may be called with {@code stage} now; false if the body must suspend
     * @throws NullPointerException if {@code stage} is null
     */
    public final boolean readyStage(CompletionStage<?> stage) {
        if (stage == null) throw new NullPointerException("Coda.await was given null instead of a CompletionStage");
        return (state & (REQUESTED | DELIVERED)) == REQUESTED || StageView.isDoneFuture(stage);
    }

    /**
     * {@link #take} for {@code await(stage)}. The operand is the stage itself, if {@link #readyStage} said so, or
     * what {@link #suspendStage} suspended on: the future itself, or a view of another stage. A stage awaited
     * directly belongs to this coroutine: a cancellation delivered here cancels it (a future suspended on directly
     * was cancelled when the request was made).
     *
     * @param operand the stage, or the task the body suspended on
     * @return the stage's value
     */
    public final Object takeStage(Object operand) {
        if (operand instanceof Task) return take((Task<?>) operand);
        CompletionStage<?> stage = (CompletionStage<?>) operand;
        boolean suspended = operand == awaited; // left there by resumedStage; else NOTHING, or null
        if (suspended) awaited = NOTHING;
        if ((state & (REQUESTED | DELIVERED)) == REQUESTED) {
            // Suspended on: the request cancelled the future, which resumed the body; its outcome is not taken.
            Ending e = deliver(suspended ? stage : null);
            if (!StageView.isDoneFuture(stage)) suppress(e.signal, StageView.cancelOwned(stage));
            throw e.signal;
        }
        return StageView.resultOf((CompletableFuture<?>) stage);
    }

    /**
     * {@link #suspend} for {@code await(stage)}. A {@code CompletableFuture} (that class exactly) is registered on
     * directly, this coroutine its callback: its completion is the one resumption of the suspension, because a
     * request is met by cancelling the future (the future belongs to this coroutine, see {@link #takeStage}), which
     * completes it. Any other stage is awaited through a view that this coroutine owns.
     *
     * @param stage the awaited stage
     * @return true if the body must return at once; false if it goes on inline
     */
    public final boolean suspendStage(CompletionStage<?> stage) {
        if (stage.getClass() != CompletableFuture.class) return suspend(StageView.owned(stage));
        CompletableFuture<?> future = (CompletableFuture<?>) stage;
        awaited = future; // read by cancel() after the registration, as in suspend()
        // A future that completed meanwhile calls back here, on this thread, inside the body: the resumption is
        // queued until the step returns (see Carrier), so the body returns as it would otherwise.
        future.whenComplete(this);
        // A request that cancel() may have looked for before the registration: met as cancel() meets it. The body
        // may already run on another thread (the future completed there): what this throws leaves the step.
        if (requestToMeet(state)) raise(StageView.cancelOwned(future));
        return true;
    }

    /**
     * The future this coroutine suspended on directly (see {@link #suspendStage}) completed: the resumption is this
     * thread's. Called by the future; the body's frame is gone, or touches nothing any more.
     *
     * @param value the future's value
     * @param error the future's exception, or null
     */
    @Override
    public final void accept(Object value, Throwable error) {
        // Only the future suspended on calls this, once it is done; a call from anywhere else is ignored.
        Object on = awaited;
        if (on instanceof CompletableFuture && ((CompletableFuture<?>) on).isDone()) Carrier.current().resume(this);
    }

    /**
     * {@link #resumed} for {@code await(stage)}: the view, or the future registered on directly. A future stays in
     * {@link #awaited} until {@link #takeStage} takes it, which so knows that this await suspended (it delivers a
     * request there: this runs outside the body's try blocks, and must not throw).
     *
     * @return the task or future of the suspension just ended, for {@link #takeStage}
     */
    public final Object resumedStage() {
        Object on = awaited;
        if (on instanceof Task) return resumed();
        CompletableFuture<?> future = (CompletableFuture<?>) on;
        // A failure is the await's unless a request is met there (the future's own exception is then not taken).
        if ((state & (REQUESTED | DELIVERED)) != REQUESTED && future.isCompletedExceptionally()) {
            AsyncTrace.crossed(StageView.settled(future).failureNow(), this);
        }
        return future;
    }

    /**
     * Drop glue on a normal exit: starts {@code resource.closeAsync()} if its drop flag {@code live} is set; a done
     * task otherwise.
     *
     * @param resource the owned value
     * @param live its drop flag
     * @return the close's task; failed if {@code closeAsync()} threw or returned null
     */
    public static Task<Void> drop(AsyncCloseable resource, boolean live) {
        return live ? release(resource, false, null) : Task.done();
    }

    /**
     * Drop glue on an exceptional exit, with {@code inFlight} the exception (a {@link Cancelled} when unwinding; null
     * for a value nobody wanted, closed by the runtime): starts {@code resource.abortAsync(inFlight)} if its drop
     * flag {@code live} is set.
     *
     * @param resource the owned value
     * @param live its drop flag
     * @param inFlight the exception in flight, or null
     * @return the close's task; failed if {@code abortAsync} threw or returned null
     */
    public static Task<Void> dropFailing(AsyncCloseable resource, boolean live, Throwable inFlight) {
        return live ? release(resource, true, inFlight) : Task.done();
    }

    /** Starts {@code abortAsync(cause)} or {@code closeAsync()}; one that throws or returns null is a failed close. */
    private static Task<Void> release(AsyncCloseable resource, boolean abort, Throwable cause) {
        Task<Void> closing;
        try {
            closing = abort ? resource.abortAsync(cause) : resource.closeAsync();
        } catch (Throwable t) {
            return Task.failed(t);
        }
        return closing != null ? closing : Task.failed(new NullPointerException((abort ? "abortAsync(Throwable)"
                : "closeAsync()") + " of " + resource.getClass().getName() + " returned null instead of a task"));
    }

    /**
     * Drop glue: a drop that failed while {@code primary} was in flight is suppressed onto it (JLS 14.20.3). A null
     * {@code dropFailure} (nothing failed) is ignored.
     *
     * @param primary the exception in flight
     * @param dropFailure the drop's failure, or null
     */
    public static void suppress(Throwable primary, Throwable dropFailure) {
        if (dropFailure != null && primary != dropFailure) primary.addSuppressed(dropFailure);
    }

    /**
     * Drop glue: the value of a drop flag for {@code value} just stored in an owned variable.
     *
     * @param value the stored value
     * @return true if {@code value} is not null
     */
    public static boolean owns(Object value) {
        return value != null;
    }

    /**
     * Marks an await of drop glue for the transformer; the rewrite replaces every call.
     *
     * @param task the close's task
     * @return never
     * @throws IllegalStateException always, if called at all
     */
    public static Object awaitCleanup(Task<?> task) {
        throw new IllegalStateException("Coroutine.awaitCleanup is a marker for the Coda transformer");
    }

    /**
     * Marks an await whose value goes straight into an owned variable; the rewrite replaces every call.
     *
     * @param task the awaited task
     * @return never
     * @throws IllegalStateException always, if called at all
     */
    public static Object awaitOwned(Task<?> task) {
        throw new IllegalStateException("Coroutine.awaitOwned is a marker for the Coda transformer");
    }

    /**
     * {@code return Task.completed(value)} and friends.
     *
     * @param value the value returned
     */
    public final void returnValue(Object value) {
        if (family == null) succeedInBody(value); // no child listed, no Ending
        else endInBody(value, null, null);
    }

    /**
     * The body ends with {@code t}, which none of its own handlers caught: generated bodies call this from a
     * handler of their own around the whole body.
     *
     * @param t the throwable
     */
    public final void uncaught(Throwable t) {
        int s = state;
        // Already ended: thrown by a waiter of the end, after the body's last action.
        if ((s & PHASE) == FINISHING || (s & OUTCOME) != PENDING) throw Sneaky.<RuntimeException>rethrow(t);
        endInBody(null, t, null); // what the end throws leaves the step: caught again here, it would end twice
    }

    /**
     * {@code return task}: this task completes as {@code task} does.
     *
     * @param task the task returned; null fails this task
     */
    public final void returnTask(Task<?> task) {
        if (task == null) endInBody(null, new NullPointerException("async function returned null instead of a Task"), null);
        else endInBody(null, null, task);
    }

    /**
     * {@code return stage} from a function declared to return a CompletableFuture or CompletionStage. The stage
     * belongs to this task, as an awaited one does: a request that comes while the task waits for it cancels it.
     *
     * @param stage the stage returned; null fails this task
     */
    public final void returnStage(CompletionStage<?> stage) {
        if (stage == null) {
            endInBody(null, new NullPointerException("async function returned null instead of a CompletionStage"), null);
            return;
        }
        endInBody(null, null, StageView.owned(stage));
    }

    /**
     * {@link #end} from a {@code return} of the body, which sits inside the body's own try blocks: what the
     * completion throws (a waiter's failure) leaves the step instead, so no catch of the body sees it and runs a
     * second {@code return}.
     */
    private void endInBody(Object value, Throwable thrown, Task<?> returned) {
        try {
            end(value, thrown, returned);
        } catch (Throwable t) {
            Carrier.current().throwAfterStep(t);
        }
    }

    /**
     * {@link #returnValue} with no child listed and nothing delivered, the common case: {@link #end} would conclude at
     * once with the value, and {@link #conclude} finish with it, so this finishes without them. What the completion
     * throws leaves the step, as in {@link #endInBody}.
     */
    private void succeedInBody(Object value) {
        try {
            finish(SUCCEEDED, value, awaited == null);
        } catch (Throwable t) {
            Carrier.current().throwAfterStep(t);
        }
    }

    // ---- runtime ------------------------------------------------------------------------------------------------

    /**
     * The awaited task completed, and its swap took this coroutine's registration: the resumption is this thread's
     * (see the class comment). The body's frame is gone, or touches nothing any more.
     */
    @Override
    public final void onCompleted(Task<?> source) {
        Carrier.current().resume(this);
    }

    /**
     * Runs the body once; a throwable that escapes the body is the task's failure. Or, for an ended body whose last
     * wait is over, concludes: through the carrier's queue, so a chain of {@code return task} calls completing one
     * another does not nest a frame per link.
     */
    final void step() {
        if ((state & PHASE) == FINISHING) {
            endingOrNull().settle(); // the end published it with FINISHING
            return;
        }
        try {
            resume();
        } catch (Throwable t) {
            uncaught(t); // a body the transformer wrote catches its own; a coroutine written by hand may not
        }
    }

    /** The deferred start: the executor runs the first step unless a cancellation claims the start first. */
    private void startOn(Executor executor) {
        // Published to the runnable by execute(), and to cancel() by this task's publication. This task is returned
        // to the spawner before its body runs, so it is seen by others from the start: not the unseen case of end().
        // The arguments of a generated coroutine stay in their place until the first step or dropUnstarted takes them.
        if (awaited == null) awaited = NOTHING;
        STATE.getAndBitwiseOr(this, UNSTARTED); // from RUNNING (0): keeps a request a hand-written start already had
        try {
            executor.execute(this::startDeferred);
        } catch (Throwable rejected) { // RejectedExecutionException, or any failure of a foreign executor
            if (claimStart(FINISHING | REFUSED)) dropUnstarted(rejected);
            else throw rejected; // the runnable ran inline, and what it ran threw: not the executor's refusal
        }
    }

    private void startDeferred() {
        if (claimStart(RUNNING)) Carrier.current().start(this); // else cancel() claimed it, and dropped the parameters
    }

    /**
     * UNSTARTED → {@code next} (a phase, with REFUSED for a refused start): true for exactly one caller per deferred
     * start (cancel() claims it too).
     */
    private boolean claimStart(int next) {
        int s;
        do {
            s = state;
            if ((s & PHASE) != UNSTARTED) return false;
        } while (!STATE.compareAndSet(this, s, (s & ~PHASE) | next));
        return true;
    }

    /**
     * Drops the {@code @Owned} parameters of a body that never ran, then completes cancelled, or failed with
     * {@code rejected} when the executor refused the start.
     */
    private void dropUnstarted(Throwable rejected) {
        Object[] arguments = awaited instanceof Object[] ? startArguments() : null;
        new ParameterDrops(this, ownedParameters(arguments), rejected).next();
    }

    /** The drops of {@link #dropUnstarted}, last parameter first, each awaited before the next starts. */
    private static final class ParameterDrops implements Waiter {
        private final Coroutine<?> task;
        private final AsyncCloseable[] owned;
        private final Throwable rejected;
        private final List<Task<?>> failed = new ArrayList<>(0);
        private int next;

        ParameterDrops(Coroutine<?> task, AsyncCloseable[] owned, Throwable rejected) {
            this.task = task;
            this.owned = owned;
            this.rejected = rejected;
            this.next = owned.length - 1;
        }

        /** Starts drops until one is pending (its completion continues here) or all are done. */
        void next() {
            while (next >= 0) {
                AsyncCloseable value = owned[next];
                owned[next--] = null;
                Task<Void> closing = value != null ? dropFor(value, rejected) : Task.done();
                if (!closing.isDone() && closing.addWaiter(this)) return;
                collect(closing);
            }
            task.conclude(null, rejected, null, rejected == null, failed, false);
        }

        @Override
        public void onCompleted(Task<?> closing) {
            collect(closing);
            next();
        }

        private void collect(Task<?> closing) {
            if (closing.failureNow() != null) failed.add(closing);
        }
    }

    /** True once a cancellation was delivered to the body. Read on the body's own thread. */
    final boolean isUnwinding() {
        Ending e = endingOrNull();
        return e != null && e.signal != null;
    }

    private boolean isChild(Task<?> task) {
        return task.parent() == this;
    }

    /**
     * cancel() set the request on a body that runs or is suspended. Suspended on a child: the child is cancelled
     * (only told, in drop glue or after delivery) and still waited for. Suspended on a future registered on directly:
     * the future is cancelled, which resumes the body. Suspended on anything else: the registration is taken back,
     * and the body woken to meet the request. Running: the body meets it (see the class comment).
     */
    private void wakeForRequest() {
        VarHandle.fullFence(); // the request before the look at awaited, as the body registers before its look
        Object awaiting = awaited;
        VarHandle.acquireFence(); // the look at awaited before the looks at the word below
        // Nothing awaited yet: the body meets the request at its next await (also a deferred start's arguments, not
        // yet taken by the first step). Or a first step that threw out of its body: nothing is left to wake.
        if (awaiting == null || awaiting == NOTHING || awaiting == THREW || awaiting instanceof Object[]) return;
        if (awaiting instanceof CompletableFuture) {
            // Registered on directly: cancelling the future completes it, which resumes the body (a stale read names
            // a future that is done: cancelling it does nothing). Unwinding, or in drop glue, the future is left be.
            if (requestToMeet(state)) raise(StageView.cancelOwned((CompletableFuture<?>) awaiting));
            return;
        }
        Task<?> on = (Task<?>) awaiting;
        if (isChild(on)) {
            tellChild(on, state); // a stale read names a child that is done (its await ends only when it completes)
        } else if (on.removeWaiter(this)) {
            if (requestToMeet(state)) Carrier.current().resume(this); // meets the request, abandons the task (deliver)
            else putBack(on); // a later suspension's (see the class comment)
        }
    }

    /**
     * What cancelling a future registered on directly threw (null: nothing): it leaves the step running on this
     * thread, as what a completion throws does; with no step running (a {@code cancel()} from plain code), it is
     * thrown to the caller. It is never thrown into a loop that cancels several tasks from inside a body.
     */
    private static void raise(Throwable t) {
        if (t == null) return;
        Carrier carrier = Carrier.current();
        if (carrier.running() != null) carrier.throwAfterStep(t);
        else throw Sneaky.<RuntimeException>rethrow(t);
    }

    /**
     * Delivers the requested cancellation at an await of {@code awaited}: the body unwinds from here. A child that
     * was cancelled and waited for may have failed in its cleanup: that failure is kept, suppressed onto the signal.
     */
    private Ending deliver(Object awaiting) {
        STATE.getAndBitwiseOr(this, DELIVERED);
        Ending e = ending();
        // After a suspension the label names this await, and the trace is known without walking the stack. A stage
        // taken as it is (null) was never suspended on.
        boolean suspended = !e.deliveredInline && awaiting != null;
        e.signal = suspended ? Cancelled.at(AsyncTrace.ofSuspension(this)) : Cancelled.here();
        // A stage taken as it is: the caller cancels it. A future suspended on directly: cancelled by the request.
        if (!(awaiting instanceof Task)) return e;
        Task<?> awaited = (Task<?>) awaiting;
        // The one place a pending foreign task is abandoned, however the request was met (woken by cancel(), taken
        // back from a suspension, or without suspending): before the body can register on it again, so no later
        // registration is removed. A view of a stage unregisters from the stage; an owned one cancels it.
        if (!awaited.isDone() && !isChild(awaited)) suppress(e.signal, awaited.abandonedBy(this));
        if (isChild(awaited) && awaited.claimUnobservedFailure()) e.signal.addSuppressed(awaited.failureNow());
        return e;
    }

    /**
     * The Ending, allocated now if there is none yet (at delivery, when children pile up, when the end has
     * something to wait for); the newest child moves into it.
     */
    private Ending ending() {
        Object f = family;
        if (f instanceof Ending) return (Ending) f;
        Ending e = new Ending(this);
        e.youngestChild = (ChildTask<?>) f;
        family = e;
        return e;
    }

    private Ending endingOrNull() {
        Object f = family;
        return f instanceof Ending ? (Ending) f : null;
    }

    private ChildTask<?> youngestChild() {
        Object f = family;
        return f instanceof Ending ? ((Ending) f).youngestChild : (ChildTask<?>) f;
    }

    private void setYoungestChild(ChildTask<?> child) {
        Object f = family;
        if (f instanceof Ending) ((Ending) f).youngestChild = child;
        else family = child;
    }

    // ---- children -------------------------------------------------------------------------------------------------

    /** Children listed before a sweep looks past the newest quiet ones; beyond it, sweeps are amortised. */
    private static final int SMALL_FAMILY = 8;

    /**
     * Lists {@code child}, started by this body and still running or failed (see {@link ChildTask#started}). Quiet
     * children at the head go first: a child awaited as soon as it was started costs nothing to keep. A longer list
     * is swept whole once it has doubled, so it holds what is running or has a failure to report, plus at most as
     * many quiet children again.
     */
    final void track(ChildTask<?> child) {
        int s = state;
        // Started by code that runs on this thread after the body ended (a future's dependent, run by this task's
        // completion): the end has been decided, so it cannot wait for this task.
        if ((s & PHASE) == FINISHING || (s & OUTCOME) != PENDING) return;
        ChildTask<?> c = youngestChild();
        while (c != null && isQuiet(c)) {
            ChildTask<?> older = c.older();
            c.olderSibling = null;
            c = older;
        }
        child.olderSibling = c;
        setYoungestChild(child);
        if (isUnwinding()) child.markWhilePending(CLEANUP_WORK);
        if (c == null) return;
        Ending e = endingOrNull();
        if (e == null) {
            int n = 0;
            for (ChildTask<?> x = child; x != null && n <= SMALL_FAMILY; x = x.older()) n++;
            if (n <= SMALL_FAMILY) return;
            e = ending();
            e.listed = n;
            e.sweepAt = n;
        }
        if (++e.listed < e.sweepAt) return;
        int kept = 1;
        for (ChildTask<?> p = child, x = child.older(); x != null; x = p.older()) {
            if (isQuiet(x)) {
                p.olderSibling = x.olderSibling;
                x.olderSibling = null;
            } else {
                kept++;
                p = x;
            }
        }
        e.listed = kept;
        e.sweepAt = Math.max(2 * kept, SMALL_FAMILY);
    }

    /** A child that no longer concerns its parent: detached, or done with nothing left to report. */
    private boolean isQuiet(ChildTask<?> c) {
        return c.parent() != this || (c.isDone() && !c.hasUnobservedFailure());
    }

    // ---- the end ------------------------------------------------------------------------------------------------

    /**
     * The body ended: with {@code value}, with {@code thrown}, or by returning {@code returned}; or it is unwinding a
     * delivered cancellation, whatever it did. Everything still to wait for is waited for, then {@link #conclude}.
     */
    private void end(Object value, Throwable thrown, Task<?> returned) {
        Ending e = endingOrNull();
        boolean delivered = e != null && e.signal != null;
        // A task returned while unwinding is not the outcome: a child is cancelled and waited for, even though it
        // was started during the cleanup; a foreign one is not ours to wait for.
        Task<?> cancelledReturn = delivered && returned != null && isChild(returned) ? returned : null;
        if (delivered) returned = null;
        // Quiet children concern nobody: a body that awaited every child it started ends as one that started none.
        int concerned = 0;
        ChildTask<?> newest = null;
        ChildTask<?> last = null;
        for (ChildTask<?> c = youngestChild(); c != null; ) {
            ChildTask<?> older = c.older();
            c.olderSibling = null;
            if (c != returned && !isQuiet(c)) {
                if (last == null) newest = c;
                else last.olderSibling = c;
                last = c;
                concerned++;
            }
            c = older;
        }
        setYoungestChild(null);
        boolean returnedPending = returned != null && !returned.isDone();
        if (concerned == 0 && !delivered && !returnedPending) {
            // Nothing to wait for: the common case, no allocation. A body that ends in the first step of an inline
            // start, never having suspended (awaited still null), is still inside start(): nobody else has this task
            // yet, no waiter can be registered and no cancel() can come, so the outcome needs no atomic publication.
            conclude(value, thrown, returned, false, null, awaited == null);
            return;
        }
        boolean exceptional = delivered || thrown != null;
        Task<?>[] children = new Task<?>[concerned];
        int i = 0;
        for (ChildTask<?> c = newest; c != null; ) { // newest first, so cancelled newest first
            ChildTask<?> older = c.older();
            c.olderSibling = null;
            children[i++] = c;
            if (exceptional && !c.isDone() && (!c.isCleanupWork() || c == cancelledReturn)) c.cancel();
            c = older;
        }
        if (e == null) e = ending();
        e.children = children;
        e.drop = delivered ? droppedInTransit(e) : null;
        e.value = value;
        e.thrown = thrown;
        e.returned = returned;
        e.exceptional = exceptional;
        // One count per registration below (a done task refuses it and is counted down at once), plus one until
        // every registration is made and the phase published.
        e.pending = concerned + (e.drop != null ? 1 : 0) + (returnedPending ? 1 : 0) + 1;
        // Registered before FINISHING is published, so a cancel() that abandons a returned task finds the
        // registration to remove; one that comes before finds the body running and leaves the request to us.
        for (Task<?> c : children) if (!c.addWaiter(e)) e.onCompleted(c);
        if (e.drop != null && !e.drop.addWaiter(e)) e.onCompleted(e.drop);
        if (returnedPending && !returned.addWaiter(e)) e.onCompleted(returned);
        int s;
        do s = state; while (!STATE.compareAndSet(this, s, (s & ~PHASE) | FINISHING)); // publishes e to cancel()
        if (requestToMeet(s)) e.requested(this);
        // Every wait already over (children that failed unseen, done drops): the end concludes here and now, as one
        // with nothing to wait for does; otherwise the last completion concludes it, through its carrier's queue.
        if ((int) Ending.PENDING.getAndAdd(e, -1) == 1) e.settle();
    }

    /**
     * The close of a value in transit at delivery, or null. A producer abandoned at delivery that has
     * produced since is a value in transit too; one still producing gets its value closed when it arrives.
     */
    private static Task<?> droppedInTransit(Ending e) {
        Task<?> producer = e.abandonedProducer;
        e.abandonedProducer = null;
        if (producer != null) producer.watchAgain(); // abandoned at delivery: its outcome is needed once more
        if (producer != null && !producer.isDone() && producer.addWaiter(DROP_LATE_VALUE)) return e.inTransit;
        if (producer != null) {
            AsyncCloseable value = closeableValue(producer);
            if (value != null) return dropFor(value, e.signal);
        }
        return e.inTransit;
    }

    /**
     * The outcome of this task, once the body has ended and nothing is left to wait for, handed to {@link #finish}:
     * <ul>
     *   <li>cancelled (a delivered cancellation, or a returned foreign task abandoned on request): a
     *       {@link CancellationException}, with everything raised during the cleanup suppressed onto it;</li>
     *   <li>a failure (thrown, or the returned task's): it, with the children's failures suppressed onto it;</li>
     *   <li>a value: it, unless a child failed unseen: then the first such failure, the others suppressed.</li>
     * </ul>
     * {@code failed} are the children and closes whose failures are to be reported, in order; null for none.
     * {@code unseen}: no other thread has seen this task (see {@link #end}).
     */
    private void conclude(Object value, Throwable thrown, Task<?> returned, boolean cancelled, List<Task<?>> failed,
                          boolean unseen) {
        try {
            decide(value, thrown, returned, cancelled, failed, unseen);
        } finally {
            // A done task keeps none of it. Cleared only once the outcome is published, and with a release store: a
            // cancel() that comes meanwhile reads from the Ending what the end decided, or sees the outcome
            // (cancelledInTheEnd).
            FAMILY.setRelease(this, null);
        }
    }

    /** The outcome {@link #conclude} publishes, through {@link #finish}. */
    private void decide(Object value, Throwable thrown, Task<?> returned, boolean cancelled, List<Task<?>> failed,
                        boolean unseen) {
        Ending e = endingOrNull();
        if (cancelled || (e != null && e.signal != null)) {
            CancellationException outcome = new CancelledOutcome();
            if (e != null && e.signal != null) {
                for (Throwable s : e.signal.getSuppressed()) outcome.addSuppressed(s);
                if (thrown == e.signal) thrown = null;
            }
            if (thrown != null) outcome.addSuppressed(thrown);
            addAll(outcome, failed);
            finish(CANCELLED, outcome, unseen);
            return;
        }
        if (thrown == null && returned != null) {
            if (returned.failureNow() == null) {
                value = returned.valueNow();
            } else {
                Throwable f = returned.observeFailure();
                // A returned child cancelled because this task was asked to stop: the request is honoured.
                if (returned.isCancelled() && (state & REQUESTED) != 0 && isChild(returned)) {
                    addAll(f, failed);
                    finish(CANCELLED, f, unseen);
                    return;
                }
                thrown = f;
            }
        }
        if (thrown == null && failed != null && !failed.isEmpty()) {
            thrown = asFailure(failed.remove(0));
        }
        if (thrown != null) {
            addAll(thrown, failed);
            finish(FAILED, thrown, unseen);
        } else {
            finish(SUCCEEDED, value, unseen);
        }
    }

    /**
     * The one place this task completes: {@link #completeAlone}, or, for a task no other thread has seen, without
     * atomics.
     */
    private void finish(int phase, Object result, boolean unseen) {
        if (CoroutineProbe.ENABLED) CoroutineProbe.finished(this);
        if (unseen) completeUnseen(phase, result);
        else completeAlone(phase, result);
    }

    private static void addAll(Throwable primary, List<Task<?>> failed) {
        if (failed != null) for (Task<?> t : failed) suppress(primary, t.failureNow());
    }

    /**
     * A child's outcome as the parent's failure: its failure; or, for a child that was cancelled and whose cleanup
     * failed, the first cleanup failure (a failed child's exception may itself be a CancellationException, from a
     * task it awaited: that is its failure, as is).
     */
    static Throwable asFailure(Task<?> child) {
        Throwable outcome = child.failureNow();
        if (!child.isCancelled()) return outcome;
        Set<Throwable> seen = Collections.newSetFromMap(new IdentityHashMap<>());
        seen.add(outcome);
        return firstCleanupFailure(outcome, seen);
    }

    /**
     * The first failure suppressed onto a cancelled outcome, the others suppressed onto it in turn. A first that is
     * itself a cancelled outcome with failures (a grandchild's, reported onto the child's cancellation) gives its own
     * first failure: a parent that fails because of it fails with that failure, not with a cancellation. Each
     * outcome is looked into once: a cleanup that let a cancelled outcome escape can make two outcomes hold each
     * other.
     */
    private static Throwable firstCleanupFailure(Throwable cancelled, Set<Throwable> seen) {
        Throwable[] cleanup = cancelled.getSuppressed();
        Throwable first = cleanup[0];
        if (first instanceof CancelledOutcome && first.getSuppressed().length > 0 && seen.add(first)) {
            first = firstCleanupFailure(first, seen);
        }
        for (int i = 1; i < cleanup.length; i++) suppress(first, cleanup[i]);
        return first;
    }

    /**
     * What a coroutine needs beyond its body's fields, allocated only when needed: the delivered cancellation, the
     * sweep of a long list of children, and the end's waits. As a waiter it counts the tasks the end waits for.
     */
    private static final class Ending implements Waiter {
        private final Coroutine<?> owner;
        /** The newest child, once this Ending exists (see {@link Coroutine#family}). */
        ChildTask<?> youngestChild;

        /** Thrown at the delivering await; cleanup failures collect on it as suppressed. Null until delivery. */
        Cancelled signal;
        /** The request is met at an await that did not suspend (see {@link #deliver}). */
        boolean deliveredInline;
        /** The close of a value that was in transit at delivery, or null. */
        Task<?> inTransit;
        /** The pending task that an owning await no longer waited for at delivery, or null. */
        Task<?> abandonedProducer;

        /** Children in the list, and the count at which it is swept next (see {@link #track}). */
        int listed;
        int sweepAt;

        // The end, written before the CAS that sets FINISHING, which publishes them to cancel().
        Object value;
        Throwable thrown;
        Task<?> returned;
        boolean exceptional;
        /** The children the end found, newest first. */
        Task<?>[] children;
        /** The close of a value in transit, or null. */
        Task<?> drop;
        /** Tasks still waited for, plus one while registrations are being made. */
        volatile int pending;
        /**
         * 0 until the returned task is counted: {@link #COMPLETED} by its completion, or {@link #ABANDONED} on
         * request, for a foreign returned task, which makes the outcome cancelled. One CAS decides and records which.
         */
        volatile int returnedCounted;
        static final int COMPLETED = 1;
        static final int ABANDONED = 2;
        /** What cancelling that returned task's operation threw, or null; reported on the cancelled outcome. */
        Throwable abandonFailure;

        private static final VarHandle PENDING;
        private static final VarHandle RETURNED_COUNTED;
        static {
            try {
                MethodHandles.Lookup l = MethodHandles.lookup();
                PENDING = l.findVarHandle(Ending.class, "pending", int.class);
                RETURNED_COUNTED = l.findVarHandle(Ending.class, "returnedCounted", int.class);
            } catch (ReflectiveOperationException e) {
                throw new ExceptionInInitializerError(e);
            }
        }

        Ending(Coroutine<?> owner) {
            this.owner = owner;
        }

        @Override
        public void onCompleted(Task<?> source) {
            if (source == returned && !RETURNED_COUNTED.compareAndSet(this, 0, COMPLETED)) return; // abandoned already
            countDown();
        }

        void countDown() {
            if ((int) PENDING.getAndAdd(this, -1) == 1) Carrier.current().resume(owner); // see step()
        }

        /**
         * A request reached the ended body (once: from cancel(), or from the end itself): the children still running
         * are cancelled, newest first, and a returned task is cancelled if it is a child, abandoned otherwise.
         */
        void requested(Coroutine<?> body) {
            if (!exceptional) {
                for (Task<?> c : children) if (!c.isDone() && !c.isCleanupWork()) c.cancel();
            }
            Task<?> r = returned;
            if (r == null || r.isDone()) return;
            if (body.isChild(r)) {
                r.cancel();
            } else if (RETURNED_COUNTED.compareAndSet(this, 0, ABANDONED)) {
                abandonFailure = r.abandonedBy(this); // a returned stage belongs to this task: it is cancelled
                countDown();
            }
        }

        /**
         * Whether the outcome will be cancelled, for a cancel() that has made its request (see conclude). A
         * returned child decides: the request cancels it ({@link #requested}), so its own report
         * ({@link Task#cancelEndsCancelled}) is for both, a done one's by its outcome.
         */
        boolean endsCancelled() {
            if (signal != null || returnedAbandoned()) return true;
            return returned != null && owner.isChild(returned) && returned.cancelEndsCancelled();
        }

        /** Every wait is over: collects what was left to report, oldest child first, and concludes. */
        void settle() {
            List<Task<?>> failed = null;
            for (int i = children.length - 1; i >= 0; i--) {
                if (!children[i].claimUnobservedFailure()) continue;
                if (failed == null) failed = new ArrayList<>(2);
                failed.add(children[i]);
            }
            if (drop != null && drop.claimUnobservedFailure()) {
                if (failed == null) failed = new ArrayList<>(1);
                failed.add(drop);
            }
            Throwable t = thrown;
            if (abandonFailure != null) {
                if (t == null) t = abandonFailure;
                else suppress(t, abandonFailure);
            }
            boolean abandoned = returnedAbandoned();
            owner.conclude(value, t, abandoned ? null : returned, abandoned, failed, false);
        }

        /** A foreign returned task was abandoned on request: the outcome is cancelled. */
        private boolean returnedAbandoned() {
            return returnedCounted == ABANDONED;
        }
    }
}
