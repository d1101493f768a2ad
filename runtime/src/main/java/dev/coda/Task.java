package dev.coda;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.List;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Supplier;

/**
 * The result of an asynchronous computation: pending, then succeeded with a value, failed with an exception, or
 * cancelled, once and for good. The state machine of an {@code @Async} call is itself its {@code Task}; the runtime
 * makes the others: {@link #completed}, {@link #done}, {@link #failed} and {@link #from} stand for an outcome,
 * {@link #all} and {@link #any} combine tasks, {@link Coda#sleep}, {@link Coda#yieldNow()} and {@link Coda#timeout}
 * wait, and a {@link CompletableTask} is completed by hand. It has no public constructor: only the runtime, the state
 * machines it generates and {@code new CompletableTask<>()} make tasks.
 *
 * <p>Inside an async function, {@link Coda#await(Task) await} a task; elsewhere, {@link #join()} blocks for it and
 * {@link #toCompletableFuture()} adapts it. A task started while an async function runs (an async call, a
 * combinator, a sleep, a {@code CompletableTask}) is that function's <em>child</em>: the function does not complete
 * before it, cancels it on an exceptional exit or when cancelled while awaiting it, and takes over its failure if
 * nobody else saw it; {@link #detach()} opts out.
 *
 * <p>Every method may be called from any thread. The outcome is published safely: a thread that sees the task done
 * sees its value.
 *
 * @param <T> the type of the value
 */
public class Task<T> {
    /*
     * State. Two words. The waiter stack, waiters, is where a completion is decided:
     *
     *   null | a waiter | a chain ──CAS by the one completer──▶ CLAIMED ──release store──▶ FIRED
     *
     * A completer claims the task by swapping whatever stack is there for CLAIMED in one CAS: that step decides
     * between competing completers (a completion and a cancellation) and takes the waiters at once. It then writes
     * outcome, publishes it with the outcome bits of state (a release store: PENDING ──▶ SUCCEEDED | FAILED |
     * CANCELLED), stores FIRED (a release store) and runs the waiters it took. A registration is a CAS that pushes
     * onto the stack: one that succeeds is run exactly once, by the completion that takes it, unless it takes
     * itself back first (removeWaiter, also a CAS: whoever wins owns the wake-up); one that finds FIRED reads the
     * outcome; one that finds CLAIMED waits the few instructions until FIRED. An abandoned wait is removed wherever
     * it sits, so it leaves nothing behind. So a completion costs one atomic step, and a registration one.
     *
     * The other bits of state: bit 3, OBSERVED, says that someone read the failure (an await, a join, a combinator,
     * a scope): a parent does not report it again; it is set on done tasks only. Bit 4, CLEANUP_WORK, marks a child
     * started while its parent unwound: its parent waits for it but never cancels it. Bit 5, DETACHED, marks a task
     * that does not listen to its source until a waiter arrives: a view that stopped listening, or a yield not yet
     * handed to the pool (see reattach()). The bits above belong to Coroutine, whose lifecycle lives in the same
     * word. Those bits are set by CAS, which the completion's plain store may overwrite if one lands while the task
     * is being completed: each of them concerns a pending task only, so nothing is lost that anyone reads.
     */
    static final int PENDING = 0;
    static final int SUCCEEDED = 2;
    static final int FAILED = 3;
    static final int CANCELLED = 4;
    /** The low bits of {@link #state} that hold the outcome. */
    static final int OUTCOME = 7;
    static final int OBSERVED = 1 << 3;
    static final int CLEANUP_WORK = 1 << 4;
    /** A task that stopped listening to its source when its last waiter left; the next waiter calls {@link #reattach}. */
    static final int DETACHED = 1 << 5;

    /** See the comment at the top of the class. Package-private for {@link Coroutine}, through {@link #STATE}. */
    volatile int state;
    /** The value (SUCCEEDED) or the Throwable (FAILED, CANCELLED). Plain: published by {@link #state}, and FIRED. */
    private Object outcome;
    /** null, a single {@link Waiter}, a {@link WaiterNode} chain, {@link #CLAIMED} or {@link #FIRED}. */
    private volatile Object waiters;

    /** The waiter stack while a completion that claimed it writes the outcome. */
    private static final Object CLAIMED = new Object();
    /** The waiter stack once the outcome is published. */
    private static final Object FIRED = new Object();

