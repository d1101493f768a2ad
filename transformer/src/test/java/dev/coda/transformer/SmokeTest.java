package dev.coda.transformer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.coda.Task;
import dev.coda.transformer.support.Instrumented;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

class SmokeTest {
    @Test
    void awaitsCompletedAndPendingTasks() throws Throwable {
        Instrumented code = Instrumented.compile("p/A.java", """
                package p;
                import dev.coda.*;
                import java.util.concurrent.*;
                public class A {
                    @Async public static Task<Integer> add(Task<Integer> a, CompletableFuture<Integer> b) {
                        int x = Coda.await(a);
                        String s = "x" + x;
                        int y = Coda.await(b);
                        return Task.completed(x + y + s.length());
                    }
                }
                """).requireClean();
        CompletableFuture<Integer> b = new CompletableFuture<>();
        @SuppressWarnings("unchecked")
        Task<Integer> t = (Task<Integer>) code.call("p.A", "add", Task.completed(3), b);
        assertFalse(t.isDone());
        b.complete(4);
        assertTrue(t.isDone());
        assertEquals(9, t.join());
    }
}
