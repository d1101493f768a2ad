package dev.coda.tests.lambdas;

import static dev.coda.Coda.await;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.coda.Async;
import dev.coda.Task;
import dev.coda.tests.support.Events;
import dev.coda.tests.support.Later;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.BiFunction;
import java.util.function.Function;
import java.util.function.Supplier;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Async lambdas and anonymous-class async blocks in real compiled classes. */
class LambdasTest {
    private String name = "t";
    private int counter;

    @BeforeEach
    void reset() {
        Later.reset();
        Events.take();
    }

    @Test
    void lambdaCapturesLocalsOfEveryKind() {
        int i = 7;
        long l = Long.MIN_VALUE;
        double d = -0.5;
        char c = 'λ';
        boolean b = true;
        int[] box = {0};
        String s = "s";
        Supplier<Task<String>> block = () -> {
            int v = await(Later.value(1));
            box[0] += v;
            return Task.completed(i + "," + l + "," + d + "," + c + "," + b + "," + s + "," + v);
        };
        Task<String> t = block.get();
        Task<String> again = block.get();
        assertFalse(t.isDone());
        Later.runAll();
        assertEquals("7,-9223372036854775808,-0.5,λ,true,s,1", t.join());
        assertEquals(t.join(), again.join());
        assertEquals(2, box[0], "both calls ran, each with its own state machine");
        assertNotSame(t, again);
    }

    @Test
    void lambdaCapturesThisAndMutatesItsFieldsAfterResuming() {
        Supplier<Task<Integer>> bump = () -> {
            counter += await(Later.value(5));
            name = name + counter;
            return Task.completed(counter);
        };
        Task<Integer> t = bump.get();
        assertEquals(0, counter);
        Later.runAll();
        assertEquals(5, t.join());
        assertEquals("t5", name);
    }

    @Test
    void lambdasInStaticAndInstanceFieldInitialisers() {
        CompletableFuture<Integer> f = new CompletableFuture<>();
        Task<Integer> doubled = Pipelines.DOUBLER.apply(f);
        assertFalse(doubled.isDone());
        f.complete(21);
        assertEquals(42, doubled.join());
        CompletionStage<String> shout = Pipelines.SHOUT.apply("hey");
        Pipelines p = new Pipelines(">");
        Task<String> g1 = p.greeter.get();
        Task<String> g2 = p.greeter.get();
        assertEquals(0, p.uses());
        Later.runAll();
        assertEquals("HEY!", shout.toCompletableFuture().join());
        assertEquals(">world1", g1.join());
        assertEquals(">world2", g2.join());
    }

    @Test
    void supplierOfTaskPassedToAnAsyncFunctionRunsSequentially() {
        Task<List<String>> t = Pipelines.sequence(List.of(
                () -> {
                    Events.log("first starts");
                    return Task.completed("a" + await(Later.value(1)));
                },
                () -> {
                    Events.log("second starts");
                    return Task.completed("b" + await(Later.value(2)));
                }));
        assertEquals(List.of("first starts"), Events.take());
        assertTrue(Later.step());
        assertEquals(List.of("second starts"), Events.take(), "the second body starts only after the first finished");
        Later.runAll();
        assertEquals(List.of("a1", "b2"), t.join());
    }

    @Test
    void supplierBodiesStartedTogetherInterleave() {
        Task<List<Integer>> t = Pipelines.startAll(List.of(
                () -> {
                    Events.log("x1");
                    int v = await(Later.value(10));
                    Events.log("x2");
                    return Task.completed(v);
                },
                () -> {
                    Events.log("y1");
                    int v = await(Later.value(20));
                    Events.log("y2");
                    return Task.completed(v);
                }));
        assertEquals(List.of("x1", "y1"), Events.take());
        Later.runAll();
        assertEquals(List.of("x2", "y2"), Events.take());
        assertEquals(List.of(10, 20), t.join());
    }

    @Test
    void functionReturningCompletableFuturePassedToAnAsyncFunction() {
        String suffix = "!";
        Function<Integer, CompletableFuture<String>> f = x -> {
            int y = await(Later.value(x * x));
            return CompletableFuture.completedFuture(y + suffix);
        };
        Task<List<String>> t = Pipelines.mapAsync(List.of(1, 2, 3), f);
        assertFalse(t.isDone());
        Later.runAll();
        assertEquals(List.of("1!", "4!", "9!"), t.join());
    }

