package dev.coda;

import java.util.concurrent.CompletableFuture;

/**
 * The future of {@link Task#toCompletableFuture()}, and so of an async function declared to return a
 * {@code CompletableFuture} or {@code CompletionStage}: it completes as its task does, and cancelling it cancels the
 * task. See {@link Task#toCompletableFuture()} for what that means for the future's own state.
 */
final class TaskFuture<T> extends CompletableFuture<T> implements Waiter {
    private final Task<T> task;

    TaskFuture(Task<T> task) {
        this.task = task;
    }

    @Override
    public void onCompleted(Task<?> source) {
        // Settled from outside already: the task's failure is left for its parent to report, not marked as seen.
        if (isDone()) return;
        Throwable failure = task.observeFailure();
        if (failure == null) super.complete(task.valueNow());
        else super.completeExceptionally(failure);
    }

    /**
     * Cancels the task, as {@link Task#cancel()} does: the future completes cancelled once the task has, after its
     * cleanup. {@code mayInterruptIfRunning} has no meaning here: a coroutine is not a thread.
     */
    @Override
    public boolean cancel(boolean mayInterruptIfRunning) {
        return task.cancel();
    }

    /** Settles the future with {@code value}, and cancels the task, whose outcome nobody waits for any more. */
    @Override
    public boolean complete(T value) {
        boolean settled = super.complete(value);
        if (settled) task.cancel();
        return settled;
    }

    /** Settles the future with {@code error} (a timeout, say), and cancels the task. */
    @Override
    public boolean completeExceptionally(Throwable error) {
        boolean settled = super.completeExceptionally(error);
        if (settled) task.cancel();
        return settled;
    }

    /** Dependent stages are plain futures: cancelling one of them does not reach back to the task. */
    @Override
    public <U> CompletableFuture<U> newIncompleteFuture() {
        return new CompletableFuture<>();
    }
}
