package dev.coda.transformer.fuzz;

import dev.coda.Task;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * What a generated program sees of the world: an event log, a factory of tasks (already complete or completed
 * later by a driver, some failing) and logging resources. One {@code Env} per execution; the transformed and the
 * reference executions of a program each get their own, so their logs can be compared.
 *
 * <p>Task modes, as passed by generated code: {@code mode & 3} is 0 completed value, 1 pending value, 2 completed
 * failure, 3 pending failure; {@code mode >> 2} picks the failure's type (0 Boom, 1 Checked, 2 Other, 3 Fatal).
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

    final List<String> events = new ArrayList<>();
    private final List<Pending> pending = new ArrayList<>();
    private final SplittableRandom order;
    private int tasks;
    /** Reference execution: awaits executed, and those that found their task not yet complete. */
    long awaits;
    long blockedAwaits;
    /** Transformed execution: completions by the driver that resumed a suspended waiter. */
    long resumptions;

    public Env(long orderSeed) {
        this.order = new SplittableRandom(orderSeed);
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

    // ---- task factory ------------------------------------------------------------------------------------------

    private Throwable failure(int mode, Object value) {
        String message = "f" + tasks + ":" + show(value);
        switch (mode >> 2) {
            case 0: return new Boom(message);
            case 1: return new Checked(message);
            case 2: return new Other(message);
            default: return new Fatal(message);
        }
    }

    private static String show(Object v) {
        if (v instanceof int[]) return java.util.Arrays.toString((int[]) v);
        if (v instanceof Object[]) return java.util.Arrays.toString((Object[]) v);
        return String.valueOf(v);
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
                pending.add(new Pending(f, t, v, (mode & 3) == 3 ? failure(mode, v) : null));
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
                pending.add(new Pending(f, null, v, (mode & 3) == 3 ? failure(mode, v) : null));
                return (CompletableFuture<T>) (CompletableFuture<?>) f;
            }
        }
    }

    // ---- driver ------------------------------------------------------------------------------------------------

    boolean hasPending() {
        return !pending.isEmpty();
    }

    /** Completes one pending task, chosen at random; a coroutine it resumes runs on this thread, inside the call. */
    void completeOne() {
        int i = order.nextInt(pending.size());
        Pending p = pending.get(i);
        pending.set(i, pending.get(pending.size() - 1));
        pending.remove(pending.size() - 1);
        if (p.hasWaiter()) resumptions++;
        if (p.error != null) p.future.completeExceptionally(p.error);
        else p.future.complete(p.value);
    }

    /** The reference {@code await}: run the driver until {@code task} is done, then its value or its exception. */
    <T> T join(Task<T> task) {
        awaits++;
        if (!task.isDone()) blockedAwaits++;
        while (!task.isDone()) {
            if (pending.isEmpty()) throw new AssertionError("reference: awaited task can never complete");
            completeOne();
        }
        return outcome(task);
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