    @Test
    void nestedLambdasEachAreAsyncBlocks() {
        CompletableFuture<Integer> a = new CompletableFuture<>();
        CompletableFuture<Integer> b = new CompletableFuture<>();
        Supplier<Task<String>> outer = () -> {
            Events.log("outer");
            Function<Integer, Task<Integer>> inner = k -> {
                Events.log("inner " + k);
                return Task.completed(await(a) + k);
            };
            int first = await(inner.apply(100));
            Supplier<Task<Integer>> innerMost = () -> Task.completed(first * await(b));
            return Task.completed(first + "/" + await(innerMost.get()));
        };
        Task<String> t = outer.get();
        assertEquals(List.of("outer", "inner 100"), Events.take());
        a.complete(1);
        assertFalse(t.isDone());
        b.complete(2);
        assertEquals("101/202", t.join());
    }

    @Test
    void lambdaInsideAnAsyncFunctionAwaitedThere() {
        Task<String> t = wrap(Later.value(5));
        assertFalse(t.isDone());
        Later.runAll();
        assertEquals("in:5:out", t.join());
    }

    @Async
    private Task<String> wrap(CompletableFuture<Integer> f) {
        String before = "in";
        BiFunction<String, CompletableFuture<Integer>, Task<String>> inner = (p, g) -> Task.completed(p + ":" + await(g));
        String got = await(inner.apply(before, f));
        return Task.completed(got + ":out");
    }

    @Test
    void anonymousClassAsyncBlockReturningCompletionStage() {
        int[] calls = {0};
        Function<Integer, CompletionStage<String>> f = new Function<>() {
            private final String mark = "#";

            @Override
            public CompletionStage<String> apply(Integer i) {
                calls[0]++;
                String s = await(Later.value("v" + i));
                return CompletableFuture.completedFuture(mark + s + calls[0]);
            }
        };
        CompletionStage<String> one = f.apply(1);
        CompletionStage<String> two = f.apply(2);
        Later.runAll();
        assertEquals("#v12", one.toCompletableFuture().join());
        assertEquals("#v22", two.toCompletableFuture().join());
    }

    @Test
    void lambdaAwaitingArraysAndReturningAnArray() {
        BiFunction<CompletableFuture<int[]>, Task<String[]>, Task<Object[]>> f = (ints, strings) -> {
            int[] i = await(ints);
            String[] s = await(strings);
            return Task.completed(new Object[] {i.length, s[0], await(Later.value(null))});
        };
        int[] data = {1, 2, 3};
        CompletableFuture<int[]> ints = new CompletableFuture<>();
        Task<Object[]> t = f.apply(ints, Task.completed(new String[] {"z"}));
        ints.complete(data);
        Later.runAll();
        assertArrayEquals(new Object[] {3, "z", null}, t.join());
    }

    @Test
    void lambdaStateMachineIsSyntheticWithFieldsNamedAfterCapturesAndParameters() throws Exception {
        String prefix = "p";
        long big = 1L << 33;
        BiFunction<Integer, CompletableFuture<String>, Task<String>> f = (count, gate) -> {
            String got = await(gate);
            return Task.completed(prefix + big + count + got);
        };
        CompletableFuture<String> gate = new CompletableFuture<>();
        Task<String> t = f.apply(3, gate);
        Class<?> sm = t.getClass();
        assertTrue(sm.isSynthetic(), sm.getName());
        assertTrue(sm.getName().startsWith(LambdasTest.class.getName() + "$$Coda$lambda$"), sm.getName());
        java.util.Map<String, Class<?>> types = new java.util.HashMap<>();
        for (java.lang.reflect.Field fld : sm.getDeclaredFields()) {
            assertTrue(fld.isSynthetic(), fld.toString());
            types.put(fld.getName(), fld.getType());
        }
        assertEquals(String.class, types.get("prefix"), types.toString());
        assertEquals(long.class, types.get("big"), types.toString());
        assertEquals(Integer.class, types.get("count"), types.toString());
        assertEquals(int.class, types.get("state"), types.toString());
        java.lang.reflect.Field big2 = sm.getDeclaredField("big");
        big2.setAccessible(true);
        assertEquals(1L << 33, big2.getLong(t), "a live capture is held while suspended");
        gate.complete("!");
        assertEquals("p85899345923!", t.join());
    }
}
