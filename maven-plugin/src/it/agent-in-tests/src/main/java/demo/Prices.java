package demo;

import dev.coda.Async;
import dev.coda.Coda;
import dev.coda.Task;
import java.util.List;

public final class Prices {
    private Prices() {}

    /** The sum of the prices, awaited one by one. */
    @Async
    public static Task<Integer> sum(List<Task<Integer>> prices) {
        int sum = 0;
        for (Task<Integer> price : prices) sum += Coda.await(price);
        return Task.completed(sum);
    }
}
