package demo.app;

import demo.api.Inventory;
import dev.coda.Async;
import dev.coda.Coda;
import dev.coda.Task;
import java.util.List;

/** Awaits the other module's async API. */
public class Checkout {
    @Async
    public static Task<String> check(Inventory inventory, List<String> items) {
        StringBuilder missing = new StringBuilder();
        for (String item : items) {
            if (Coda.await(inventory.count(item)) == 0) missing.append(missing.length() == 0 ? "" : ", ").append(item);
        }
        return Task.completed(missing.length() == 0 ? "ok" : "missing: " + missing);
    }
}