    static final VarHandle STATE;
    private static final VarHandle WAITERS;
    static {
        try {
            MethodHandles.Lookup l = MethodHandles.lookup();
            STATE = l.findVarHandle(Task.class, "state", int.class);
            WAITERS = l.findVarHandle(Task.class, "waiters", Object.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    /** Constructed after the handles its constructor uses. */
    private static final Task<Void> DONE = new Task<>(SUCCEEDED, null);

    /** A pending task. Package-private: only the runtime and generated state machines complete tasks. */
    Task() {}

    private Task(int phase, Object outcome) {
        // Release stores, as a constructor's writes to final fields would be: a volatile store here costs a fence
        // per completed task, and whoever receives the task through a safe publication sees these anyway.
        this.outcome = outcome;
        STATE.setRelease(this, phase);
        WAITERS.setRelease(this, FIRED);
    }

    // ---- factories -------------------------------------------------------------------------------------------

    /**
     * A task that has already succeeded with {@code value}. It is nobody's child, and cancelling it does nothing.
     *
     * @param <T> the type of the value
     * @param value the value, which may be null
     * @return a succeeded task holding {@code value}
     */
    public static <T> Task<T> completed(T value) {
        return new Task<>(SUCCEEDED, value);
    }

    /**
     * The task that has already succeeded with no value ({@code null}): what an async function returning
     * {@code Task<Void>} ends with. Every call returns the same instance.
     *
     * @return the succeeded {@code Task<Void>}
     */
    @SuppressWarnings("unchecked")
    public static Task<Void> done() {
        return DONE;
    }

    /**
     * A task that has already failed with {@code error}; awaiting or joining it throws {@code error} as described
     * there. A {@link CancellationException} makes it a cancelled task ({@link #isCancelled()} is true), as a stage
     * cancelled with one is. It is nobody's child, and cancelling it does nothing.
     *
     * @param <T> the type of the value the task would have had
     * @param error the exception
     * @return a failed, or cancelled, task holding {@code error}
     * @throws NullPointerException if {@code error} is null
     */
    public static <T> Task<T> failed(Throwable error) {
        if (error == null) throw new NullPointerException("error");
        return new Task<>(error instanceof CancellationException ? CANCELLED : FAILED, error);
    }

    /**
     * A view of {@code stage}: a task that completes as the stage does, a {@link CompletionException} wrapper removed;
     * a stage that completes with a {@link CancellationException} gives a cancelled task. Cancelling the view completes
     * the view only; the stage, which others may share, is left alone; so does a coroutine cancelled while it awaits
     * the view. This is how to await a future that others share: a stage awaited directly,
     * {@link Coda#await(CompletionStage) await(stage)}, belongs to the awaiting coroutine, which cancels it when it is
     * cancelled there. However many views of one pending stage are made, the stage holds one registration for them
     * all, and a cancelled view (a combinator's loser, say), or one whose every awaiter was cancelled, leaves nothing
     * behind on it. A view is nobody's child.
     *
     * @param <T> the type of the stage's value
     * @param stage the stage to follow
     * @return a task that completes as {@code stage} does; already done if {@code stage} is a done
     *     {@code CompletableFuture}; failed with what the stage threw if it refuses a callback
     * @throws NullPointerException if {@code stage} is null
     */
    public static <T> Task<T> from(CompletionStage<T> stage) {
        return StageView.shared(stage);
    }

    /**
     * The values of {@code tasks}, in order, once all have succeeded. The first failure (a cancellation counts)
     * cancels the others, newest first; the returned task fails with it once every task has completed, cleanup
     * included, with the others' failures suppressed onto it (of a task that was cancelled, only a cancellation
     * that carries cleanup failures). A value that succeeded but is not delivered, if it is an {@link AsyncCloseable},
     * is closed first, and a failure to close it is suppressed too. Cancelling the returned
     * task cancels every task still running, and it completes cancelled once all have completed; a cancellation that
     * comes after a failure decided the outcome changes nothing. The returned task is a child of the async function
     * running on this thread, if any.
     *
     * @param <T> the type of the values
     * @param tasks the tasks to wait for; none may be null
     * @return a task whose value is the unmodifiable list of the tasks' values, in the order of {@code tasks};
     *     already succeeded with an empty list if {@code tasks} is empty
     * @throws NullPointerException if {@code tasks} or one of its elements is null
     */
    public static <T> Task<List<T>> all(List<? extends Task<? extends T>> tasks) {
        return new Combination.All<T>(tasks).watch();
    }

    /**
     * The value of the first of {@code tasks} to succeed. The others are cancelled, newest first, and the returned
     * task completes only once every one has completed, cleanup included; a value another one produced meanwhile, if
     * it is an {@link AsyncCloseable}, is closed first. A success that would lose a failure (a loser whose cleanup
     * failed, a close that failed) becomes that failure instead, the value closed too, as a try-with-resources whose
     * close fails does. If all fail: the first task's failure, in the order of {@code tasks}, with the others
     * suppressed onto it. Cancelling the returned task cancels every task still running, and it completes cancelled
     * once all have completed; a cancellation that comes after a success decided the outcome changes nothing. The
     * returned task is a child of the async function running on this thread, if any.
     *
     * @param <T> the type of the value
     * @param tasks the tasks to race; at least one, none null
     * @return a task whose value is that of the first task to succeed
     * @throws IllegalArgumentException if {@code tasks} is empty
     * @throws NullPointerException if {@code tasks} or one of its elements is null
     */
    public static <T> Task<T> any(List<? extends Task<? extends T>> tasks) {
        return new Combination.Any<T>(tasks).watch();
    }

    // ---- queries ---------------------------------------------------------------------------------------------

    /**
     * Whether the task has completed, in any way: succeeded, failed or cancelled.
     *
     * @return true once the outcome is final
     */
    public boolean isDone() {
        int s = state;
        return (s & OUTCOME) >= SUCCEEDED || ((s & DETACHED) != 0 && catchUp());
    }

    /**
     * Whether the task completed cancelled. After {@link #cancel()} returned true it may still be false for a while:
     * an async call completes cancelled only after its cleanup.
     *
     * @return true if the task is done and its outcome is a cancellation
     */
    public boolean isCancelled() {
        return isDone() && (state & OUTCOME) == CANCELLED;
    }

    /**
     * Blocks until the task is done and returns its value: for code that is not async. On a thread that is running
     * a coroutine it first runs the resumptions queued on that thread, which could not run while it blocks. The wait
     * is not interruptible: an interrupt is remembered, and the thread's interrupt status set again on return. A
     * failure that {@code join} throws counts as seen: the task's parent does not report it again.
     *
     * @return the task's value
     * @throws CancellationException if the task was cancelled (its suppressed exceptions are the failures raised
     *     during its cleanup), or failed with a {@code CancellationException}
     * @throws CompletionException wrapping the exception the task failed with, if that is a checked exception
     * @throws RuntimeException the exception the task failed with, as it was thrown, if it is unchecked
     * @throws Error the error the task failed with, as it was thrown
     */
    public T join() {
        if (!isDone()) {
            // On a thread running a coroutine, the awaited completion may be a resumption queued on this very
            // thread, which would run only after the current step returns: run the queue first.
            Carrier.current().runQueued();
            if (!isDone()) awaitBlocking();
        }
        if ((state & OUTCOME) == SUCCEEDED) return valueNow();
        Throwable error = observeFailure();
        if (error instanceof RuntimeException) throw (RuntimeException) error;
        if (error instanceof Error) throw (Error) error;
        throw new CompletionException(error);
    }

    /**
     * Requests cancellation. Idempotent, callable from any thread, a no-op on a finished task. What it means depends
     * on the task:
     * <ul>
     *   <li>the task of an async call gets the request at its body's current or next await, which throws
     *       {@link Cancelled}; the body unwinds from there and the task completes cancelled after its cleanup. If
     *       the body is suspended on a task of its own (a child), that task is cancelled and the body keeps waiting
     *       for it, its cleanup included; if it is suspended on anything else, it stops waiting at once. If the body
     *       has ended and waits for its children, they are cancelled, and a returned task too. A body that finishes
     *       without reaching another await keeps its own outcome. The awaits of drop glue are never interrupted: a
     *       close that has started finishes;</li>
     *   <li>a view made by {@link #from}, a sleep, or a task of {@link Coda#yieldNow()} completes cancelled at once;
     *       a view leaves its stage alone;</li>
     *   <li>a combinator ({@link #all}, {@link #any}, {@link Coda#timeout}) cancels its inputs and completes cancelled
     *       once they have all completed, unless the outcome was already decided;</li>
     *   <li>a {@link CompletableTask} runs its cancellation hook, then completes cancelled;</li>
     *   <li>the task of a {@link TaskScope}'s close cancels the scope's children and still completes as they do
     *       (see {@link TaskScope#closeAsync()}).</li>
     * </ul>
     *
     * @return true if the task is cancelled, or its cancellation is under way; false if it completed, or will
     *     complete, otherwise. For the task of a scope's close, true only means that it had not completed yet.
     */
    public boolean cancel() {
        if (!isDone()) completeCancelled(new CancelledOutcome());
        return isCancelled();
    }

    /**
     * {@link #cancel()}, for a parent whose outcome this task decides (its returned child): true if this task will
     * complete cancelled. The report of {@code cancel()} itself, but for a task whose {@code cancel()} means
     * something else (a scope's close, which never completes cancelled).
     */
    boolean cancelEndsCancelled() {
        return cancel();
    }

    /**
     * Opts this task out of structured concurrency: it is no longer a child of the coroutine that started it, so
     * that coroutine neither cancels it, nor waits for it when its body ends, nor reports its failure. Call it while
     * the parent's body runs: a parent whose body has already ended waits for the children it found then. On a task
     * that is nobody's child (a view, a task made outside async code, one already detached) it does nothing.
     *
     * @return this task
     */
    public Task<T> detach() {
        return this;
    }

    /**
     * A {@link CompletableFuture} that completes with this task's outcome, unwrapped. It stands for the task:
     * {@code cancel(...)} on it is this task's {@link #cancel()}, so it returns as that does and the future completes
     * cancelled once the task has, its cleanup finished (not at once, as a plain {@code CompletableFuture} would: code
     * that cancels and then joins sees the resources closed). Completing the future from outside ({@code complete},
     * {@code completeExceptionally}, {@code orTimeout}) settles the future and cancels the task, whose outcome then
     * concerns nobody. Its dependent stages are plain {@code CompletableFuture}s. A failure the future receives counts
     * as seen: the task's parent does not report it again.
     *
     * @return a new future for this task on every call; already done if the task is
     */
    public CompletableFuture<T> toCompletableFuture() {
        TaskFuture<T> future = new TaskFuture<>(this);
        if (!addWaiter(future)) future.onCompleted(this);
        return future;
    }

    @Override
    public String toString() {
        String shown;
        switch (isDone() ? state & OUTCOME : PENDING) { // isDone() first: a detached view may catch up there
            case SUCCEEDED: shown = "succeeded: " + outcome; break;
            case FAILED: shown = "failed: " + outcome; break;
            case CANCELLED: shown = "cancelled"; break;
            default: shown = "pending";
        }
        return getClass().getName() + "@" + Integer.toHexString(System.identityHashCode(this)) + "[" + shown + "]";
    }

    // ---- runtime-internal -------------------------------------------------------------------------------------

    /** The coroutine whose child this task is, or null: a cancelled parent awaiting it cancels it first. */
    Coroutine<?> parent() {
        return null;
    }

    /**
     * {@code w}, a coroutine being cancelled, stops waiting for this task. A task that stands for an operation the
     * coroutine owns (a stage it awaited directly) cancels that operation. Returns what cancelling it threw, or null.
     */
    Throwable abandonedBy(Waiter w) {
        removeWaiter(w);
        return null;
    }

    /** Someone needs this task's outcome again after abandoning it (a value in transit, to be closed). */
    void watchAgain() {}

    /**
     * A waiter was registered on a task with DETACHED set: a view that stopped listening to its stage when its last
     * waiter left listens again; a yield is handed to the pool. Called after the push, so a detachment that missed
     * this waiter sees it (the bit is set before a view looks for waiters, and read here after the push).
     */
    void reattach() {}

    /**
     * A view with DETACHED set, asked whether it is done: it stopped listening to its stage, which may have completed
     * since; if it has, the view completes as the stage did now. True if the view is done.
     */
    boolean catchUp() {
        return false;
    }

    /** Whether no waiter is registered (and the task has not fired). For a view deciding to stop listening. */
    final boolean hasNoWaiters() {
        return waiters == null;
    }

    /**
     * The coroutine awaiting this task has been cancelled where nothing may interrupt it: in drop glue, or while it
     * unwinds. So the task still completes as it would; but a task that waits for children (a scope's close) cancels
     * them.
     */
    void parentCancelled() {}

    /**
     * The task {@code body} returns, started now; a body that throws, or returns null, gives a task failed with that.
     * A thrown CancellationException is a failure too, not a cancellation. {@code what} names the caller for the
     * message.
     */
    static <T> Task<T> started(Supplier<Task<T>> body, String what) {
        try {
            Task<T> task = body.get();
            return task != null ? task
                    : failedWith(new NullPointerException(what + ": the body returned null instead of a task"));
        } catch (Throwable t) {
            return failedWith(t);
        }
    }

    private static <T> Task<T> failedWith(Throwable error) {
        Task<T> task = new Task<>();
        task.fail(error);
        return task;
    }

    /** Cancelled, with failures raised during its cleanup suppressed onto the outcome: something to report. */
    final boolean cancelledWithCleanupFailures() {
        return isCancelled() && ((Throwable) outcome).getSuppressed().length > 0;
    }

    @SuppressWarnings("unchecked")
    final T valueNow() {
        return (T) outcome;
    }

    /** The exception a done task failed or was cancelled with; null if it succeeded or is not done. */
    final Throwable failureNow() {
        int phase = state & OUTCOME;
        return phase == FAILED || phase == CANCELLED ? (Throwable) outcome : null;
    }

    /** A done task whose failure (or cancellation with cleanup failures) nobody has seen yet. */
    final boolean hasUnobservedFailure() {
        return (state & OBSERVED) == 0 && hasFailureToReport();
    }

    /** Failed, or cancelled with cleanup failures: what a parent reports for a child nobody observed. */
    private boolean hasFailureToReport() {
        int phase = state & OUTCOME;
        return phase == FAILED || (phase == CANCELLED && cancelledWithCleanupFailures());
    }

    /** Started while its parent unwound: cleanup work, which its parent waits for but never cancels. */
    final boolean isCleanupWork() {
        return (state & CLEANUP_WORK) != 0;
    }

    /** {@link #failureNow()}, marked as seen by someone if there is one (see the class comment). */
    final Throwable observeFailure() {
        Throwable failure = failureNow();
        if (failure != null && (state & OBSERVED) == 0) STATE.getAndBitwiseOr(this, OBSERVED);
        return failure;
    }

    /**
     * For a parent collecting what its children left: true, once, for a done task whose failure nobody has seen;
     * the failure is then marked seen. A cancellation counts only if cleanup failures were suppressed onto it.
     */
    final boolean claimUnobservedFailure() {
        return hasFailureToReport() && ((int) STATE.getAndBitwiseOr(this, OBSERVED) & OBSERVED) == 0;
    }

    /**
     * The outcome of a done task as the awaiting code sees it: the value, or the exception thrown as it was
     * thrown (never wrapped). Precondition: {@link #isDone()}.
     */
    final Object resultOrThrow() {
        if ((state & OUTCOME) == SUCCEEDED) return outcome;
        throw Sneaky.<RuntimeException>rethrow(observeFailure());
    }

    final boolean succeed(Object value) {
        return complete(SUCCEEDED, value);
    }

    /**
     * Fails with {@code error}. A CancellationException here is an ordinary failure: a coroutine that awaited a
     * task cancelled elsewhere and let the exception escape has failed, it was not itself cancelled.
     */
    final boolean fail(Throwable error) {
        return complete(FAILED, error);
    }

    final boolean completeCancelled(CancellationException outcome) {
        return complete(CANCELLED, outcome);
    }

    /** Completes as a foreign stage did: a stage that completed with a CancellationException was cancelled. */
    final boolean mirrorFailure(Throwable error) {
        return complete(error instanceof CancellationException ? CANCELLED : FAILED, error);
    }

    /** PENDING → {@code phase}; then runs the waiters. False if the task was already completed, or is being. */
    boolean complete(int phase, Object result) {
        Object head = claimWaiters();
        if (head == FIRED) return false;
        publish(head, phase, result);
        fire(head);
        return true;
    }

    /**
     * Claims the completion: the waiter stack taken, for {@link #publish}; or FIRED if another completer claimed it
     * first, in which case its outcome is readable when this returns.
     */
    private Object claimWaiters() {
        for (;;) {
            Object head = openStack();
            if (head == FIRED) return FIRED;
            if (WAITERS.compareAndSet(this, head, CLAIMED)) return head;
        }
    }

    /** Writes and publishes the outcome after {@link #claimWaiters}; the caller then runs the waiters it took. */
    private void publish(Object head, int phase, Object result) {
        outcome = result;
        STATE.setRelease(this, state + phase); // PENDING is 0: the other bits are kept (see the state comment)
        WAITERS.setRelease(this, FIRED);
    }

    /** The waiter stack, or FIRED once a completion claimed it: then its outcome is readable on return. */
    private Object openStack() {
        Object head = waiters;
        if (head != CLAIMED) return head;
        awaitPublication();
        return FIRED;
    }

    /**
     * Waits out a completion between its claim and its publication: a few instructions, no user code. A completer
     * descheduled in that window is given the processor rather than spun against.
     */
    final void awaitPublication() {
        for (int spins = 0; waiters == CLAIMED; spins++) {
            if (spins < 64) Thread.onSpinWait();
            else Thread.yield();
        }
    }

    /**
     * Sets {@code bit} if this task is pending. A task being completed is left alone: its completion publishes with
     * a plain store (see {@link #publish}), and the flags say nothing about a done task.
     */
    final void markWhilePending(int bit) {
        int s;
        do {
            s = state;
            if ((s & OUTCOME) != PENDING) return;
        } while (!STATE.compareAndSet(this, s, s | bit));
    }

    /** Clears {@code bit} if this task is pending (see {@link #markWhilePending}); true if this call cleared it. */
    final boolean unmarkWhilePending(int bit) {
        int s;
        do {
            s = state;
            if ((s & OUTCOME) != PENDING || (s & bit) == 0) return false;
        } while (!STATE.compareAndSet(this, s, s & ~bit));
        return true;
    }

    /**
     * {@link #completeAlone} for a task that no other thread has seen yet (a coroutine whose body ends inside its
     * inline start, never having suspended): nothing else reads or writes its words, so release stores publish the
     * outcome to whoever receives the task from this thread, and no waiter can be registered yet.
     */
    final void completeUnseen(int phase, Object result) {
        Object head = waiters; // null while the premise holds
        publish(head, phase, result);
        if (head != null) fire(head);
    }

    /** {@link #complete} for a task that nothing else can complete (a coroutine, whose outcome has one author). */
    final void completeAlone(int phase, Object result) {
        Object head = claimWaiters();
        if (head == FIRED) throw new IllegalStateException("a coroutine's task was completed from outside: " + this);
        publish(head, phase, result);
        // A test of its own: a coroutine is often awaited by nobody, and then the JIT, profiling this branch alone,
        // leaves the waiters' code (another body's resumption) out of every body it compiles a return into.
        if (head != null) fireOwn(head);
    }

    /**
     * {@link #fire} for a coroutine's own completion, which nearly always runs inside that coroutine's step: a
     * coroutine waiting on it is resumed through {@link Carrier#resumeWoken}, which then queues it.
     */
    private void fireOwn(Object head) {
        if (head instanceof Coroutine) Carrier.current().resumeWoken((Coroutine<?>) head);
        else fire(head);
    }

    /**
     * Registers {@code w} to run when this task completes. Returns false, without registering, if the task has
     * already fired its waiters; the caller then reads the outcome itself. The first waiter is stored as is, so a
     * single awaiting coroutine costs no allocation.
     */
    final boolean addWaiter(Waiter w) {
        for (;;) {
            Object head = openStack();
            if (head == FIRED) return false;
            Object next;
            if (head == null) next = w; // the common case: one waiter, stored bare
            else next = new WaiterNode(w, head instanceof WaiterNode ? (WaiterNode) head : new WaiterNode((Waiter) head, null));
            if (!WAITERS.compareAndSet(this, head, next)) continue;
            // Pushed before any claim: the completion's claim takes it with the rest of the stack.
            if ((state & DETACHED) != 0) reattach();
            return true;
        }
    }

    /**
     * Takes back one registration of {@code w}, wherever it sits, so that a waiter that stopped waiting is not kept
     * alive by a task that may never complete. True if this call took it: the completion will not run it, and the
     * caller owns what the wake-up would have done. False if it was not registered, or a completion already holds
     * it. A node is emptied by CAS (the completion empties each node it runs the same way), then unlinked by CAS on
     * its predecessor. Nodes are only ever pushed at the head, so an unlink skips empty nodes only; two concurrent
     * unlinks may leave one empty node behind, which the next removal sweeps.
     */
    final boolean removeWaiter(Waiter w) {
        for (;;) {
            Object head = waiters;
            if (head == w) {
                if (WAITERS.compareAndSet(this, w, null)) return true;
                continue; // a second waiter arrived and wrapped it in a node, or the completion took it: look again
            }
            if (!(head instanceof WaiterNode)) return false; // not registered, or fired
            for (WaiterNode n = (WaiterNode) head; n != null; n = n.next) {
                if (n.waiter == w && WaiterNode.WAITER.compareAndSet(n, w, null)) {
                    unlinkEmpty();
                    return true;
                }
            }
            return false;
        }
    }

    /** Unlinks the emptied nodes of the chain (see {@link #removeWaiter}). */
    private void unlinkEmpty() {
        Object head;
        while ((head = waiters) instanceof WaiterNode && ((WaiterNode) head).waiter == null) {
            WAITERS.compareAndSet(this, head, ((WaiterNode) head).next);
        }
        if (!(head instanceof WaiterNode)) return;
        WaiterNode p = (WaiterNode) head;
        WaiterNode q;
        while ((q = p.next) != null) {
            if (q.waiter == null) WaiterNode.NEXT.compareAndSet(p, q, q.next);
            else p = q;
        }
    }

    /**
     * Runs every waiter once, in registration order. A waiter that throws does not stop the others: the first
     * throwable is rethrown after all have run, with any later ones suppressed onto it.
     */
    private void fire(Object head) {
        if (head == null) return;
        if (head instanceof Coroutine) { // the common case, called directly rather than through the interface
            ((Coroutine<?>) head).onCompleted(this);
            return;
        }
        if (head instanceof Waiter) {
            ((Waiter) head).onCompleted(this);
            return;
        }
        // A chain was pushed newest-first. It is read, not relinked: a concurrent removal may still be walking it.
        int size = 0;
        for (WaiterNode n = (WaiterNode) head; n != null; n = n.next) size++;
        Waiter[] inOrder = new Waiter[size];
        for (WaiterNode n = (WaiterNode) head; n != null && size > 0; n = n.next) {
            inOrder[--size] = (Waiter) WaiterNode.WAITER.getAndSet(n, null); // against a concurrent removeWaiter
        }
        Throwable failure = null;
        for (Waiter w : inOrder) {
            if (w == null) continue; // taken back
            try {
                w.onCompleted(this);
            } catch (Throwable t) {
                if (failure == null) failure = t;
                else if (failure != t) failure.addSuppressed(t);
            }
        }
        if (failure != null) throw Sneaky.<RuntimeException>rethrow(failure);
    }

    private void awaitBlocking() {
        Thread caller = Thread.currentThread();
        Waiter unpark = source -> LockSupport.unpark(caller);
        if (!addWaiter(unpark)) return;
        boolean interrupted = false;
        while (!isDone()) {
            LockSupport.park(this);
            if (Thread.interrupted()) interrupted = true;
        }
        if (interrupted) caller.interrupt();
    }

    static Throwable unwrap(Throwable error) {
        if (error instanceof CompletionException && error.getCause() != null) return error.getCause();
        return error;
    }

    /**
     * A coroutine waiting for this task, for traces only: the first in the waiter chain, or null. The chain may
     * change while it is read; what it returns is a coroutine that was waiting a moment ago.
     */
    final Coroutine<?> awaitingCoroutine() {
        Object head = waiters;
        if (head instanceof Coroutine) return (Coroutine<?>) head;
        for (WaiterNode n = head instanceof WaiterNode ? (WaiterNode) head : null; n != null; n = n.next) {
            Waiter w = n.waiter;
            if (w instanceof Coroutine) return (Coroutine<?>) w;
        }
        return null;
    }

    /** A waiter chain link, allocated only when a task has more than one waiter. */
    private static final class WaiterNode {
        /** Null once taken: by the completion that runs it, or by removeWaiter; each takes it with an atomic step. */
        volatile Waiter waiter;
        volatile WaiterNode next;

        static final VarHandle NEXT;
        static final VarHandle WAITER;
        static {
            try {
                MethodHandles.Lookup l = MethodHandles.lookup();
                NEXT = l.findVarHandle(WaiterNode.class, "next", WaiterNode.class);
                WAITER = l.findVarHandle(WaiterNode.class, "waiter", Waiter.class);
            } catch (ReflectiveOperationException e) {
                throw new ExceptionInInitializerError(e);
            }
        }

        WaiterNode(Waiter waiter, WaiterNode next) {
            // Plain stores: the CAS that pushes the node publishes it.
            WAITER.set(this, waiter);
            NEXT.set(this, next);
        }
    }
}
