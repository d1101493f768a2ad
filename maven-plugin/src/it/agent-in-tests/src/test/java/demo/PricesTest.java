package demo;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.coda.Async;
import dev.coda.Coda;
import dev.coda.Task;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

/** A test class with async code of its own: loaded by JUnit before any test runs, so the agent must be there first. */
class PricesTest {
    @Async
    static Task<Integer> doubled(Task<Integer> sum) {
        int s = Coda.await(sum);
        return Task.completed(2 * s);
    }

    @Test
    void mainAndTestCodeSuspendAndResume() {
        CompletableFuture<Integer> late = new CompletableFuture<>();
        Task<Integer> result = doubled(Prices.sum(List.of(Task.completed(1), Task.from(late))));
        assertFalse(result.isDone(), "both state machines suspend on the pending price");
        late.complete(2);
        assertTrue(result.isDone());
        assertEquals(6, result.join());
    }

    @Test
    void theTestClassIsAStateMachine() {
        assertEquals("demo.PricesTest$$Coda$doubled", doubled(Task.completed(1)).getClass().getName());
        assertEquals("demo.Prices$$Coda$sum", Prices.sum(List.of()).getClass().getName());
    }
}
