package dev.coda;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.Executor;
import java.util.function.Supplier;

/**
 * A group of child tasks that fails fast and is closed by waiting for all of them. Open it in a
 * try-with-resources of an async function; its {@link #closeAsync()} is then awaited on every exit:
 * <pre>{@code
 * try (TaskScope scope = TaskScope.open(executor)) {
 *     for (Connection c : connections) scope.spawn(() -> handle(c));
 * } // waits for every handler; the first failure is thrown, the others suppressed onto it
 * }</pre>
 *
 * <ul>
 *   <li>{@link #open()}: {@code spawn} runs the body on the calling thread, until it first suspends.</li>
 *   <li>{@link #open(Executor)}: {@code spawn} evaluates the body on the calling thread with every async call it
 *       makes <em>deferred</em>: the state machine is built there, its parameters bound, and only its first step
 *       runs on the executor. Each of those calls is a child of the scope. A child cancelled before that step ran
 *       never runs; its {@code @Owned} parameters are dropped instead. Plain code in the body (anything
 *       that is not an async call) runs on the calling thread, so keep it to building the call. An executor that
 *       refuses the start fails the child with its exception; one that silently discards it (a discard policy, the
 *       list {@code shutdownNow()} returns) leaves the child unstarted until it is cancelled, and the close waits.</li>
 *   <li>Fail-fast: the first child that fails (a cancelled child has not failed) cancels every other child still
 *       running, newest first, and every child spawned afterwards is cancelled at once. The owner is not woken: it
 *       learns of the failure from the child it awaits, or at the close.</li>
 *   <li>{@link #closeAsync()} completes once every child has completed, cleanup included: with the first failure,
 *       in order of completion, and the later ones suppressed onto it, whether or not the owner awaited and handled
 *       it (but not the exception the owner left the scope with, already on its way out). The outcome of a
 *       cancelled child that carries cleanup failures is kept too, after the failures, so nothing is lost. Children may still spawn siblings while the close waits; once it has completed,
 *       {@code spawn} throws.</li>
 *   <li>Cancellation: if the owner leaves the scope with an exception (its drop glue says so, a cancellation
 *       included), or is cancelled while it waits in the close, the children are cancelled and the close still waits
 *       for their cleanup. Cancelling the close's task, or a cancelled owner awaiting it, does the same.</li>
 * </ul>
 *
 * <p>Children are tracked under a private lock, held only to update the scope's bookkeeping: never while a body,
 * a cancellation or a completion runs.
 */
public final class TaskScope implements AsyncCloseable {
    private final Executor executor;
    private final Close closed = new Close();
    private final Waiter onChildDone = this::childDone;

    private final Object lock = new Object();
    // Guarded by lock.
    /** In spawn order; tasks compare by identity. */
    private final Set<Task<?>> running = new LinkedHashSet<>();
    /** Spawns whose body is being evaluated: the scope cannot finish closing until they have registered. */
    private int spawning;
    /** Failures of children, in order of completion. */
    private final List<Throwable> failures = new ArrayList<>();
    /** Outcomes of cancelled children that carry cleanup failures, in order of completion. */
    private final List<Throwable> cleanupFailures = new ArrayList<>();
    /** A child failed, or the closing owner was cancelled: children still running were cancelled. */
    private boolean cancelling;
    private boolean closing;
    private boolean finished;
    /** The exception the owner left the scope with ({@link #abortAsync}), which the close does not report again. */
    private Throwable inFlight;

    private TaskScope(Executor executor) {
        this.executor = executor;
    }

    /**
     * A scope whose children run on the calling thread until they first suspend.
     *
     * @return a new, open scope
     */
    public static TaskScope open() {
        return new TaskScope(null);
    }

    /**
     * A scope whose children start on {@code executor}: the async calls a spawned body makes are built on the calling
     * thread and their first step handed to the executor (see the class comment).
     *
     * @param executor runs the first step of every child
     * @return a new, open scope
     * @throws NullPointerException if {@code executor} is null
     */
    public static TaskScope open(Executor executor) {
        return new TaskScope(Objects.requireNonNull(executor, "executor"));
    }

    /**
     * Starts {@code body} as a child of this scope and returns its task. A body that throws instead of returning a
     * task, or returns null, gives a child failed with that exception (a {@code NullPointerException} for null),
     * which fails the scope as any failed child does. A child spawned while the scope is cancelling its children (a
     * child failed, or the owner left with an exception or was cancelled) is cancelled at once. Safe to call from
     * any thread, children included, until the close has completed.
     *
     * @param <T> the type of the child's value
     * @param body starts the child and returns its task; with {@link #open(Executor)}, it should do no more than
     *     make the async call, since it runs on the calling thread
     * @return the child's task: the one {@code body} returned, or one failed with what it threw
     * @throws IllegalStateException if the scope's close has completed
     * @throws NullPointerException if {@code body} is null
     */
    public <T> Task<T> spawn(Supplier<Task<T>> body) {
        Objects.requireNonNull(body, "body");
        synchronized (lock) {
            if (finished) throw new IllegalStateException("TaskScope.spawn after the scope was closed");
            spawning++;
        }
        List<Coroutine<?>> deferred = executor == null ? null : new ArrayList<>(1);
        Task<T> child = Task.started(() -> Carrier.current().deferStarts(executor, deferred, body), "TaskScope.spawn");
        List<Task<?>> children = new ArrayList<>(1);
        if (deferred != null) for (Coroutine<?> c : deferred) if (c != child) children.add(c);
        children.add(child);
        boolean cancelAtOnce;
        synchronized (lock) {
            spawning--;
            running.addAll(children);
            cancelAtOnce = cancelling;
        }
        for (Task<?> c : children) {
            if (cancelAtOnce) c.cancel();
            if (!c.addWaiter(onChildDone)) childDone(c);
        }
        return child;
    }

