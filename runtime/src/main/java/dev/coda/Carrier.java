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
 * outermost frame drains the queue in a loop before it returns (a trampoline). The queue is a ring of slots made
 * with the carrier, doubled when full and made small again when a drain leaves it large and empty: queueing
 * allocates only to grow, and a coroutine needs no field for it. A coroutine is in at most one queue, once, because
 * it is suspended on at most one task.
 *
 * <p>Starting an async function is a call, not a resumption: it runs inline even inside another coroutine. The
 * exception is {@link TaskScope#spawn} on an executor, which evaluates its body here with starts <em>deferred</em>
 * ({@link #deferStarts}): each coroutine the body starts is built, its parameters bound, and only its first step is
 * handed to the executor.
 *
 * <p>Why a thread's carrier is replaced now and then: every step stores the coroutine it runs in {@link #running},
 * almost always a young object. Once the carrier itself has been promoted to the old generation, G1's write barrier
 * makes each such store of a young reference into an old object a fence (about 7 ns here, three times for a call
 * that suspends twice). So after {@link #RENEW_AFTER} outermost steps, at a moment when it holds nothing (no
 * coroutine running, nothing queued, no frame of {@link #unparented} or {@link #deferStarts} open: those keep the
 * carrier to restore it), the carrier is replaced by a new one, which is young. A carrier parked in a state machine
 * during a first step (see {@code Coroutine.enter}) is never replaced under it: a coroutine runs until that step's
 * exit.
 *
 * <p>Why a table in front of the thread-local: {@link #current} runs at every start and every resumption, and a
 * {@code ThreadLocal} lookup is a chain of some seven dependent loads (thread, map, table, entry, value), which miss
 * the L1 cache under allocation pressure: a third of the time of a short call. So a carrier is also kept in a small
 * table indexed by its thread's id, where a lookup is a load of the slot and a comparison with its owner. A slot is
 * written only when it is empty or its owner has ended, so threads that share a slot do not take it from each other
 * (the later ones look up through the thread-local, as before), and the table keeps at most {@link #SLOTS} carriers
 * of ended threads alive, with their {@code Thread} objects. A slot is read without synchronisation: a carrier is
 * only ever used by the thread it was made on, which the comparison of {@link #owner}, a final field, establishes.
 */
final class Carrier {
    private static final ThreadLocal<Carrier> CURRENT = ThreadLocal.withInitial(Carrier::new);
    /** Outermost steps after which an idle carrier is replaced (see the class comment). */
    static final int RENEW_AFTER = 1024;
    /** The size of {@link #BY_THREAD}, a power of two. */
    static final int SLOTS = 256;
    /** Carriers by their thread's id modulo {@link #SLOTS} (see the class comment). */
    private static final Carrier[] BY_THREAD = new Carrier[SLOTS];

    /** The thread this carrier belongs to: the one that made it. Read directly by {@code Coroutine.exitThrowing}. */
    final Thread owner = Thread.currentThread();

    /** Written directly by {@code Coroutine.exit} and {@code exitThrowing}, without a call (see there). */
    Coroutine<?> running;
    /** True while the runtime works on behalf of another task: what starts now is nobody's child. */
    private boolean unparented;
    /** A throwable raised by the completion of a body's task, thrown out of the step rather than into the body. */
    private Throwable afterStep;
    /** Non-null while a spawn's body is evaluated: coroutines started now run their first step there. */
    private Executor deferTo;
    /** Where those coroutines are recorded while {@link #deferTo} is set. */
    private List<Coroutine<?>> deferredStarts;
    /** The run queue (see the class comment): {@link #queued} coroutines from {@link #first}, wrapping around. */
    private Coroutine<?>[] queue = new Coroutine<?>[SMALL_QUEUE];
    private int first;
    private int queued;
    /** Outermost steps run by this carrier, counted towards {@link #RENEW_AFTER}. */
    private int outermostSteps;
    /** Frames of {@link #unparented} and {@link #deferStarts} open on this thread: they hold this carrier. */
    private int holders;

    static Carrier current() {
        Thread thread = Thread.currentThread();
        Carrier c = BY_THREAD[slot(thread)];
        return c != null && c.owner == thread ? c : lookUp(thread);
    }

    private static int slot(Thread thread) {
        return (int) thread.getId() & (SLOTS - 1);
    }

    /** {@link #current} through the thread-local; the carrier takes its slot if that is free, or its owner ended. */
    private static Carrier lookUp(Thread thread) {
        Carrier c = CURRENT.get();
        int i = slot(thread);
        Carrier holder = BY_THREAD[i];
        if (holder == null || holder.owner.getState() == Thread.State.TERMINATED) BY_THREAD[i] = c;
        return c;
    }

    /** Replaces this thread's carrier, idle, by a new one, in its slot too if it holds that (see the class comment). */
    private void renew() {
        Carrier fresh = new Carrier();
        CURRENT.set(fresh);
        int i = slot(owner);
        if (BY_THREAD[i] == this) BY_THREAD[i] = fresh;
    }

    /** The coroutine whose body runs innermost on this thread, or null. */
    Coroutine<?> running() {
        return innermost();
    }

    /** The parent of a task started now: the running coroutine, unless the runtime works for another task. */
    Coroutine<?> parentOfNew() {
        return unparented ? null : innermost();
    }

    /**
     * {@link #running}, every read of it but the restores. A coroutine whose first step threw out of its body, and
     * whose body could not restore this carrier (a stack overflow at the edge of the stack: see
     * {@code Coroutine.exitThrowing}), is still named there; it is taken off here, as its body would have: what ran
     * before it is its parent, set when it entered (none for a start from plain code).
     */
    private Coroutine<?> innermost() {
        Coroutine<?> r = running;
        if (r == null || !r.threwOutOfBody()) return r;
        do {
            r = r.parent();
        } while (r != null && r.threwOutOfBody());
        return running = r;
    }

    /**
     * Runs {@code work} with the tasks it starts made nobody's children: drop glue the runtime starts for another
     * task (a body that never ran, a combinator's undelivered value), or what a child's cancellation starts while a
     * body that may already run elsewhere is still on this thread's stack.
     */
    <T> T unparented(Supplier<T> work) {
        boolean outer = unparented;
        unparented = true;
        holders++;
        try {
            return work.get();
        } finally {
            unparented = outer;
            holders--;
        }
    }

    /** Holds {@code t}, raised by a task's completion inside a body's frame, until the step returns. */
    void throwAfterStep(Throwable t) {
        if (afterStep == null) afterStep = t;
        else if (afterStep != t) afterStep.addSuppressed(t);
    }

    /** True while a coroutine body runs on this thread. */
    static boolean inCoroutine() {
        return current().running() != null;
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
        holders++;
        try {
            return body.get();
        } finally {
            deferTo = outerExecutor;
            deferredStarts = outerStarted;
            holders--;
        }
    }

    /** Runs the first step of {@code c} here; at the outermost level, then the resumptions that step queued. */
    void start(Coroutine<?> c) {
        if (deferralOrUnparented()) {
            startInside(c);
            return;
        }
        Coroutine<?> outer = innermost();
        running = c;
        try {
            c.step();
        } catch (Throwable t) {
            running = outer; // first, and without a call (see Coroutine.exit)
            throw exitedThrowing(outer, t);
        }
        running = outer;
        exited(outer);
    }

    /** True while a deferral ({@link #deferStarts}) or unparented work is in force: a start takes the general way. */
    private boolean deferralOrUnparented() {
        return deferTo != null || unparented;
    }

    /**
     * Makes {@code c}, a generated coroutine, the running coroutine for its first step in its stub's frame, in the
     * common case: no deferral or unparented work in force. Its parent is what ran before, if anything: the one to
     * restore after the step. This carrier is parked in {@code c} until then (see {@code Coroutine.enter}). False,
     * changing nothing, outside the common case.
     */
    boolean enter(Coroutine<?> c) {
        if (deferralOrUnparented()) return false;
        Coroutine<?> outer = innermost();
        if (outer != null) c.setParent(outer);
        c.olderSibling = this;
        running = c; // the last write: a stack overflow before it leaves this carrier as it was
        return true;
    }

    /**
     * After a first step begun by {@link #enter}, the running coroutine restored to {@code outer}: rethrows what a
     * completion in the body raised; at the outermost level, runs the resumptions the step queued and replaces the
     * carrier once it has run {@link #RENEW_AFTER} steps (see the class comment).
     */
    void exited(Coroutine<?> outer) {
        if (outer == null) {
            int steps = ++outermostSteps;
            if (afterStep != null || queued != 0 || steps >= RENEW_AFTER) afterOutermostStep();
            return;
        }
        Throwable t = afterStep;
        if (t != null) {
            afterStep = null;
            throw Sneaky.<RuntimeException>rethrow(t);
        }
    }

    /**
     * After a first step begun by {@link #enter} threw {@code t}, the running coroutine restored to {@code outer}:
     * rethrows {@code t}; at the outermost level, after running the resumptions the step queued.
     */
    RuntimeException exitedThrowing(Coroutine<?> outer, Throwable t) {
        if (outer == null) throw drainThenRethrow(t);
        throw Sneaky.<RuntimeException>rethrow(t);
    }

    /** {@link #start} where a deferral or unparented work is in force ({@link #deferralOrUnparented}). */
    private void startInside(Coroutine<?> c) {
        if (innermost() != null) {
            step(c);
            return;
        }
        try {
            step(c);
        } catch (Throwable t) {
            throw drainThenRethrow(t);
        }
        runQueued();
    }

    /**
     * After an outermost step: rethrows what a completion in the body raised, runs the resumptions the step queued,
     * and replaces the carrier once it has run {@link #RENEW_AFTER} steps (see the class comment).
     */
    private void afterOutermostStep() {
        Throwable t = afterStep;
        if (t != null) {
            afterStep = null;
            throw drainThenRethrow(t);
        }
        runQueued();
        if (outermostSteps >= RENEW_AFTER && holders == 0) renew(); // a frame that holds it would restore it
    }

    /** The queue is still run when an outermost step throws: a resumption it queued must not be stranded. */
    private RuntimeException drainThenRethrow(Throwable t) {
        try {
            runQueued();
        } catch (Throwable u) {
            if (u != t) t.addSuppressed(u);
        }
        throw Sneaky.<RuntimeException>rethrow(t);
    }

    /**
     * Runs one step of {@code c} as the innermost coroutine. A deferral in force belongs to the spawn body that set
     * it, not to a body stepped inside it (a direct executor, or a resumption run from the spawn body's thread).
     */
    private void step(Coroutine<?> c) {
        Coroutine<?> outer = innermost();
        if (!deferralOrUnparented()) { // the common case: only the running coroutine to restore
            running = c;
            try {
                c.step();
            } finally {
                running = outer;
            }
        } else {
            stepInside(c, outer);
        }
        Throwable t = afterStep;
        if (t != null) {
            afterStep = null;
            throw Sneaky.<RuntimeException>rethrow(t);
        }
    }

    /** {@link #step} where a deferral or unparented work is in force: both are restored after the step. */
    private void stepInside(Coroutine<?> c, Coroutine<?> outer) {
        Executor deferred = deferTo;
        boolean outerUnparented = unparented;
        running = c;
        deferTo = null;
        unparented = false;
        try {
            c.step();
        } finally {
            running = outer;
            deferTo = deferred;
            unparented = outerUnparented;
        }
    }

    /**
     * Resumes {@code c}: queued if a coroutine runs on this thread (see the class comment), else stepped at once,
     * as a start is (the queue is empty at the outermost level: it is drained before any step there returns).
     */
    void resume(Coroutine<?> c) {
        if (innermost() != null) enqueue(c);
        else start(c);
    }

    /**
     * {@link #resume} for a coroutine woken by another coroutine's completion, which nearly always runs inside that
     * coroutine's step, so the resumption is queued. The same test in a method of its own: the JIT profiles it
     * apart from {@link #resume}, finds the start cold here, and compiles a body's return without another body's
     * resumption inlined into it. Inlined, that resumption deepened the body's frame: a chain of nested starts
     * reached 1,969 calls on a 256 KiB stack instead of 2,463, in about half the JVMs on JDK 17.
     */
    void resumeWoken(Coroutine<?> c) {
        if (innermost() != null) enqueue(c);
        else start(c);
    }

    private void enqueue(Coroutine<?> c) {
        Coroutine<?>[] q = queue;
        if (queued == q.length) q = grow(q);
        q[(first + queued++) & (q.length - 1)] = c;
    }

    /** The ring's size when made: a power of two, as every later size. */
    private static final int SMALL_QUEUE = 8;
    /** A ring larger than this is made small again once drained (a burst of resumptions leaves it behind). */
    private static final int LARGE_QUEUE = 1024;

    /** A ring twice the size of the full ring {@code q}, with its coroutines from slot 0 in order. */
    private Coroutine<?>[] grow(Coroutine<?>[] q) {
        Coroutine<?>[] bigger = new Coroutine<?>[q.length * 2];
        for (int i = 0; i < queued; i++) bigger[i] = q[(first + i) & (q.length - 1)];
        first = 0;
        return queue = bigger;
    }

    /** The next queued coroutine, taken out of the ring; null if none. */
    private Coroutine<?> dequeue() {
        if (queued == 0) return null;
        Coroutine<?>[] q = queue;
        Coroutine<?> c = q[first];
        q[first] = null; // the ring does not keep a coroutine alive once it ran
        first = (first + 1) & (q.length - 1);
        queued--;
        return c;
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
        while ((c = dequeue()) != null) {
            try {
                step(c);
            } catch (Throwable t) {
                if (failure == null) failure = t;
                else if (failure != t) failure.addSuppressed(t);
            }
        }
        if (queue.length > LARGE_QUEUE) {
            queue = new Coroutine<?>[SMALL_QUEUE];
            first = 0;
        }
        if (failure != null) throw Sneaky.<RuntimeException>rethrow(failure);
    }
}
