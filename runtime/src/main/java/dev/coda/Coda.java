package dev.coda;

import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.CompletionStage;
import java.util.function.Supplier;

/** The operations an async function uses in its body. */
public final class Coda {
    private Coda() {}

    /**
     * Suspends the enclosing async function until {@code task} completes, then returns its value or rethrows its
     * exception as it was thrown. Only meaningful in code rewritten by the Coda transformer; anywhere else it
     * throws {@link IllegalStateException}.
     */
    public static <T> T await(Task<T> task) {
        throw notInstrumented();
    }

    /**
     * {@link #await(Task)} for any {@link CompletionStage}. The stage belongs to the awaiting function: if a
     * cancellation is delivered at this await, the stage is cancelled ({@code cancel(true)}; a stage that is not
     * itself a {@code CompletableFuture}, or a minimal stage, is only abandoned), so the operation behind it is told
     * to stop. To await a
     * future that others share, await {@link Task#from} of it instead. A {@code CompletableFuture} that is already
     * done is taken at once, without allocating anything.
     */
    public static <T> T await(CompletionStage<T> stage) {
        throw notInstrumented();
    }

    /**
     * Ends ownership of an owned variable and returns its value: the value is no longer dropped when the variable's
     * scope ends; whoever receives it owns it now. In rewritten code the call clears the variable's drop flag; it is
     * a build error to move a value that is not owned there.
     */
    public static <T> T move(T owned) {
        return owned;
    }

    /**
     * A task that succeeds after {@code d} (at once if it is zero or negative). The awaiting coroutine resumes on
     * {@link java.util.concurrent.ForkJoinPool#commonPool()}. Cancelling the task, or a cancelled coroutine that
     * awaits it, removes its timer.
     */
    public static Task<Void> sleep(Duration d) {
        long nanos = Timers.nanos(d);
        return nanos <= 0 ? Task.done() : new Sleep(nanos);
    }

    /**
     * A task that succeeds as soon as {@link java.util.concurrent.ForkJoinPool#commonPool()} runs it: awaiting it
     * hands the rest of the coroutine to the pool and lets the current thread return.
     */
    public static Task<Void> yieldNow() {
        Task<Void> t = new Task<>();
        Timers.runAsync(() -> t.succeed(null));
        return t;
    }

    /**
     * Starts {@code body} (at once, on the calling thread) and returns a task that completes as it does, unless
     * {@code d} passes first: then the body is cancelled, and the task fails with
     * {@link java.util.concurrent.TimeoutException} once the body's cleanup has finished, its cleanup failures
     * suppressed onto it. Cancelling the task cancels the body, and waits for it.
     */
    public static <T> Task<T> timeout(Duration d, Supplier<Task<T>> body) {
        Objects.requireNonNull(body, "body");
        long nanos = Timers.nanos(d); // before the body starts: a bad duration must not leave it running
        return Timeout.start(d, nanos, Task.started(body, "Coda.timeout"));
    }

    private static IllegalStateException notInstrumented() {
        StackWalker.StackFrame caller = StackWalker.getInstance(StackWalker.Option.RETAIN_CLASS_REFERENCE)
                .walk(frames -> frames.filter(f -> !f.getClassName().equals(Coda.class.getName())).findFirst())
                .orElse(null);
        String where = caller == null ? "unknown code"
                : caller.getClassName() + "." + caller.getMethodName()
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
