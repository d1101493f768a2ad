package dev.coda.tests.kinds;

import static dev.coda.Coda.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.coda.Async;
import dev.coda.Task;
import dev.coda.tests.support.Events;
import dev.coda.tests.support.Later;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.function.Supplier;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Async functions in every kind of class, each a real source file compiled by Maven. */
class ClassKindsTest {
    @BeforeEach
    void reset() {
        Later.reset();
        Events.take();
    }

    @Test
    void topLevelInstanceMethodUsesPrivateMembersAcrossSuspensions() {
        Counter c = new Counter("c");
        CompletableFuture<Integer> a = new CompletableFuture<>();
        CompletableFuture<Integer> b = new CompletableFuture<>();
        Task<String> t = c.addBoth(Task.from(a), b);
        assertEquals(List.of("c start"), Events.take());
        assertEquals("dev.coda.tests.kinds.Counter$$Coda$addBoth", t.getClass().getName());
        a.complete(5);
        assertEquals(List.of("c after a 5"), Events.take());
        assertFalse(t.isDone());
        b.complete(7);
        assertEquals(List.of("c after b 12"), Events.take());
        assertEquals("c=12", t.join());
        assertEquals(12, c.total());
    }

    @Test
    void topLevelStaticMethodLoopsOverPendingFutures() {
        Task<Integer> t = Counter.sum(List.of(Later.value(1), CompletableFuture.completedFuture(10), Later.value(100)));
        assertFalse(t.isDone());
        assertEquals(2, Later.runAll());
        assertEquals(111, t.join());
    }

    @Test
    void staticNestedClassReachesPrivateMembersOfTheOuterClass() {
        Outer outer = new Outer("o");
        Outer.Nested n = new Outer.Nested();
        CompletableFuture<String> x = new CompletableFuture<>();
        Task<String> t = n.read(outer, x);
        assertFalse(t.isDone());
        x.complete("v");
        assertEquals("{v}o!S2", t.join());
        assertEquals("o!", outer.secret());
        assertEquals("dev.coda.tests.kinds.Outer$Nested$$Coda$read", t.getClass().getName());
    }

    @Test
    void innerClassUsesTheOuterInstanceAfterResuming() {
        Outer outer = new Outer("o");
        Outer.Inner inner = outer.new Inner(3);
        CompletableFuture<String> x = new CompletableFuture<>();
        Task<String> t = inner.read(x);
        x.complete("w");
        assertEquals("<w:ow>3", t.join());
        assertEquals("ow", outer.secret());
    }

    @Test
    void asyncLambdaOfAnInnerClassCallsPrivateMethodsOfTheOuterClass() {
        Outer outer = new Outer("k");
        CompletableFuture<String> x = new CompletableFuture<>();
        Task<String> t = outer.new Inner(9).reader(x).get();
        assertFalse(t.isDone());
        x.complete("z");
        assertEquals("<z:k>k9{l}", t.join());
    }

    @Test
    void privateNestedClassHostsAnAsyncFunction() {
        Outer outer = new Outer("h");
        CompletableFuture<String> x = new CompletableFuture<>();
        Task<String> t = outer.viaHidden(Task.from(x));
        assertFalse(t.isDone());
        x.complete("1");
        assertEquals("h1/x", t.join());
    }

    @Test
    void localClassCapturesLocalsAndAwaits() {
        String captured = "cap";
        int base = 40;
        class Local {
            private final String prefix;

            Local(String prefix) {
                this.prefix = prefix;
            }

            @Async
            Task<String> go(CompletableFuture<Integer> x) {
                int v = await(x);
                return Task.completed(prefix + captured + (base + v));
            }
        }
        CompletableFuture<Integer> x = new CompletableFuture<>();
        Task<String> t = new Local("p-").go(x);
        assertFalse(t.isDone());
        x.complete(2);
        assertEquals("p-cap42", t.join());
        assertTrue(t.getClass().getName().endsWith("Local$$Coda$go"), t.getClass().getName());
    }

    @Test
    void anonymousClassWithAnAsyncMethodAndAnAnonymousAsyncBlock() {
        String tag = "anon";
        var anon = new Object() {
            int calls;

            @Async
            Task<String> twice(Task<String> s) {
                calls++;
                String v = await(s);
                return Task.completed(tag + v + v + calls);
            }
        };
        Task<String> t = anon.twice(Later.task("x"));
        Supplier<Task<Integer>> block = new Supplier<>() {
            @Override
            public Task<Integer> get() {
                String s = await(t);
                return Task.completed(s.length() + await(Later.value(100)));
            }
        };
        Task<Integer> len = block.get();
        assertFalse(len.isDone());
        Later.runAll();
        assertEquals("anonxx1", t.join());
        assertEquals(107, len.join());
    }

    @Test
    void interfaceDefaultPrivateAndPrivateStaticMethodsChain() {
        Circle c = new Circle(1);
        CompletableFuture<Double> scale = new CompletableFuture<>();
        Task<String> t = c.describe(scale);
        scale.complete(2.0);
        assertFalse(t.isDone(), "the private static unit() still waits");
        assertEquals(1, Later.runAll());
        assertEquals("circle:6.0u2(circle)", t.join());
    }

