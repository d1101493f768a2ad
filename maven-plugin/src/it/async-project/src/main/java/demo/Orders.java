package demo;

import dev.coda.Async;
import dev.coda.Coda;
import dev.coda.Task;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/** Async code of every common shape: a loop over awaits, a try/catch around one, and an async lambda. */
public class Orders {
    private final String prefix;

    public Orders(String prefix) {
        this.prefix = prefix;
    }

    /** Sums the prices, awaiting each one in turn. */
    @Async
    public static Task<Integer> total(List<CompletableFuture<Integer>> prices) {
        int sum = 0;
        for (CompletableFuture<Integer> price : prices) {
            sum += Coda.await(price);
        }
        return Task.completed(sum);
    }

    /** Labels a name, or says why it could not. Exceptions come out of await as they were thrown. */
    @Async
    public Task<String> label(Task<String> name) {
        String label;
        try {
            label = prefix + Coda.await(name);
        } catch (IllegalArgumentException e) {
            label = "rejected: " + e.getMessage();
        }
        return Task.completed(label);
    }

    /** An async block: a lambda that awaits. */
    public static CompletionStage<List<String>> both(Task<String> a, Task<String> b) {
        java.util.function.Supplier<CompletionStage<List<String>>> block = () -> {
            List<String> out = new ArrayList<>();
            out.add(Coda.await(a));
            out.add(Coda.await(b));
            return CompletableFuture.completedFuture(out);
        };
        return block.get();
    }
}
