package demo.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import demo.api.Inventory;
import dev.coda.Task;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

class CheckoutTest {
    @Test
    void awaitsTheApiAcrossModules() {
        CompletableFuture<Integer> apples = new CompletableFuture<>();
        Inventory inventory = new Inventory(Map.of("apple", apples, "pear", CompletableFuture.completedFuture(0)));
        Task<String> result = Checkout.check(inventory, List.of("apple", "pear", "plum"));
        assertFalse(result.isDone(), "suspended on the pending apple count, inside the api module's state machine");
        apples.complete(4);
        assertEquals("missing: pear, plum", result.join());
    }
}
