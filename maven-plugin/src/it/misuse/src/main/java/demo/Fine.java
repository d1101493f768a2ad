package demo;

import dev.coda.Async;
import dev.coda.Coda;
import dev.coda.Task;

/** Correct async code next to the misuses: it must not be rewritten either, since the build fails. */
public class Fine {
    @Async
    public static Task<Integer> plusOne(Task<Integer> x) {
        return Task.completed(Coda.await(x) + 1);
    }
}
