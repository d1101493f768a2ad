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
 * The result of an asynchronous computation. The state machine of an {@code @Async} call is itself its {@code Task}.
 *
 * <h2>State</h2>
 * One atomic word, {@link #status}, records the phase:
 * <pre>
 *   PENDING ──CAS──▶ COMPLETING ──store──▶ SUCCEEDED | FAILED | CANCELLED
 * </pre>
 * Only the thread whose CAS wins writes {@link #outcome}; the volatile store of the final phase publishes it, so a
 * reader that sees a final phase sees the outcome. Waiters live in a separate Treiber stack, {@link #waiters}, which
 * the completing thread swaps for {@link #FIRED} after publishing the phase: a waiter whose CAS onto the stack
 * succeeded is guaranteed to be run, and one that finds {@code FIRED} knows the outcome is already readable.
 */
public class Task<T> {
    static final int PENDING = 0;
    static final int COMPLETING = 1;
    static final int SUCCEEDED = 2;
    static final int FAILED = 3;
    static final int CANCELLED = 4;

    /** The phase; see the class comment for its transitions. */
    private volatile int status;
    /** The value (SUCCEEDED) or the Throwable (FAILED, CANCELLED). Plain: published by {@link #status}. */
    private Object outcome;
    /** null, a single {@link Waiter}, a {@link WaiterNode} chain, or {@link #FIRED}. */
    private volatile Object waiters;

    private static final Object FIRED = new Object();
    private static final Task<Void> DONE = new Task<>(SUCCEEDED, null);

    private static final VarHandle STATUS;
    private static final VarHandle WAITERS;
    static {
        try {
            MethodHandles.Lookup l = MethodHandles.lookup();
            STATUS = l.findVarHandle(Task.class, "status", int.class);
            WAITERS = l.findVarHandle(Task.class, "waiters", Object.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    /** A pending task. Package-private: only the runtime and generated state machines complete tasks. */
    Task() {}

    private Task(int phase, Object outcome) {
        this.outcome = outcome;
        this.status = phase;
        this.waiters = FIRED;
    }

    // ---- factories -------------------------------------------------------------------------------------------

    public static <T> Task<T> completed(T value) {
        return new Task<>(SUCCEEDED, value);
    }

    @SuppressWarnings("unchecked")
    public static Task<Void> done() {
        return DONE;
    }

    public static <T> Task<T> failed(Throwable error) {
        if (error == null) throw new NullPointerException("error");
        return new Task<>(error instanceof CancellationException ? CANCELLED : FAILED, error);
    }

    /** A task that completes as {@code stage} does; a {@link CompletionException} wrapper is removed. */
    public static <T> Task<T> from(CompletionStage<T> stage) {
        if (stage == null) throw new NullPointerException("stage");
        Task<T> task = new Task<>();
        stage.whenComplete((value, error) -> {
            if (error == null) task.succeed(value);
            else task.mirrorFailure(unwrap(error));
        });
        return task;
    }

    /**
     * The values of {@code tasks}, in order, once all have succeeded. The first failure (a cancellation counts)
     * cancels the others, newest first; the returned task fails with it once every task has completed, cleanup
     * included, with the others' failures and cleanup failures suppressed onto it. A value that succeeded but is not
     * delivered, if it is an {@link AsyncCloseable}, is closed first. Cancelling the returned task cancels them all.
     */
    public static <T> Task<List<T>> all(List<? extends Task<? extends T>> tasks) {
        return new Combination.All<T>(tasks).watch();
    }

    /**
     * The value of the first of {@code tasks} to succeed. The others are cancelled, newest first, and the returned
     * task completes only once every one has completed, cleanup included; a value another one produced meanwhile, if
     * it is an {@link AsyncCloseable}, is closed first. If all fail: the first task's failure, the others suppressed.
     * Cancelling the returned task cancels them all.
     *
     * @throws IllegalArgumentException if {@code tasks} is empty
     */
    public static <T> Task<T> any(List<? extends Task<? extends T>> tasks) {
        return new Combination.Any<T>(tasks).watch();
    }

    // ---- queries ---------------------------------------------------------------------------------------------

    public boolean isDone() {
        return status >= SUCCEEDED;
    }

    public boolean isCancelled() {
        return status == CANCELLED;
    }

    /**
     * Blocks until the task is done and returns its value. An unchecked exception or error is rethrown as it was
     * thrown; a checked one is wrapped in {@link CompletionException}; a cancelled task throws
     * {@link CancellationException}.
     */
    public T join() {
        if (!isDone()) {
            // On a thread running a coroutine, the awaited completion may be a resumption queued on this very
            // thread, which would run only after the current step returns: run the queue first.
            Carrier.current().runQueued();
            if (!isDone()) awaitBlocking();
        }
        int phase = status;
        if (phase == SUCCEEDED) return valueNow();
        Throwable error = (Throwable) outcome;
        if (error instanceof RuntimeException) throw (RuntimeException) error;
        if (error instanceof Error) throw (Error) error;
        throw new CompletionException(error);
    }

    /**
     * Requests cancellation. A task that only stands for an outcome (from {@link #from} or a factory) completes as
     * cancelled at once; the task of an async call is cancelled as SPEC §6 describes (see {@link Coroutine#cancel}).
     * Idempotent, callable from any thread, a no-op on a finished task.
     *
     * @return true if the task is cancelled, or its cancellation is under way; false if it completed otherwise
     */
    public boolean cancel() {
        if (!isDone()) completeCancelled(new CancelledOutcome());
        return isCancelled();
    }

    /**
     * Opts this task out of structured concurrency: it is no longer a child of the coroutine that started it, so
     * cancelling that coroutine no longer cancels it. Returns this task.
     */
    public Task<T> detach() {
        return this;
    }

    /** A {@link CompletableFuture} that completes with this task's outcome, unwrapped. */
    public CompletableFuture<T> toCompletableFuture() {
        CompletableFuture<T> future = new CompletableFuture<>();
        Waiter bridge = source -> {
            if (status == SUCCEEDED) future.complete(valueNow());
            else future.completeExceptionally((Throwable) outcome);
        };
        if (!addWaiter(bridge)) bridge.onCompleted(this);
        return future;
    }

    @Override
    public String toString() {
        int phase = status;
        String state;
        switch (phase) {
            case SUCCEEDED: state = "succeeded: " + outcome; break;
            case FAILED: state = "failed: " + outcome; break;
            case CANCELLED: state = "cancelled"; break;
            default: state = "pending";
        }
        return getClass().getName() + "@" + Integer.toHexString(System.identityHashCode(this)) + "[" + state + "]";
    }

    // ---- runtime-internal -------------------------------------------------------------------------------------

    /** The coroutine whose child this task is (SPEC §7), or null: a cancelled parent awaiting it cancels it first. */
    Coroutine<?> parent() {
        return null;
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
        int phase = status;
        return phase == FAILED || phase == CANCELLED ? (Throwable) outcome : null;
    }

    /**
     * The outcome of a done task as the awaiting code sees it: the value, or the exception thrown as it was
     * thrown (never wrapped). Precondition: {@link #isDone()}.
     */
    final Object resultOrThrow() {
        if (status == SUCCEEDED) return outcome;
        throw Sneaky.<RuntimeException>rethrow((Throwable) outcome);
    }

    final boolean succeed(Object value) {
        return complete(SUCCEEDED, value);
    }

    /**
     * Fails with {@code error}. A CancellationException here is an ordinary failure: a coroutine that awaited a
     * task cancelled elsewhere and let the exception escape has failed, it was not itself cancelled (SPEC §6).
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

    /** PENDING → COMPLETING → {@code phase}; then runs the waiters. False if the task was already completed. */
    private boolean complete(int phase, Object result) {
        if (!STATUS.compareAndSet(this, PENDING, COMPLETING)) return false;
        outcome = result;
        status = phase; // volatile store publishes outcome
        fireWaiters();
        return true;
    }

    /**
     * Registers {@code w} to run when this task completes. Returns false, without registering, if the task has
     * already fired its waiters; the caller then reads the outcome itself. The first waiter is stored as is, so a
     * single awaiting coroutine costs no allocation.
     */
    final boolean addWaiter(Waiter w) {
        for (;;) {
            Object head = waiters;
            if (head == FIRED) return false;
            Object next;
            if (head == null) next = w; // the common case: one waiter, stored bare
            else next = new WaiterNode(w, head instanceof WaiterNode ? (WaiterNode) head : new WaiterNode((Waiter) head, null));
            if (WAITERS.compareAndSet(this, head, next)) return true;
        }
    }

    /**
     * Unregisters {@code w} if it is this task's only waiter; a waiter in a chain of several stays, and is run (and
     * ignored) at completion. Enough for the case that matters: a coroutine abandoning a foreign task it alone awaited.
     */
    final void removeWaiter(Waiter w) {
        WAITERS.compareAndSet(this, w, null);
    }

    /**
     * Runs every waiter once, in registration order. A waiter that throws does not stop the others: the first
     * throwable is rethrown after all have run, with any later ones suppressed onto it.
     */
    private void fireWaiters() {
        Object head = WAITERS.getAndSet(this, FIRED);
        if (head == null) return;
        if (head instanceof Waiter) {
            ((Waiter) head).onCompleted(this);
            return;
        }
        // A chain was pushed newest-first.
        Throwable failure = null;
        for (WaiterNode n = reverse((WaiterNode) head); n != null; n = n.next) {
            try {
                n.waiter.onCompleted(this);
            } catch (Throwable t) {
                if (failure == null) failure = t;
                else if (failure != t) failure.addSuppressed(t);
            }
        }
        if (failure != null) throw Sneaky.<RuntimeException>rethrow(failure);
    }

    private static WaiterNode reverse(WaiterNode head) {
        WaiterNode reversed = null;
        WaiterNode n = head;
        while (n != null) {
            WaiterNode next = n.next;
            n.next = reversed;
            reversed = n;
            n = next;
        }
        return reversed;
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

    /** A waiter chain link, allocated only when a task has more than one waiter. */
    private static final class WaiterNode {
        final Waiter waiter;
        WaiterNode next;

        WaiterNode(Waiter waiter, WaiterNode next) {
            this.waiter = waiter;
            this.next = next;
        }
    }
}