    @Test
    void interfaceStaticAsyncMethod() {
        CompletableFuture<Double> bonus = new CompletableFuture<>();
        Task<Double> t = Shape.totalArea(List.of(new Circle(1), new Square(2, "s")), bonus);
        bonus.complete(0.5);
        assertEquals(7.5, t.join());
    }

    @Test
    void subInterfaceOverridesTheDefaultAndCallsInterfaceSuper() {
        Square sq = new Square(3, "L");
        CompletableFuture<Double> scale = new CompletableFuture<>();
        Task<String> t = sq.describe(scale);
        scale.complete(1.0);
        Later.runAll();
        assertEquals("L[square:9.0u2(square)]", t.join());
        assertEquals("dev.coda.tests.kinds.Labeled$$Coda$describe", t.getClass().getName());
    }

    @Test
    void recordAsyncMethodsAndConstructorWithAwaitedArguments() {
        CompletableFuture<Double> side = new CompletableFuture<>();
        Task<Square> made = Square.of(side, Later.task("r"));
        side.complete(2.0);
        Later.runAll();
        assertEquals(new Square(2.0, "r"), made.join());
        CompletableFuture<Double> by = new CompletableFuture<>();
        Task<Square> grown = made.join().grow(by);
        by.complete(1.5);
        assertEquals(new Square(3.5, "r"), grown.join());
        CompletableFuture<Double> negative = CompletableFuture.completedFuture(-1.0);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Square.of(negative, Task.completed("n")).join());
        assertEquals("side", e.getMessage());
    }

    @Test
    void enumConstantSpecificBodiesOverrideTheAsyncMethod() {
        Task<String> t = Op.PLUS.show(Later.task(3), Later.task(4));
        assertFalse(t.isDone());
        Later.runAll();
        assertEquals("+=7 0", t.join());
        Task<Integer> direct = Op.PLUS.apply(Task.completed(1), Task.completed(2));
        assertEquals("dev.coda.tests.kinds.Op$1$$Coda$apply", direct.getClass().getName());
        assertEquals(3, direct.join());
    }

    @Test
    void enumAsyncMethodsAcrossAllConstants() {
        Task<List<Integer>> all = Op.applyAll(Later.task(6), Later.task(4));
        assertFalse(all.isDone());
        Later.runAll();
        assertEquals(List.of(10, 24, 2), all.join());
        Task<String> minus = Op.MINUS.show(Later.task(9), Task.completed(5));
        Later.runAll();
        assertEquals("-=4 2", minus.join());
        assertTrue(Op.TIMES.apply(Task.completed(1), Task.completed(1)).getClass().getName().startsWith("dev.coda.tests.kinds.Op$"));
    }

    @Test
    void enumConstantBodyFailureReachesTheCaller() {
        Task<Integer> t = Op.TIMES.apply(Later.task(100), Later.task(11));
        Later.runAll();
        ArithmeticException e = assertThrows(ArithmeticException.class, t::join);
        assertEquals("too big: 1100", e.getMessage());
    }

    @Test
    void genericClassAndGenericMethods() {
        Box<String> box = new Box<>("m");
        Task<String> max = box.maxWith(Later.task("z"));
        Task<Integer> len = box.map(s -> Later.value(s.length() * 10));
        Later.runAll();
        assertEquals("z", max.join());
        assertEquals("z", box.get());
        assertEquals(10, len.join());
        CompletableFuture<List<String>> list = new CompletableFuture<>();
        Task<Map.Entry<String, List<String>>> zipped = Box.zip(Task.completed("k"), list);
        list.complete(List.of("a", "b"));
        assertEquals(Map.entry("k", List.of("a", "b")), zipped.join());
        Task<Integer> best = Box.maxOf(List.of(Later.value(3), Later.value(9), CompletableFuture.completedFuture(4)));
        Later.runAll();
        assertEquals(9, best.join());
    }

    @Test
    void subclassOverridesAnAsyncMethodAndCallsSuper() {
        CachingRepository repo = new CachingRepository();
        Task<String> first = repo.load("a");
        assertFalse(first.isDone());
        Later.runAll();
        assertEquals("V-A", first.join());
        Task<String> second = repo.load("a");
        assertTrue(second.isDone());
        assertEquals("V-A", second.join());
        assertEquals(List.of("miss a", "base a", "base got v-a", "cached a", "hit a"), repo.calls());
    }

    @Test
    void asyncLambdaCallsSuperMethod() {
        CachingRepository repo = new CachingRepository();
        Task<String> t = repo.reload("b").get();
        Later.runAll();
        assertEquals("reloaded V-B", t.join());
        assertEquals(List.of("base b", "base got v-b"), repo.calls(), "super.load, not the override");
        Task<String> cached = repo.load("b");
        assertTrue(cached.isDone());
        assertEquals("V-B'", cached.join());
    }
}
