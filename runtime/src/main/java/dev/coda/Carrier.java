package dev.coda;

import java.util.List;
import java.util.concurrent.Executor;
import java.util.function.Supplier;

/**
 * Per-thread bookkeeping for running coroutines: which coroutine runs innermost, and a queue of resumptions
 * deferred while one runs.
 *
 * <p>Why the queue: a coroutine that completes its task resumes the coroutines waiting on it. Resuming them inline
 * would nest one frame per link of a chain of awaits, so a chain of 20,000 calls completed from one thread would
 * overflow its stack. Instead, a resumption requested while any coroutine runs on this thread is queued, and the
 * outermost frame drains the queue in a loop before it returns (a trampoline). The queue is intrusive (through
 * {@link Coroutine#nextQueued}), so it allocates nothing; a coroutine is in at most one queue because it is
 * suspended on at most one task.
 *
 * <p>Starting an async function is a call, not a resumption: it runs inline even inside another coroutine. The
 * exception is {@link TaskScope#spawn} on an executor, which evaluates its body here with starts <em>deferred</em>
 * ({@link #deferStarts}): each coroutine the body starts is built, its parameters bound, and only its first step is
 * handed to the executor.
 */
final class Carrier {
    private static final ThreadLocal<Carrier> CURRENT = ThreadLocal.withInitial(Carrier::new);

    private Coroutine<?> running;
    /** Non-null while a spawn's body is evaluated: coroutines started now run their first step there. */
    private Executor deferTo;
    /** Where those coroutines are recorded while {@link #deferTo} is set. */
    private List<Coroutine<?>> deferredStarts;
    private Coroutine<?> head;
    private Coroutine<?> tail;

    static Carrier current() {
        return CURRENT.get();
    }

    /** The coroutine whose body runs innermost on this thread, or null. */
    Coroutine<?> running() {
        return running;
    }

    /** True while a coroutine body runs on this thread. */
    static boolean inCoroutine() {
        return CURRENT.get().running != null;
    }

    /** The executor coroutines started now must be handed to, or null: they run inline. */
    Executor deferringTo() {
        return deferTo;
    }

    /** Records a coroutine whose start was just deferred, for the spawn that deferred it. */
    void deferred(Coroutine<?> c) {
        deferredStarts.add(c);
    }

    /**
     * Evaluates {@code body} with the coroutines it starts deferred to {@code executor} and added to {@code started};
     * with a null executor, they start inline as usual (a deferral of an enclosing spawn does not reach in here).
     */
    <T> T deferStarts(Executor executor, List<Coroutine<?>> started, Supplier<T> body) {
        Executor outerExecutor = deferTo;
        List<Coroutine<?>> outerStarted = deferredStarts;
        deferTo = executor;
        deferredStarts = started;
        try {
            return body.get();
        } finally {
            deferTo = outerExecutor;
            deferredStarts = outerStarted;
        }
    }

    void start(Coroutine<?> c) {
        Coroutine<?> outer = running;
        step(c);
        if (outer == null) runQueued();
    }

    /**
     * Runs one step of {@code c} as the innermost coroutine. A deferral in force belongs to the spawn body that set
     * it, not to a body stepped inside it (a direct executor, or a resumption run from the spawn body's thread).
     */
    private void step(Coroutine<?> c) {
        Coroutine<?> outer = running;
        Executor deferred = deferTo;
        running = c;
        deferTo = null;
        try {
            c.step();
        } finally {
            running = outer;
            deferTo = deferred;
        }
    }

    void resume(Coroutine<?> c) {
        if (running != null) {
            enqueue(c);
            return;
        }
        enqueue(c);
        runQueued();
    }

    private void enqueue(Coroutine<?> c) {
        c.nextQueued = null;
        if (tail == null) head = c;
        else tail.nextQueued = c;
        tail = c;
    }

    /**
     * Runs the queued resumptions until the queue is empty, then restores the coroutine that was running (none
     * at the outermost level). Also called by {@code Task.join()} on a coroutine thread, whose awaited completion
     * may sit in this queue. A step that throws does not strand the rest of the queue: the first throwable is
     * rethrown once the queue is empty.
     */
    void runQueued() {
        Throwable failure = null;
        Coroutine<?> c;
        while ((c = head) != null) {
            head = c.nextQueued;
            if (head == null) tail = null;
            c.nextQueued = null;
            try {
                step(c);
            } catch (Throwable t) {
                if (failure == null) failure = t;
                else if (failure != t) failure.addSuppressed(t);
            }
        }
        if (failure != null) throw Sneaky.<RuntimeException>rethrow(failure);
    }
}
