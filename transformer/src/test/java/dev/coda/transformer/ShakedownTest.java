package dev.coda.transformer;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.coda.Task;
import dev.coda.transformer.support.Instrumented;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;

class ShakedownTest {
    static final String SRC = """
            package p;
            import dev.coda.*;
            import java.util.*;
            import java.util.concurrent.*;
            import java.util.function.*;
            public class B {
                private int base = 10;
                public static List<CompletableFuture<Object>> pending = new ArrayList<>();
                static <T> CompletableFuture<T> later() { CompletableFuture<T> f = new CompletableFuture<>(); pending.add((CompletableFuture) f); return f; }
                record Pair(long a, String b, double c) {}
                @Async public Task<Integer> inst(int k) {
                    int v = Coda.await(B.<Integer>later());
                    return Task.completed(base + k + v);
                }
                @Async public static Task<String> wide(long a, double d) {
                    Pair p = new Pair(a, "s" + Coda.await(B.<Integer>later()), d * Coda.await(B.<Double>later()));
                    return Task.completed(p.toString());
                }
                @Async public static Task<String> caught() {
                    try {
                        Object o = Coda.await(B.<Object>later());
                        return Task.completed("no " + o);
                    } catch (IllegalStateException e) {
                        return Task.completed("caught " + e.getMessage());
                    } finally {
                        pending.add(null);
                    }
                }
                public static Supplier<Task<Integer>> lambda(int x) {
                    return () -> { int y = Coda.await(B.<Integer>later()); return Task.completed(x * y); };
                }
                @Async public static CompletableFuture<Integer> future(int n) {
                    int sum = 0;
                    for (int i = 0; i < n; i++) sum += Coda.await(Task.completed(i)) + Coda.await(B.<Integer>later());
                    return CompletableFuture.completedFuture(sum);
                }
                interface Svc { @Async default Task<String> hello(String who) { return Task.completed("hi " + Coda.await(B.<String>later()) + who); } }
                public static Task<String> viaInterface() { return new Svc() {}.hello("!"); }
                public static Supplier<Task<String>> anon() {
                    return new Supplier<Task<String>>() { public Task<String> get() { return Task.completed("anon " + Coda.await(B.<String>later())); } };
                }
            }
            """;

    @SuppressWarnings("unchecked")
    static void completeAll(Object... values) {
        int i = 0;
        while (!B().isEmpty()) {
            CompletableFuture<Object> f = B().remove(0);
            if (f == null) continue;
            Object v = values[i++];
            if (v instanceof Throwable) f.completeExceptionally((Throwable) v); else f.complete(v);
        }
    }

    static Instrumented code;
    @SuppressWarnings("unchecked")
    static List<CompletableFuture<Object>> B() {
        try {
            return (List<CompletableFuture<Object>>) code.load("p.B").getField("pending").get(null);
        } catch (ReflectiveOperationException e) { throw new AssertionError(e); }
    }

    @Test
    void shapes() throws Throwable {
        code = Instrumented.compile("p/B.java", SRC).requireClean();
        Class<?> b = code.load("p.B");
        Object inst = b.getConstructor().newInstance();
        Task<Integer> t1 = (Task<Integer>) b.getMethod("inst", int.class).invoke(inst, 5);
        completeAll(7);
        assertEquals(22, t1.join());

        Task<String> t2 = (Task<String>) code.call("p.B", "wide", 3L, 1.5);
        completeAll(4, 2.0);
        assertEquals("Pair[a=3, b=s4, c=3.0]", t2.join());

        Task<String> t3 = (Task<String>) code.call("p.B", "caught");
        completeAll(new IllegalStateException("boom"));
        assertEquals("caught boom", t3.join());

        Supplier<Task<Integer>> s = (Supplier<Task<Integer>>) code.call("p.B", "lambda", 6);
        Task<Integer> t4 = s.get();
        completeAll(7);
        assertEquals(42, t4.join());

        CompletableFuture<Integer> t5 = (CompletableFuture<Integer>) code.call("p.B", "future", 3);
        completeAll(10, 20, 30);
        assertEquals(63, t5.join());

        Task<String> t6 = (Task<String>) code.call("p.B", "viaInterface");
        completeAll("there");
        assertEquals("hi there!", t6.join());

        Task<String> t7 = ((Supplier<Task<String>>) code.call("p.B", "anon")).get();
        completeAll("x");
        assertEquals("anon x", t7.join());
    }
}
