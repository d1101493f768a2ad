package dev.coda;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * A task that can be a child of a coroutine: the task of an async call, or one the runtime makes on behalf
 * of the running coroutine (a combinator, a sleep, a scope's close). A coroutine cancelled while it awaits its child
 * cancels the child and waits for it; a child still running, or failed unseen, when its parent's body ends is waited
 * for (and cancelled, on an exceptional exit), and its failure becomes the parent's. {@link #detach()} opts out.
 */
abstract class ChildTask<T> extends Task<T> {
    /**
     * The parent, or null: none, or detached. Set before the task is published; cleared by detach on any thread.
     * Read directly by {@link Coroutine#exit}, which must not make a call before it restores the carrier.
     */
    volatile Coroutine<?> parent;
    /**
     * The next older child in the parent's list (see {@link Coroutine}); touched by the parent's body thread only.
     * Before the task is listed, while a coroutine's first step runs where it was called, the thread's
     * {@link Carrier}, parked there by {@link Coroutine#enter} and taken back by {@link Coroutine#exit} on that
     * thread; a resumption on another thread may read it meanwhile, and leaves it alone (see
     * {@link Coroutine#exitThrowing}). So the calling frame keeps nothing across the body and no state machine needs
     * a field for it.
     */
    Object olderSibling;

    /** The next older child in the parent's list, once this task is listed there. */
    final ChildTask<?> older() {
        return (ChildTask<?>) olderSibling;
    }

    /** For a coroutine, whose parent is set when it starts inside another coroutine's body. */
    ChildTask() {}

    /** For a task the runtime makes: a child of the coroutine running on this thread, if any. */
    ChildTask(Coroutine<?> parent) {
        setParent(parent);
    }

    /** Before the task is published: a release store suffices (and costs a starting call no fence). */
    final void setParent(Coroutine<?> parent) {
        PARENT.setRelease(this, parent);
    }

    private static final VarHandle PARENT;
    static {
        try {
            PARENT = MethodHandles.lookup().findVarHandle(ChildTask.class, "parent", Coroutine.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    @Override
    final Coroutine<?> parent() {
        return parent;
    }

    @Override
    public final Task<T> detach() {
        parent = null;
        return this;
    }

    /**
     * Called once the task has started, on its parent's body thread: a child that is still running, or that failed,
     * joins its parent's list. One that already succeeded costs its parent nothing.
     */
    final void started() {
        Coroutine<?> p = parent;
        if (p != null && (state & OUTCOME) != SUCCEEDED) p.track(this);
    }
}