    /**
     * Closes the scope: see the class comment. Idempotent: every call returns the same task. Cancelling that task
     * cancels the children, and it still completes as they do; its {@code cancel()} returns true if it had not
     * completed yet, whatever its outcome will be.
     *
     * @return the close's task, which completes once every child has completed: failed with the first child
     *     failure, in order of completion, the later failures and then the outcomes of cancelled children that carry
     *     cleanup failures suppressed onto it (with no failure, the first such outcome is the failure); succeeded
     *     otherwise
     */
    @Override
    public Task<Void> closeAsync() {
        boolean first;
        synchronized (lock) {
            first = !closing;
            closing = true;
        }
        // Started now, by its owner's body (it is that body's child): listed with the owner's other children, so
        // that a close nobody awaits is still waited for, and its failure reported, when the body ends.
        if (first && Carrier.current().running() == closed.parent()) closed.started();
        finishIfDone();
        return closed;
    }

    /** The task of the close: cancelling it, or its owner, cancels the children; it completes when they have. */
    private final class Close extends ChildTask<Void> { // made with the scope: the child of the coroutine opening it
        Close() {
            super(Carrier.current().parentOfNew());
        }

        /** Opened by a coroutine already unwinding: its children are cleanup work, which is never cancelled. */
        private final boolean cleanupWork = parent() != null && parent().isUnwinding();

        @Override
        void parentCancelled() {
            if (!cleanupWork) cancelChildren();
        }

        /**
         * Cancels the children; the close still completes as they do, so true means only that it had not completed:
         * it may still succeed, or fail with a child's failure.
         */
        @Override
        public boolean cancel() {
            boolean wasDone = isDone();
            cancelChildren();
            return !wasDone;
        }

        /** A close never completes cancelled: it completes as the children do. */
        @Override
        boolean cancelEndsCancelled() {
            cancelChildren();
            return false;
        }
    }

    /**
     * Closes the scope after its owner left it with an exception or a cancellation in flight: cancels the children
     * first, then closes as {@link #closeAsync()} does, except that the close does not report {@code cause} itself
     * (a child's failure the owner awaited and let escape), which is already on its way out.
     *
     * @param cause the exception in flight, or null
     * @return the close's task, as {@link #closeAsync()}'s
     */
    @Override
    public Task<Void> abortAsync(Throwable cause) {
        synchronized (lock) {
            if (!finished && inFlight == null) inFlight = cause; // a close started earlier still leaves it out
        }
        cancelChildren();
        return closeAsync();
    }

    private void cancelChildren() {
        List<Task<?>> toCancel;
        synchronized (lock) {
            toCancel = startCancelling();
        }
        cancelAll(toCancel);
    }

    private void childDone(Task<?> child) {
        Throwable failure = child.observeFailure(); // reported by the close
        boolean failed = failure != null && !child.isCancelled();
        List<Task<?>> toCancel = null;
        synchronized (lock) {
            running.remove(child);
            if (failed) failures.add(failure);
            else if (child.cancelledWithCleanupFailures()) cleanupFailures.add(failure);
            if (failed) toCancel = startCancelling();
        }
        cancelAll(toCancel);
        finishIfDone();
    }

    /** Under the lock: the children to cancel, if the scope was not cancelling them already; null otherwise. */
    private List<Task<?>> startCancelling() {
        if (cancelling) return null;
        cancelling = true;
        return new ArrayList<>(running);
    }

    /** Cancels the newest child first, as scopes drop their values in reverse order. */
    private static void cancelAll(List<Task<?>> tasks) {
        if (tasks == null) return;
        for (int i = tasks.size() - 1; i >= 0; i--) tasks.get(i).cancel();
    }

    /** Completes {@link #closed}, exactly once, when the scope is closing and no child runs or is being spawned. */
    private void finishIfDone() {
        Throwable first = null;
        synchronized (lock) {
            if (finished || !closing || spawning > 0 || !running.isEmpty()) return;
            finished = true;
            failures.addAll(cleanupFailures);
            // The owner's own exception, a child's failure it awaited and let escape, is already on its way out:
            // reported again here, it would be suppressed onto itself.
            failures.removeIf(f -> f == inFlight);
            for (Throwable f : failures) {
                if (first == null) first = f;
                else if (f != first) first.addSuppressed(f);
            }
        }
        if (first == null) closed.succeed(null);
        else closed.fail(first);
    }
}
