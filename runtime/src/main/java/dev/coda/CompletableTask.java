package dev.coda;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.channels.CompletionHandler;
import java.util.concurrent.CancellationException;

/**
 * A task that code completes by hand: the bridge from a callback API to {@code await}. Any thread may complete it,
 * once; later attempts report false. A cancellation hook ({@link #onCancel}) says what cancelling means for the
 * operation behind the task (close a channel, abort a request) and runs exactly once if the task is cancelled before
 * it completes. The task is its own NIO {@link CompletionHandler}:
 * <pre>{@code
 * CompletableTask<Integer> read = new CompletableTask<>();
 * channel.read(buffer, null, read);
 * read.onCancel(() -> closeQuietly(channel));
 * int n = await(read);
 * }</pre>
 * Completing it and awaiting it allocate nothing beyond the task itself.
 *
 * <p>Made while an async function runs, it is that function's child, as a call it started would be: if the function
 * is cancelled while it awaits the task, the task is cancelled (its hook runs) before the cancellation unwinds the
 * function; if the function ends without awaiting it, the function waits for it, or cancels it on an exceptional
 * exit; a failure nobody awaited becomes the function's. So the function that made it owns the operation. One made
 * elsewhere (on a callback's thread), or {@link #detach() detached}, is nobody's child: a cancelled coroutine that
 * awaits it only stops waiting, and whoever made it completes it.
 *
 * <p>Every method may be called from any thread.
 *
 * @param <T> the type of the value
 */
public final class CompletableTask<T> extends ChildTask<T> implements CompletionHandler<T, Object> {
    /**
     * Null or the hook while the task is open; then, set by the one CAS that decides who completes the task:
     * {@link #COMPLETED} (a completion), {@link #TAKEN} (a cancellation, running the hook) or
     * {@link #CANCELLED_BARE} (a cancellation before any hook was set, which a later {@link #onCancel} runs). Every
     * completer passes here first, so the task's own claim never has a rival.
     */
    private volatile Object hook;

    private static final Object COMPLETED = new Object();
    private static final Object TAKEN = new Object();
    private static final Object CANCELLED_BARE = new Object();
    private static final VarHandle HOOK;
    static {
        try {
            HOOK = MethodHandles.lookup().findVarHandle(CompletableTask.class, "hook", Object.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    /** A pending task: a child of the async function running on this thread, if there is one. */
    public CompletableTask() {
        super(Carrier.current().parentOfNew());
        started();
    }

    /**
     * Completes the task with {@code value}.
     *
     * @param value the value, which may be null
     * @return true if this call completed the task; false if it was already completed, failed or cancelled
     */
    public boolean complete(T value) {
        return closeForCompletion() && succeed(value);
    }

    /**
     * Fails the task with {@code error}, which awaiting code sees as it is. A {@link CancellationException} here is a
     * failure like any other; use {@link #cancel()} to cancel.
     *
     * @param error the exception
     * @return true if this call completed the task; false if it was already completed, failed or cancelled
     * @throws NullPointerException if {@code error} is null
     */
    public boolean completeExceptionally(Throwable error) {
        if (error == null) throw new NullPointerException("error");
        return closeForCompletion() && fail(error);
    }

    /**
     * Decides for a completion: true if it completes the task. The hook can then no longer run, and the task stops
     * holding it (and what it holds: a channel).
     */
    private boolean closeForCompletion() {
        for (;;) {
            Object h = hook;
            if (h != null && !(h instanceof Runnable)) return false; // completed or cancelled already
            if (HOOK.compareAndSet(this, h, COMPLETED)) return true;
        }
    }

    /**
     * Sets what cancelling this task does to its operation. The hook runs exactly once if the task is cancelled
     * before it completes: on the thread that cancels it, before the cancellation is visible to anyone waiting, so
     * code that awaits the task sees the operation already told; a hook set on a task already cancelled runs at
     * once, here; a task that completed otherwise never runs it. Whatever the hook throws is suppressed onto the
     * task's {@link CancellationException} (or thrown here, for a hook that runs here). The hook must not wait for
     * this task. One hook per task.
     *
     * @param hook what cancelling the task does to its operation
     * @return this task
     * @throws IllegalStateException if a hook was set already, while the task was pending (once it completed
     *     otherwise, no hook runs and a later one is ignored)
     * @throws NullPointerException if {@code hook} is null
     */
    public CompletableTask<T> onCancel(Runnable hook) {
        if (hook == null) throw new NullPointerException("hook");
        for (;;) {
            Object h = this.hook;
            if (h == null) {
                if (HOOK.compareAndSet(this, null, hook)) return this; // the cancellation will run it
            } else if (h == CANCELLED_BARE) {
                if (HOOK.compareAndSet(this, CANCELLED_BARE, TAKEN)) { // cancelled before any hook was set
                    runHere(hook);
                    return this;
                }
            } else if (h == COMPLETED) {
                return this; // completed otherwise: the hook never runs
            } else {
                throw new IllegalStateException("a cancellation hook was set already");
            }
        }
    }

    /**
     * Cancels the task if it is still pending: the hook runs, then the task completes cancelled, with whatever the
     * hook threw suppressed onto its {@link CancellationException}.
     *
     * @return true if the task is cancelled, or another thread's cancellation is running the hook; false if it
     *     completed otherwise
     */
    @Override
    public boolean cancel() {
        for (;;) {
            Object h = hook;
            if (h == COMPLETED) return isCancelledOnceSettled();
            if (h == TAKEN || h == CANCELLED_BARE) return true; // another cancellation decided: it completes the task
            if (HOOK.compareAndSet(this, h, h == null ? CANCELLED_BARE : TAKEN)) {
                CancellationException outcome = new CancelledOutcome();
                if (h != null) {
                    try {
                        runHere((Runnable) h);
                    } catch (Throwable t) {
                        outcome.addSuppressed(t);
                    }
                }
                completeCancelled(outcome); // the only completer: it wins
                return true;
            }
        }
    }

    /** A completion decided first: its outcome, once published. */
    private boolean isCancelledOnceSettled() {
        awaitPublication();
        return isCancelled();
    }

    /** NIO's completion: {@link #complete}. The attachment is ignored. */
    @Override
    public void completed(T result, Object attachment) {
        complete(result);
    }

    /** NIO's failure: {@link #completeExceptionally}. The attachment is ignored. */
    @Override
    public void failed(Throwable error, Object attachment) {
        completeExceptionally(error);
    }

    private static void runHere(Runnable hook) {
        Carrier.current().unparented(() -> {
            hook.run();
            return null;
        });
    }
}
