package dev.coda;

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
 * <p>Starting an async function is a call, not a resumption: it runs inline even inside another coroutine.
 */
final class Carrier {
    private static final ThreadLocal<Carrier> CURRENT = ThreadLocal.withInitial(Carrier::new);

    private Coroutine<?> running;
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

    void start(Coroutine<?> c) {
        Coroutine<?> outer = running;
        running = c;
        try {
            c.step();
        } finally {
            running = outer;
        }
        if (outer == null) runQueued();
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
        Coroutine<?> outer = running;
        Throwable failure = null;
        Coroutine<?> c;
        while ((c = head) != null) {
            head = c.nextQueued;
            if (head == null) tail = null;
            c.nextQueued = null;
            running = c;
            try {
                c.step();
            } catch (Throwable t) {
                if (failure == null) failure = t;
                else if (failure != t) failure.addSuppressed(t);
            } finally {
                running = outer;
            }
        }
        if (failure != null) throw Sneaky.<RuntimeException>rethrow(failure);
    }
}
