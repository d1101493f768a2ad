package dev.coda;

import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.CompletionStage;
import java.util.function.Supplier;

/**
 * The operations an async function uses in its body: {@code await}, {@code move}, and the tasks that wait
 * ({@code sleep}, {@code yieldNow}, {@code timeout}). All static; the class has no instances.
 */
public final class Coda {
    private Coda() {}

    /**
     * Suspends the enclosing async function until {@code task} completes, then returns its value or rethrows its
     * exception as it was thrown, a checked one too, although this method does not declare it. A task already done is
     * taken at once, without suspending. If the task is a child of the awaiting function and a cancellation is
     * delivered here, the task is cancelled and waited for before {@link Cancelled} is thrown. A failure that comes
     * back through this await counts as seen: the task's parent does not report it again.
     *
     * <p>Only meaningful in an async function or async block rewritten by the Coda transformer, where the call is
     * replaced; anywhere else it throws {@link IllegalStateException}.
     *
     * @param <T> the type of the value
     * @param task the task to wait for
     * @return the task's value
     * @throws Cancelled if a cancellation of the enclosing function is delivered at this await
     * @throws NullPointerException if {@code task} is null
     * @throws IllegalStateException if the calling code was not rewritten into a state machine; the message names
     *     the method and how to have it rewritten, or says why the agent could not rewrite it
     */
    public static <T> T await(Task<T> task) {
        throw notInstrumented();
    }

    /**
     * {@link #await(Task)} for any {@link CompletionStage}: the value, or the exception the stage completed with, a
     * {@link java.util.concurrent.CompletionException} wrapper removed. The stage belongs to the awaiting function: if
     * the function is cancelled at this await, the stage is cancelled ({@code cancel(true)}; a stage that is not
     * itself a {@code CompletableFuture}, or a minimal stage, is only abandoned), so the operation behind it is told
     * to stop. To await a future that others share, await {@link Task#from} of it instead. A plain
     * {@code CompletableFuture} (that class itself, not a subclass) that is already done is taken at once, without
     * allocating anything.
     *
     * @param <T> the type of the value
     * @param stage the stage to wait for
     * @return the stage's value
     * @throws Cancelled if a cancellation of the enclosing function is delivered at this await
     * @throws NullPointerException if {@code stage} is null
     * @throws IllegalStateException if the calling code was not rewritten into a state machine
     */
    public static <T> T await(CompletionStage<T> stage) {
        throw notInstrumented();
    }

    /**
     * Ends ownership of an owned variable and returns its value: the value is no longer dropped when the variable's
     * scope ends; whoever receives it owns it now, for example an {@link Owned @Owned} parameter it is passed to. In
     * rewritten code the call clears the variable's drop flag; it is a build error to move a value that is not owned
     * there. Outside async code it only returns its argument.
     *
     * @param <T> the type of the value
     * @param owned an owned variable
     * @return {@code owned}, unchanged
     */
    public static <T> T move(T owned) {
        return owned;
    }

    /**
     * A task that succeeds after {@code d}. The timer runs on a daemon thread of the runtime and completes the task on
     * {@link java.util.concurrent.ForkJoinPool#commonPool()} (or, when the common pool has no parallelism to offer, on
     * a daemon thread of the runtime's own), where the awaiting coroutine then resumes. The task is a child of the async
     * function running on this thread, if any: that function, cancelled while it awaits the sleep, cancels it.
     * Cancelling the task completes it cancelled and removes its timer. Another coroutine awaiting it, cancelled, only stops
     * waiting: the sleep is not its own.
     *
     * @param d how long to wait; a duration too long for a {@code long} of nanoseconds is waited as the longest one
     * @return a task that succeeds after {@code d}; {@link Task#done()}, already succeeded, if {@code d} is zero or
     *     negative
     * @throws NullPointerException if {@code d} is null
     */
    public static Task<Void> sleep(Duration d) {
        long nanos = Timers.nanos(d);
        return nanos <= 0 ? Task.done() : new Sleep(nanos);
    }

