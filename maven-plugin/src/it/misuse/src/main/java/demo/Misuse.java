package demo;

import dev.coda.Async;
import dev.coda.Coda;
import dev.coda.Task;

public class Misuse {
    private final Object lock = new Object();
    private final int start;

    public Misuse(Task<Integer> start) {
        this.start = Coda.await(start);
    }

    @Async
    public Task<Integer> locked(Task<Integer> x) {
        int v;
        synchronized (lock) {
            v = Coda.await(x);
        }
        return Task.completed(v + start);
    }

    public int plain(Task<Integer> x) {
        return Coda.await(x);
    }
}
