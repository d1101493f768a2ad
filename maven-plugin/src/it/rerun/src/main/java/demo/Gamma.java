package demo;

import dev.coda.Async;
import dev.coda.Coda;
import dev.coda.Task;

public class Gamma {
    @Async
    public static Task<String> name(Task<String> prefix) {
        return Task.completed(Coda.await(prefix) + "Gamma");
    }
}
