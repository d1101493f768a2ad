package dev.coda.tests.flow;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.coda.Task;
import dev.coda.tests.support.Events;
import java.lang.reflect.Field;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Ways an async function ends, and generic values in real classes. */
class ReturnsTest {
    @BeforeEach
    void reset() {
        Events.take();
    }

    @Test
    void returningAPendingTaskAdoptsItsValueAndItsFailure() {
        CompletableFuture<String> first = new CompletableFuture<>();
        CompletableFuture<String> adopted = new CompletableFuture<>();
        Task<String> t = Returns.adoptPendingTask(first, adopted);
        first.complete("1");
        assertEquals(List.of("before adopting 1"), Events.take());
        assertFalse(t.isDone(), "waits for the adopted task");
        adopted.complete("adopted");
        assertEquals("adopted", t.join());

        CompletableFuture<String> failing = new CompletableFuture<>();
        Task<String> u = Returns.adoptPendingTask(CompletableFuture.completedFuture("2"), failing);
        IllegalStateException error = new IllegalStateException("adopted failure");
        failing.completeExceptionally(error);
        assertSame(error, assertThrows(IllegalStateException.class, u::join));
    }

    @Test
    void tailCallOfAnotherAsyncFunction() {
        CompletableFuture<String> first = new CompletableFuture<>();
        CompletableFuture<String> second = new CompletableFuture<>();
        Task<String> t = Returns.tailCall(first, second);
        first.complete("a");
        assertFalse(t.isDone());
        second.complete("b");
        assertEquals("ab", t.join());
    }

    @Test
    void completionStageFunctionAdoptsADependentStage() throws Exception {
        CompletableFuture<Integer> in = new CompletableFuture<>();
        CompletableFuture<Integer> adopted = new CompletableFuture<>();
        CompletionStage<Integer> s = Returns.adoptStage(in.minimalCompletionStage(), adopted);
        in.complete(5);
        assertFalse(s.toCompletableFuture().isDone());
        adopted.complete(10);
        assertEquals(15, s.toCompletableFuture().get());
        assertEquals(-1, Returns.adoptStage(CompletableFuture.completedStage(-1), new CompletableFuture<>()).toCompletableFuture().get());
    }

    @Test
    void genericArrayLiveAcrossAnAwaitIsStoredWithItsErasure() throws Exception {
        Integer[] items = {3, 9, 4};
        CompletableFuture<Integer> extra = new CompletableFuture<>();
        Task<Integer> t = Returns.maxOfArray(items, Task.from(extra));
        Field f = t.getClass().getDeclaredField("items");
        f.setAccessible(true);
        assertEquals(Comparable[].class, f.getType(), "the erasure of T[] with T extends Comparable<T>");
        assertSame(items, f.get(t));
        extra.complete(7);
        assertEquals(9, t.join());
        assertEquals("[3, 9, 4]", Arrays.toString(items));
        assertEquals("z", Returns.maxOfArray(new String[] {"a", "b"}, Task.completed("z")).join());
    }

    @Test
    void genericFunctionCompletingWithNull() {
        CompletableFuture<Object> gate = new CompletableFuture<>();
        Task<String> t = Returns.nothing(Task.from(gate));
        gate.complete(1);
        assertTrue(t.isDone());
        assertNull(t.join());
    }
}
