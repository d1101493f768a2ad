package demo;

import dev.coda.Async;
import dev.coda.Coda;
import dev.coda.Owned;
import dev.coda.Task;
import java.util.List;
import java.util.concurrent.locks.Lock;

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

    public static int total(List<Task<Integer>> prices) {
        return prices.stream().mapToInt(t -> Coda.await(t)).sum();
    }

    @Async
    public static Task<Integer> read(@Owned Conn in, boolean handedOver) {
        if (handedOver) Coda.move(in);
        in = new Conn();
        return Task.completed(1);
    }

    // Warnings, not errors: a close that blocks, a lock held across an await.

    public static void closeNow() {
        try (Conn c = new Conn()) {
            System.out.println(c);
        }
    }

    @Async
    public static Task<Integer> holdAcross(Lock guard, Task<Integer> x) {
        guard.lock();
        try {
            return Task.completed(Coda.await(x));
        } finally {
            guard.unlock();
        }
    }
}
