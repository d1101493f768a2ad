package dev.coda.transformer.fuzz;

import dev.coda.Task;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * What a generated program sees of the world: an event log, a factory of tasks (already complete or completed
 * later by a driver, some failing) and logging resources. One {@code Env} per execution; the transformed and the
 * reference executions of a program each get their own, so their logs can be compared.
 *
 * <p>Structured concurrency. A program starts children it does not await at once through {@link #keep} (a child of
 * the running async body: {@code e.keep(sour(x, k))}) and {@link #loose} (a detached task). In the transformed
 * execution these only record the task, in call order, so that its final outcome can be compared after the run.
 * The reference execution models structured concurrency in its <em>frames</em>: the reference copy of every
 * generated async body calls {@link Ref#enter} first, {@link Ref#ret} at each {@code return} and
 * {@link Ref#thrown} for what escapes, and ends in {@code finally { return Ref.end(); }}, which applies the
 * parent's rules to the children kept
 * in that frame: on a value (or a returned task that succeeds) the first unobserved child failure in start order
 * fails the frame, the later ones suppressed onto it; on a failure (thrown, or of the returned task) the unobserved
 * child failures are suppressed onto it, oldest first; a kept task that is returned is the outcome, not a child to
 * report. Awaiting a kept task ({@link #join}) observes it. Reference children run to completion when started (the
 * awaits in them join), so the reference cannot know which ones the transformed parent still found running, and
 * cancelled, when it ended exceptionally: the transformed execution runs first and hands over, per kept task, whether
 * it ended cancelled ({@link #keptCancelled}). The reference accepts a cancellation only for a child that was
 * unobserved when its frame ended exceptionally; such a child then has nothing to report. Every other kept task must
 * end as the reference predicts: the same value, or the same failure.
 *
 * <p>Task modes, as passed by generated code: {@code mode & 3} is 0 completed value, 1 pending value, 2 completed
 * failure, 3 pending failure; {@code mode >> 2} picks the failure's type (0 Boom, 1 Checked, 2 Other, 3 Fatal,
 * 4 CancellationException, which makes the task cancelled).
 */
public final class Env {
    /** Unchecked failure. */
    public static final class Boom extends RuntimeException {
        public Boom(String message) { super(message); }
    }

    /** A second, unrelated unchecked failure. */
    public static final class Other extends RuntimeException {
        public Other(String message) { super(message); }
    }

    /** Checked failure. */
    public static final class Checked extends Exception {
        public Checked(String message) { super(message); }
    }

    /** An Error, caught only by catch (Throwable). */
    public static final class Fatal extends Error {
        public Fatal(String message) { super(message); }
    }

    /** Thrown when a program runs away (a generator bug or a transformer bug); never caught by generated code. */
    public static final class Runaway extends Error {
        Runaway(String message) { super(message); }
    }

    public enum Color { RED, GREEN, BLUE, ALPHA, OMEGA }

    public static Color color(int i) {
        return Color.values()[Math.floorMod(i, 5)];
    }

    public record Pair(int a, String b) {
        public int sum() { return a + b.length(); }
    }

    /** An ordinary AutoCloseable that logs its life. */
    public static final class Res implements AutoCloseable {
        private final Env env;
        private final String name;
        private final boolean failClose;

        Res(Env env, String name, boolean failClose) {
            this.env = env;
            this.name = name;
            this.failClose = failClose;
            env.log("open " + name);
        }

        public int use(int v) {
            env.log("use " + name + " " + v);
            return v + name.length();
        }

        @Override
        public void close() {
            env.log("close " + name);
            if (failClose) throw new Boom("close " + name);
        }
    }

    private static final int MAX_EVENTS = 200_000;
    private static final int MAX_TASKS = 200_000;

    private static final VarHandle WAITERS;
    static {
        try {
            WAITERS = MethodHandles.privateLookupIn(Task.class, MethodHandles.lookup())
                    .findVarHandle(Task.class, "waiters", Object.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private static final class Pending {
        final CompletableFuture<Object> future;
        final Task<?> task; // the Task handed out, or null when the future itself was handed out
        final Object value;
        final Throwable error;

        Pending(CompletableFuture<Object> future, Task<?> task, Object value, Throwable error) {
            this.future = future;
            this.task = task;
            this.value = value;
            this.error = error;
        }

        boolean hasWaiter() {
            if (task == null) return future.getNumberOfDependents() > 0;
            Object w = WAITERS.getVolatile(task);
            return w != null && !(w.getClass() == Object.class);
        }
    }

    /** A task passed to {@link #keep} or {@link #loose}; in the reference, also what became of it. */
    private static final class Kept {
        final int index;
        final Task<?> task;
        /** Kept by {@link #keep}: a child of the frame that started it. */
        final boolean child;
        /** Reference: awaited, or accounted for by the frame's end. */
        boolean observed;
        /** Reference: cancelled by its frame's exceptional end (as the transformed execution says it was). */
        boolean cancelled;

        Kept(int index, Task<?> task, boolean child) {
            this.index = index;
            this.task = task;
            this.child = child;
        }
    }

    /** Reference: one async body that runs; see the class comment. */
    private static final class Frame {
        final List<Kept> children = new ArrayList<>();
        /** What the body last did: returned this, or threw that (a finally may change its mind). */
        Object returned;
        Throwable thrown;
    }

    final List<String> events = new ArrayList<>();
    private final List<Kept> kept = Collections.synchronizedList(new ArrayList<>());
    /** Reference execution only: non-null there. */
    private final boolean[] cancelledThere;
    private final Map<Task<?>, Kept> keptByTask = new IdentityHashMap<>();
    private final ArrayDeque<Frame> frames = new ArrayDeque<>();
    /** Reference execution: child failures a frame reported (raised or suppressed), and children cancelled. */
    long childFailuresReported;
    long childrenCancelled;
    private final List<Pending> pending = new ArrayList<>();
    private final SplittableRandom order;
    private int tasks;
    /** Reference execution: awaits executed, and those that found their task not yet complete. */
    long awaits;
    long blockedAwaits;
    /** Transformed execution: completions by the driver that resumed a suspended waiter. */
    long resumptions;

    private final int input;

    /** The environment of a transformed execution. */
    public Env(long orderSeed, int input) {
        this(orderSeed, input, null);
    }

    private Env(long orderSeed, int input, boolean[] cancelledThere) {
        this.order = new SplittableRandom(orderSeed);
        this.input = input;
        this.cancelledThere = cancelledThere;
    }

    /**
     * The environment of a reference execution; {@code cancelledThere} says, per kept task in call order, whether
     * the transformed execution's task ended cancelled (see the class comment).
     */
    static Env reference(long orderSeed, int input, boolean[] cancelledThere) {
        return new Env(orderSeed, input, cancelledThere);
    }

    /** The run's input: the program starts from it, so each run of one compiled program takes other paths. */
    public int input() {
        return input;
    }

    // ---- called by generated programs --------------------------------------------------------------------------

    public void log(String event) {
        if (events.size() >= MAX_EVENTS) throw new Runaway("more than " + MAX_EVENTS + " events");
        events.add(event);
    }

    /** Keeps strings short: at most the last 24 characters. */
    public static String cut(String s) {
        return s.length() <= 24 ? s : s.substring(s.length() - 24);
    }

    public static int mix(long a, String b, int c) {
        return (int) (a * 31 + b.hashCode() * 7L + c);
    }

    /** Takes a String that may be null, as a String: the verifier sees its declared type. */
    public static String nn(String s) {
        return s == null ? "(null)" : s;
    }

    /** Where {@code t} was raised: the first frame in the program's own classes (not in a state machine). */
    public static String where(Throwable t) {
        for (StackTraceElement f : t.getStackTrace()) {
            String c = f.getClassName();
            if ((c.startsWith("p.F") || c.startsWith("r.F")) && !c.contains("$$Coda")) {
                return c.substring(2) + "." + f.getMethodName() + ":" + f.getLineNumber();
            }
        }
        return "-";
    }

    /** Switch keys: "Aa" and "BB" have the same hash code, so javac's string switch compares them by equals. */
    public static final String[] KEYS = {"Aa", "BB", "C#", "k"};

    public static String key(int i) {
        return i % 5 == 0 ? "zz" : KEYS[Math.floorMod(i, 4)];
    }

    public static char ch(String s, int i) {
        return s.isEmpty() ? '_' : s.charAt(Math.floorMod(i, s.length()));
    }

    public void checked(boolean when, String message) throws Checked {
        if (when) throw new Checked(message);
    }

    public Res open(String name, int mode) {
        if (mode == 2) {
            log("open fails " + name);
            throw new Other("open " + name);
        }
        return new Res(this, name, mode == 1);
    }

    public Task<Integer> ti(int v, int mode) { return task(v, mode); }
    public Task<Long> tl(long v, int mode) { return task(v, mode); }
    public Task<Double> td(double v, int mode) { return task(v, mode); }
    public Task<Float> tf(float v, int mode) { return task(v, mode); }
    public Task<Boolean> tz(boolean v, int mode) { return task(v, mode); }
    public Task<Byte> tb(byte v, int mode) { return task(v, mode); }
    public Task<Character> tc(char v, int mode) { return task(v, mode); }
    public Task<Short> ts(short v, int mode) { return task(v, mode); }
    public Task<String> tstr(String v, int mode) { return task(v, mode); }
    public Task<int[]> tia(int[] v, int mode) { return task(v, mode); }
    public Task<String[]> tsa(String[] v, int mode) { return task(v, mode); }
    public Task<Object> to(Object v, int mode) { return task(v, mode); }
    public Task<Void> tv(int mode) { return task(null, mode); }
    public <V> Task<V> t(V v, int mode) { return task(v, mode); }

    public CompletableFuture<Integer> fi(int v, int mode) { return future(v, mode); }
    public CompletableFuture<Long> fl(long v, int mode) { return future(v, mode); }
    public CompletableFuture<Double> fd(double v, int mode) { return future(v, mode); }
    public CompletableFuture<Float> ff(float v, int mode) { return future(v, mode); }
    public CompletableFuture<Boolean> fz(boolean v, int mode) { return future(v, mode); }
    public CompletableFuture<Byte> fb(byte v, int mode) { return future(v, mode); }
    public CompletableFuture<Character> fc(char v, int mode) { return future(v, mode); }
    public CompletableFuture<Short> fs(short v, int mode) { return future(v, mode); }
    public CompletableFuture<String> fstr(String v, int mode) { return future(v, mode); }
    public CompletableFuture<int[]> fia(int[] v, int mode) { return future(v, mode); }
    public CompletableFuture<String[]> fsa(String[] v, int mode) { return future(v, mode); }
    public CompletableFuture<Object> fo(Object v, int mode) { return future(v, mode); }
    public CompletionStage<Void> fv(int mode) { return future(null, mode); }
    public <V> CompletableFuture<V> f(V v, int mode) { return future(v, mode); }
    /** A CompletionStage that is not a CompletableFuture. */
    public <V> CompletionStage<V> ms(V v, int mode) { return future(v, mode).minimalCompletionStage(); }

    /**
     * {@code task} was just started by the running async body, which keeps it as its child: awaited later, or never.
     * Reference: the task is already done (the reference child ran to its end); it joins the current frame.
     */
    public <V> Task<V> keep(Task<V> task) {
        return record(task, true);
    }

    /** {@code task} was started and detached at once: nobody's child. Recorded only, to compare its outcome. */
    public <V> Task<V> loose(Task<V> task) {
        return record(task, false);
    }

    private <V> Task<V> record(Task<V> task, boolean child) {
        Kept k = new Kept(kept.size(), task, child);
        kept.add(k);
        if (cancelledThere != null) {
            if (!task.isDone()) throw new AssertionError("reference: a kept task is still pending");
            keptByTask.put(task, k);
            if (child) {
                Frame f = frames.peek();
                if (f == null) throw new AssertionError("reference: a child kept outside any async body");
                f.children.add(k);
            }
        }
        return task;
    }

    // ---- task factory ------------------------------------------------------------------------------------------

    private Throwable failure(int mode, Object value) {
        String message = "f" + tasks + ":" + show(value);
        switch (mode >> 2) {
            case 0: return new Boom(message);
            case 1: return new Checked(message);
            case 2: return new Other(message);
            case 3: return new Fatal(message);
            default: return new java.util.concurrent.CancellationException(message);
        }
    }

    public static String text(Object v) {
        return show(v);
    }

    private static String show(Object v) {
        if (v instanceof Task || v instanceof CompletionStage) return "a task"; // no identity hash codes
        if (v == null || !v.getClass().isArray()) return String.valueOf(v);
        StringBuilder s = new StringBuilder("[");
        for (int i = 0; i < java.lang.reflect.Array.getLength(v); i++) {
            s.append(i == 0 ? "" : ", ").append(show(java.lang.reflect.Array.get(v, i)));
        }
        return s.append(']').toString();
    }

    private void count() {
        if (++tasks > MAX_TASKS) throw new Runaway("more than " + MAX_TASKS + " tasks");
    }

    @SuppressWarnings("unchecked")
    private <T> Task<T> task(T v, int mode) {
        count();
        switch (mode & 3) {
            case 0: return Task.completed(v);
            case 2: return Task.failed(failure(mode, v));
            default: {
                CompletableFuture<Object> f = new CompletableFuture<>();
                Task<T> t = Task.from((CompletableFuture<T>) (CompletableFuture<?>) f);
                addPending(new Pending(f, t, v, (mode & 3) == 3 ? failure(mode, v) : null));
                return t;
            }
        }
    }

    @SuppressWarnings("unchecked")
    private <T> CompletableFuture<T> future(T v, int mode) {
        count();
        switch (mode & 3) {
            case 0: return CompletableFuture.completedFuture(v);
            case 2: return CompletableFuture.failedFuture(failure(mode, v));
            default: {
                CompletableFuture<Object> f = new CompletableFuture<>();
                addPending(new Pending(f, null, v, (mode & 3) == 3 ? failure(mode, v) : null));
                return (CompletableFuture<T>) (CompletableFuture<?>) f;
            }
        }
    }

    // ---- driver ------------------------------------------------------------------------------------------------

    private synchronized void addPending(Pending p) {
        pending.add(p);
    }

    synchronized boolean hasPending() {
        return !pending.isEmpty();
    }

    /** Removes a pending task chosen at random, or returns null. */
    private synchronized Pending takeOne() {
        if (pending.isEmpty()) return null;
        int i = order.nextInt(pending.size());
        Pending p = pending.get(i);
        pending.set(i, pending.get(pending.size() - 1));
        pending.remove(pending.size() - 1);
        if (p.hasWaiter()) resumptions++;
        return p;
    }

    private static void complete(Pending p) {
        if (p.error != null) p.future.completeExceptionally(p.error);
        else p.future.complete(p.value);
    }

    /** Completes one pending task, chosen at random; a coroutine it resumes runs on this thread, inside the call. */
    void completeOne() {
        Pending p = takeOne();
        if (p != null) complete(p);
    }

    /**
     * Drives {@code root} to completion from {@code threads} other threads at once, each completing pending tasks
     * in a random order, so that tasks complete while the coroutine runs (between its check and its suspension)
     * and resumptions hop between threads. The program itself stays sequential, so its log is still comparable.
     * False if the root task is not done within the time limit.
     */
    boolean driveConcurrently(Task<?> root, int threads, long timeoutMillis) throws InterruptedException {
        List<Thread> drivers = new ArrayList<>();
        List<Throwable> crashes = java.util.Collections.synchronizedList(new ArrayList<>());
        for (int i = 0; i < threads; i++) {
            Thread t = new Thread(() -> {
                int idle = 0;
                while (!root.isDone()) {
                    Pending p = takeOne();
                    if (p == null) {
                        if (++idle > 64) Thread.yield();
                        Thread.onSpinWait();
                        continue;
                    }
                    idle = 0;
                    complete(p);
                }
            }, "coda-fuzz-driver-" + i);
            t.setDaemon(true);
            t.setUncaughtExceptionHandler((th, e) -> crashes.add(e));
            drivers.add(t);
            t.start();
        }
        long deadline = System.nanoTime() + timeoutMillis * 1_000_000;
        for (Thread t : drivers) {
            long left = Math.max(1, (deadline - System.nanoTime()) / 1_000_000);
            t.join(left);
        }
        boolean done = root.isDone();
        if (!done) for (Thread t : drivers) t.interrupt();
        if (!crashes.isEmpty()) throw new AssertionError("a driver thread crashed", crashes.get(0));
        return done;
    }

    /** The reference {@code await}: run the driver until {@code task} is done, then its value or its exception. */
    <T> T join(Task<T> task) {
        Kept k = keptByTask.get(task);
        if (k != null) k.observed = true;
        awaits++;
        if (!task.isDone()) blockedAwaits++;
        while (!task.isDone()) {
            if (pending.isEmpty()) throw new AssertionError("reference: awaited task can never complete");
            completeOne();
        }
        return outcome(task);
    }

    // ---- reference frames (see the class comment) -----------------------------------------------------------

    void enter() {
        frames.push(new Frame());
    }

    <R> R ret(R value) {
        Frame f = frames.peek();
        f.returned = value;
        f.thrown = null;
        return value;
    }

    void thrown(Throwable t) {
        Frame f = frames.peek();
        f.thrown = t;
        f.returned = null;
    }

    /** The body has ended: its outcome, its kept children accounted for; thrown (as the reference throws) or returned. */
    @SuppressWarnings("unchecked")
    <R> R end() {
        Frame f = frames.pop();
        if (f.thrown != null) {
            // An exceptional end: what still runs is cancelled (the transformed execution says which); unobserved
            // failures are suppressed onto the exception, oldest first.
            Throwable e = f.thrown;
            for (Kept k : f.children) {
                if (k.observed) continue;
                k.observed = true;
                if (k.index < cancelledThere.length && cancelledThere[k.index]) {
                    k.cancelled = true;
                    childrenCancelled++;
                    continue;
                }
                Throwable failure = failureOf(k.task);
                if (failure != null) {
                    childFailuresReported++;
                    suppress(e, failure);
                }
            }
            throw Env.<RuntimeException>sneaky(e);
        }
        Object value = f.returned;
        if (value == null) throw new AssertionError("reference: an async body returned null");
        // A returned task (maybe still pending, maybe a kept child) is waited for; it is the outcome.
        Task<?> returned = value instanceof Task ? (Task<?>) value : Task.from((CompletionStage<?>) value);
        drive(returned);
        Kept returnedChild = keptByTask.get(value);
        if (returnedChild != null) returnedChild.observed = true;
        List<Throwable> failures = new ArrayList<>();
        for (Kept k : f.children) {
            if (k.observed) continue;
            k.observed = true;
            Throwable failure = failureOf(k.task);
            if (failure != null) failures.add(failure);
        }
        childFailuresReported += failures.size();
        Throwable primary = failureOf(returned);
        if (primary == null && !failures.isEmpty()) primary = failures.remove(0);
        if (primary == null) return (R) value;
        for (Throwable t : failures) suppress(primary, t);
        throw Env.<RuntimeException>sneaky(primary);
    }

    /** As the runtime adds a child's failure to the parent's: never onto itself. */
    private static void suppress(Throwable primary, Throwable more) {
        if (primary != more) primary.addSuppressed(more);
    }

    private static Throwable failureOf(Task<?> done) {
        try {
            outcome(done);
            return null;
        } catch (Throwable t) {
            return t;
        }
    }

    /** Runs the driver until {@code task} is done (the reference's wait for a returned task). */
    private void drive(Task<?> task) {
        while (!task.isDone()) {
            if (pending.isEmpty()) throw new AssertionError("reference: returned task can never complete");
            completeOne();
        }
    }

    // ---- kept tasks, compared after the run ----------------------------------------------------------------

    /** Transformed execution: completes pending tasks until every kept task is done (a detached one may lag). */
    void settleKept() {
        while (hasPending() && kept.stream().anyMatch(k -> !k.task.isDone())) completeOne();
    }

    /** Transformed execution: per kept task in call order, whether it ended cancelled. */
    boolean[] keptCancelled() {
        synchronized (kept) {
            boolean[] b = new boolean[kept.size()];
            for (int i = 0; i < b.length; i++) b[i] = kept.get(i).task.isCancelled();
            return b;
        }
    }

    int keptCount() {
        return kept.size();
    }

    /** The outcome of every kept task, in call order: as it ended (transformed), or as predicted (reference). */
    List<String> keptOutcomes() {
        List<String> out = new ArrayList<>();
        synchronized (kept) {
            for (Kept k : kept) {
                String what = (k.child ? "child " : "detached ") + k.index + ": ";
                if (cancelledThere != null && k.cancelled) {
                    out.add(what + "cancelled");
                } else if (!k.task.isDone()) {
                    out.add(what + "pending");
                } else if (cancelledThere == null && k.task.isCancelled()) {
                    out.add(what + "cancelled" + suppressedOf(failureOf(k.task)));
                } else {
                    Throwable failure = failureOf(k.task);
                    out.add(what + (failure == null ? "value " + show(outcome(k.task))
                            : "failed " + failure + suppressedOf(failure)));
                }
            }
        }
        return out;
    }

    private static String suppressedOf(Throwable t) {
        StringBuilder s = new StringBuilder();
        for (Throwable x : t.getSuppressed()) s.append(" [suppressed ").append(x).append(']');
        return s.toString();
    }

    @SuppressWarnings("unchecked")
    static <T> T outcome(Task<T> task) {
        Object[] box = new Object[2];
        task.toCompletableFuture().whenComplete((v, e) -> { box[0] = v; box[1] = e; });
        if (box[1] != null) throw Env.<RuntimeException>sneaky((Throwable) box[1]);
        return (T) box[0];
    }

    @SuppressWarnings("unchecked")
    static <E extends Throwable> E sneaky(Throwable t) throws E {
        throw (E) t;
    }
}
