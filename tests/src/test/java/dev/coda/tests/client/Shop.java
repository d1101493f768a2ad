package dev.coda.tests.client;

import static dev.coda.Coda.await;

import dev.coda.Async;
import dev.coda.Task;
import dev.coda.tests.api.Inventory;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/** Async code in a different package calling the other package's async API. */
public class Shop {
    private final Inventory inventory;
    private final List<String> receipts = new ArrayList<>();

    public Shop(Inventory inventory) {
        this.inventory = inventory;
    }

    public List<String> receipts() {
        return receipts;
    }

    @Async
    public Task<String> order(String item, CompletableFuture<Integer> amount) {
        try {
            int left = await(inventory.reserve(item, amount));
            receipts.add(item);
            return Task.completed("ok " + item + ", " + left + " left");
        } catch (Inventory.OutOfStock e) {
            return Task.completed("refused: " + e.getMessage());
        }
    }

    @Async
    public Task<Integer> stockCount() {
        return Task.completed(await(Inventory.count(inventory)) * 10);
    }
}
