package dev.coda;

/**
 * A callback registered on a {@link Task} and run once, on the completing thread, after the task's outcome is
 * published. A {@link Coroutine} is its own waiter, so suspending on a task allocates nothing.
 */
interface Waiter {
    void onCompleted(Task<?> source);
}
