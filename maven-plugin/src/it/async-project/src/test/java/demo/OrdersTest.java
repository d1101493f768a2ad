package demo;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.coda.Async;
import dev.coda.Coda;
import dev.coda.Task;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class OrdersTest {

    @Test
    void totalSuspendsUntilEveryPriceIsKnown() {
        CompletableFuture<Integer> first = new CompletableFuture<>();
        CompletableFuture<Integer> second = new CompletableFuture<>();
        Task<Integer> total = Orders.total(List.of(first, second, CompletableFuture.completedFuture(3)));
        assertFalse(total.isDone(), "the state machine suspends at the first pending price");
        first.complete(1);
        assertFalse(total.isDone());
        second.complete(2);
        assertTrue(total.isDone());
        assertEquals(6, total.join());
    }

    @Test
    void labelCatchesTheExceptionAsThrown() {
        Orders orders = new Orders("order ");
        CompletableFuture<String> name = new CompletableFuture<>();
        Task<String> label = orders.label(Task.from(name));
        name.complete("42");
        assertEquals("order 42", label.join());
        assertEquals("rejected: bad", orders.label(Task.failed(new IllegalArgumentException("bad"))).join());
    }

    @Test
    void asyncBlockResumesOnTheCompletingThread() throws Exception {
        CompletableFuture<String> later = new CompletableFuture<>();
        CompletableFuture<List<String>> both =
                Orders.both(Task.completed("a"), Task.from(later)).toCompletableFuture();
        assertFalse(both.isDone());
        CompletableFuture.runAsync(() -> later.complete("b"));
        assertEquals(List.of("a", "b"), both.get(10, TimeUnit.SECONDS));
    }

    /** Async code in a test class: rewritten by instrument-tests. */
    @Async
    static Task<String> twice(Task<String> word) {
        String w = Coda.await(word);
        return Task.completed(w + w);
    }

    @Test
    void testClassesAreInstrumentedToo() {
        CompletableFuture<String> word = new CompletableFuture<>();
        Task<String> result = twice(Task.from(word));
        assertFalse(result.isDone());
        word.complete("ab");
        assertEquals("abab", result.join());
    }
}