    /**
     * A task that succeeds as soon as {@link java.util.concurrent.ForkJoinPool#commonPool()} (or, when the common pool
     * has no parallelism to offer, a daemon thread of the runtime's own) runs it: awaiting it hands the rest of the
     * coroutine to the pool and lets the current thread return. The pool is asked when the task is first awaited (or
     * joined, or its future asked for), so an await always suspends. The task is nobody's child; cancelling it
     * completes it cancelled at once.
     *
     * @return a pending task that the pool completes once it is awaited; until then {@code isDone()} stays false
     */
    public static Task<Void> yieldNow() {
        return new Yield();
    }

    /**
     * Starts {@code body} (at once, on the calling thread) and returns a task that completes as it does, unless
     * {@code d} passes first: then the body is cancelled, and the task fails with
     * {@link java.util.concurrent.TimeoutException} once the body's cleanup has finished; if that cleanup failed, the
     * body's cancellation, carrying its cleanup failures, is suppressed onto it. A body that still completes
     * otherwise, despite the cancellation, keeps its outcome. Cancelling the task cancels the body, and completes it
     * cancelled after the body has completed. The task is a child of the async function running on this thread, if any.
     *
     * <p>{@code TimeoutException} is checked and {@code await} does not declare it: catch it as an {@code Exception}
     * and test its type; {@link Task#join()} wraps it in a {@link java.util.concurrent.CompletionException}.
     *
     * @param <T> the type of the value
     * @param d the time limit; zero or negative lets the timer fire at once, and the body is cancelled unless it has
     *     completed by then
     * @param body starts the work and returns its task; a body that throws, or returns null, gives a task that fails
     *     with that exception (a {@code NullPointerException} for null)
     * @return a task that completes as the body's task does, or fails with {@code TimeoutException}
     * @throws NullPointerException if {@code d} or {@code body} is null; the body is then not started
     */
    public static <T> Task<T> timeout(Duration d, Supplier<Task<T>> body) {
        Objects.requireNonNull(body, "body");
        long nanos = Timers.nanos(d); // before the body starts: a bad duration must not leave it running
        return Timeout.start(d, nanos, Task.started(body, "Coda.timeout"));
    }

    /**
     * The calling method as its source names it: a lambda body ({@code lambda$total$0}, as javac names it; ECJ's
     * {@code lambda$0} names no method) as "a lambda in" the method that holds it.
     */
    private static String describe(StackWalker.StackFrame caller) {
        String method = caller.getMethodName();
        String type = caller.getClassName();
        if (!method.startsWith("lambda$")) return type + "." + method;
        int end = method.lastIndexOf('$');
        String enclosing = end > "lambda$".length() ? method.substring("lambda$".length(), end) : "";
        if (enclosing.equals("new")) return "a lambda in a constructor of " + type;
        if (enclosing.equals("static")) return "a lambda in the static initializer of " + type;
        boolean named = !enclosing.isEmpty() && !Character.isDigit(enclosing.charAt(0));
        return "a lambda in " + type + (named ? "." + enclosing : "");
    }

    private static IllegalStateException notInstrumented() {
        StackWalker.StackFrame caller = StackWalker.getInstance(StackWalker.Option.RETAIN_CLASS_REFERENCE)
                .walk(frames -> frames.filter(f -> !f.getClassName().equals(Coda.class.getName())).findFirst())
                .orElse(null);
        String where = caller == null ? "unknown code" : describe(caller)
                + "(" + caller.getFileName() + ":" + caller.getLineNumber() + ")";
        String rejected = caller == null ? null
                : AgentMessages.rejection(caller.getDeclaringClass(), caller.getLineNumber());
        if (rejected != null) return new IllegalStateException(rejected);
        return new IllegalStateException("Coda.await called in " + where + ", which was not rewritten into a state "
                + "machine: annotate the method with @Async (or await inside an async lambda returning a Task) and "
                + "instrument the class, at build time with the coda-maven-plugin goal 'instrument' or at load "
                + "time with -javaagent:coda-agent.jar or dev.coda.agent.CodaAgent.install()");
    }
}
