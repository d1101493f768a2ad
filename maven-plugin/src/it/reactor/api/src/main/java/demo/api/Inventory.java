package demo.api;

import dev.coda.Async;
import dev.coda.Coda;
import dev.coda.Task;
import java.util.Map;
import java.util.concurrent.CompletionStage;

/** The async API the app module builds on. */
public class Inventory {
    private final Map<String, CompletionStage<Integer>> stock;

    public Inventory(Map<String, CompletionStage<Integer>> stock) {
        this.stock = stock;
    }

    @Async
    public Task<Integer> count(String item) {
        CompletionStage<Integer> known = stock.get(item);
        int n = known == null ? 0 : Coda.await(known);
        return Task.completed(n);
    }
}
