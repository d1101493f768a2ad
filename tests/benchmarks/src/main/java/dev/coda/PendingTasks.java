package dev.coda;

/**
 * Pending Coda tasks for the benchmarks, completed by hand: the package-private constructor and completion that the
 * runtime's own tasks use. Not API; it lives here so that the core benchmark measures Coda's tasks, not a view.
 */
public final class PendingTasks {
    private PendingTasks() {}

    public static <T> Task<T> pending() {
        return new Task<>();
    }

    public static Throwable failureOf(Task<?> task) {
        return task.failureNow();
    }

    public static <T> void fail(Task<T> task, Throwable error) {
        task.fail(error);
    }

    public static <T> void complete(Task<T> task, T value) {
        task.succeed(value);
    }
}
