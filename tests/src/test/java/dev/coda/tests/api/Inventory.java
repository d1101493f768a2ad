package dev.coda.tests.api;

import static dev.coda.Coda.await;

import dev.coda.Async;
import dev.coda.Task;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/** An async API in one package, used from another: public, protected and package-private async members. */
public class Inventory {
    private final Map<String, Integer> stock = new TreeMap<>();

    /** A checked exception the async API fails with. */
    public static final class OutOfStock extends Exception {
        public OutOfStock(String item, int wanted, int have) {
            super(item + ": wanted " + wanted + ", have " + have);
        }
    }

    public Inventory put(String item, int n) {
        stock.put(item, n);
        return this;
    }

    @Async
    public Task<Integer> reserve(String item, CompletionStage<Integer> amount) throws OutOfStock {
        int want = await(amount);
        int have = stock.getOrDefault(item, 0);
        if (want > have) throw new OutOfStock(item, want, have);
        stock.put(item, have - want);
        return Task.completed(have - want);
    }

    @Async
    protected Task<String> audit(String who, CompletableFuture<String> stamp) {
        String s = await(stamp);
        return Task.completed(who + "@" + s + stock);
    }

    @Async
    static Task<Integer> packagePrivateCount(Inventory inv) {
        return Task.completed(await(Task.completed(inv.stock.size())));
    }

    /** Public static entry point into package-private async code. */
    @Async
    public static CompletableFuture<Integer> count(Inventory inv) {
        int n = await(packagePrivateCount(inv));
        return CompletableFuture.completedFuture(n);
    }
}
