package dev.coda.transformer.constructs;

import static dev.coda.transformer.constructs.Driver.*;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.coda.Task;
import dev.coda.transformer.support.Instrumented;
import java.lang.reflect.Method;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;

/** Async functions of every kind of method, in every kind of class, and async blocks (lambdas, anonymous classes). */
class MethodKindsTest {

    @Test
    void staticMethod() throws Throwable {
        Instrumented code = program("StaticM", """
                @Async public static Task<String> go(String a) {
                    log("enter " + a);
                    String b = await(later("b"));
                    log("resumed " + b);
                    return Task.completed(a + b);
                }
                """);
        assertEquals("ab", drive(code, "StaticM", "go", "a"));
        assertLog("enter a", "resumed b");
    }

    @Test
    void instanceMethodReadsAndWritesFieldsOfThis() throws Throwable {
        Instrumented code = program("Counter", """
                private int count = 10;
                @Async public Task<Integer> add(int k) {
                    count += await(later(k));
                    count += await(later(k));
                    return Task.completed(count);
                }
                public static Task<String> go() {
                    Counter c = new Counter();
                    Task<Integer> first = c.add(1);
                    return Task.from(first.toCompletableFuture().thenApply(v -> v + " " + c.count));
                }
                """);
        assertEquals("12 12", drive(code, "Counter", "go"));
    }

    @Test
    void privateInstanceMethodCalledFromPublicOne() throws Throwable {
        Instrumented code = program("PrivateM", """
                private final String name = "priv";
                @Async private Task<String> secret(int n) { return Task.completed(name + await(later(n))); }
                @Async public Task<String> open() { return Task.completed("[" + await(secret(7)) + "]"); }
                public static Task<String> go() { return new PrivateM().open(); }
                """);
        assertEquals("[priv7]", drive(code, "PrivateM", "go"));
    }

    @Test
    void genericStaticMethodWithBoundedTypeParameter() throws Throwable {
        Instrumented code = program("GenericStatic", """
                @Async public static <T extends Comparable<T>> Task<T> max(T a, Task<T> b) {
                    T other = await(b);
                    return Task.completed(a.compareTo(other) >= 0 ? a : other);
                }
                public static Task<String> go() { return max("apple", laterTask("pear")); }
                public static Task<Integer> go2() { return max(10, laterTask(3)); }
                """);
        assertEquals("pear", drive(code, "GenericStatic", "go"));
        assertEquals(10, (int) drive(code, "GenericStatic", "go2"));
    }

    @Test
    void genericInstanceMethodOfGenericClass() throws Throwable {
        Instrumented code = program("Box", """
                static final class Holder<T> {
                    final T value;
                    Holder(T value) { this.value = value; }
                    @Async <R> Task<Map<T, R>> pair(Function<T, CompletableFuture<R>> f) {
                        R r = await(f.apply(value));
                        return Task.completed(Map.of(value, r));
                    }
                }
                public static Task<Map<String, Integer>> go() {
                    return new Holder<>("k").pair(s -> later(s.length() + 100));
                }
                """, "Box$Holder");
        assertEquals(java.util.Map.of("k", 101), drive(code, "Box", "go"));
    }

    @Test
    void interfaceDefaultMethodCallingAbstractMethod() throws Throwable {
        Instrumented code = program("Defaults", """
                interface Greeter {
                    String name();
                    @Async default Task<String> greet(String greeting) {
                        String punct = await(later("!"));
                        return Task.completed(greeting + " " + name() + punct);
                    }
                }
                record Named(String name) implements Greeter {}
                public static Task<String> go() { return new Named("Ann").greet("hello"); }
                """, "Defaults$Greeter");
        assertEquals("hello Ann!", drive(code, "Defaults", "go"));
    }

    @Test
    void interfaceStaticMethod() throws Throwable {
        Instrumented code = program("ItfStatic", """
                interface Util {
                    @Async static Task<Integer> twice(Task<Integer> t) { return Task.completed(2 * await(t)); }
                }
                public static Task<Integer> go() { return Util.twice(laterTask(21)); }
                """, "ItfStatic$Util");
        assertEquals(42, (int) drive(code, "ItfStatic", "go"));
    }

    @Test
    void interfacePrivateInstanceAndStaticMethods() throws Throwable {
        Instrumented code = program("ItfPrivate", """
                interface Svc {
                    int base();
                    @Async private Task<Integer> inner(int k) { return Task.completed(base() + await(later(k))); }
                    @Async private static Task<Integer> helper(int k) { return Task.completed(await(later(k)) * 10); }
                    default Task<Integer> both(int k) {
                        return Task.from(inner(k).toCompletableFuture().thenCombine(helper(k).toCompletableFuture(), Integer::sum));
                    }
                }
                public static Task<Integer> go() { Svc s = () -> 1000; return s.both(3); }
                """, "ItfPrivate$Svc");
        assertEquals(1033, (int) drive(code, "ItfPrivate", "go"));
    }

    @Test
    void enumInstanceMethodAndConstantSpecificBody() throws Throwable {
        Instrumented code = program("Ops", """
                enum Op {
                    ADD("+") { @Async Task<Integer> apply(int a) { return Task.completed(a + await(later(1))); } },
                    MUL("*") { Task<Integer> apply(int a) { return Task.completed(a * 3); } };
                    final String symbol;
                    Op(String symbol) { this.symbol = symbol; }
                    abstract Task<Integer> apply(int a);
                    @Async Task<String> describe(int a) { return Task.completed(a + symbol + "=" + await(apply(a))); }
                }
                public static Task<String> add() { return Op.ADD.describe(4); }
                public static Task<String> mul() { return Op.MUL.describe(4); }
                """, "Ops$Op", "Ops$Op$1");
        assertEquals("4+=5", drive(code, "Ops", "add"));
        assertEquals("4*=12", start(code, "Ops", "mul").join());
    }

    @Test
    void recordInstanceAndStaticMethods() throws Throwable {
        Instrumented code = program("Records", """
                record Point(int x, long y) {
                    Point { if (x < 0) throw new IllegalArgumentException("x"); }
                    @Async Task<Point> shifted() { return Task.completed(new Point(x + await(later(1)), y * await(later(2L)))); }
                    @Async static Task<Point> origin() { return Task.completed(new Point(await(later(0)), 0)); }
                }
                public static Task<String> go() {
                    return Task.from(new Point(1, 5).shifted().toCompletableFuture().thenApply(Point::toString));
                }
                public static Task<Point> origin() { return Point.origin(); }
                """, "Records$Point");
        assertEquals("Point[x=2, y=10]", drive(code, "Records", "go"));
        assertEquals("Point[x=0, y=0]", drive(code, "Records", "origin").toString());
    }

    @Test
    void staticNestedAndInnerClassUsingOuterInstance() throws Throwable {
        Instrumented code = program("Outer", """
                String prefix = "outer:";
                static final class Nested { @Async static Task<String> n() { return Task.completed("nested" + await(later(1))); } }
                final class Inner {
                    final int k;
                    Inner(int k) { this.k = k; }
                    @Async Task<String> run() { return Task.completed(prefix + k + await(later("/inner"))); }
                }
                public static Task<String> nested() { return Nested.n(); }
                public static Task<String> inner() { return new Outer().new Inner(5).run(); }
                """, "Outer$Nested", "Outer$Inner");
        assertEquals("nested1", drive(code, "Outer", "nested"));
        assertEquals("outer:5/inner", drive(code, "Outer", "inner"));
    }

    @Test
    void localClassCapturingLocalVariable() throws Throwable {
        Instrumented code = program("LocalCls", """
                public static Task<String> go(String captured) {
                    class Local {
                        @Async Task<String> run(int n) { return Task.completed(captured + n + await(later("."))); }
                    }
                    return new Local().run(3);
                }
                """, "LocalCls$1Local");
        assertEquals("c3.", drive(code, "LocalCls", "go", "c"));
    }

    @Test
    void anonymousClassMethodIsAnAsyncBlock() throws Throwable {
        Instrumented code = program("Anon", """
                public static Supplier<Task<String>> make(String tag) {
                    return new Supplier<Task<String>>() {
                        int calls;
                        public Task<String> get() {
                            calls++;
                            return Task.completed(tag + calls + await(later("-x")));
                        }
                    };
                }
                """, "Anon$1");
        @SuppressWarnings("unchecked")
        Supplier<Task<String>> s = (Supplier<Task<String>>) code.call("p.Anon", "make", "t");
        Task<String> a = s.get();
        Task<String> b = s.get();
        assertFalse(a.isDone());
        run();
        assertEquals("t1-x", a.join());
        assertEquals("t2-x", b.join());
    }

    @Test
    void anonymousClassWithAsyncAnnotatedMethod() throws Throwable {
        Instrumented code = program("AnonAsync", """
                static abstract class Job { abstract Task<Integer> run(int n); }
                public static Task<Integer> go(int base) {
                    Job j = new Job() {
                        @Async Task<Integer> run(int n) { return Task.completed(base + n * await(later(10))); }
                    };
                    return j.run(4);
                }
                """, "AnonAsync$1");
        assertEquals(47, (int) drive(code, "AnonAsync", "go", 7));
    }

    @Test
    void asyncLambdaCapturingLocals() throws Throwable {
        Instrumented code = program("LambdaLocals", """
                public static Function<Integer, Task<String>> make(String prefix, long scale) {
                    int[] calls = {0};
                    return k -> {
                        calls[0]++;
                        long v = await(later(k)) * scale;
                        return Task.completed(prefix + v + "#" + calls[0]);
                    };
                }
                """);
        @SuppressWarnings("unchecked")
        java.util.function.Function<Integer, Task<String>> f =
                (java.util.function.Function<Integer, Task<String>>) code.call("p.LambdaLocals", "make", "v=", 3L);
        Task<String> t1 = f.apply(2);
        Task<String> t2 = f.apply(5);
        assertFalse(t1.isDone() || t2.isDone());
        run();
        assertEquals("v=6#2", t1.join());
        assertEquals("v=15#2", t2.join());
    }

    @Test
    void asyncLambdaCapturingThis() throws Throwable {
        Instrumented code = program("LambdaThis", """
                private String state = "s0";
                Supplier<Task<String>> block() {
                    return () -> {
                        String before = state;
                        state = await(later("s1"));
                        return Task.completed(before + "->" + this.state);
                    };
                }
                public static Task<String> go() { return new LambdaThis().block().get(); }
                """);
        assertEquals("s0->s1", drive(code, "LambdaThis", "go"));
    }

    @Test
    void asyncLambdaCreatedAndAwaitedInsideAsyncMethod() throws Throwable {
        Instrumented code = program("LambdaInAsync", """
                @Async public static Task<String> go(int n) {
                    List<Task<Integer>> tasks = new ArrayList<>();
                    for (int i = 0; i < n; i++) {
                        int j = i;
                        Supplier<Task<Integer>> block = () -> Task.completed(await(later(j * j)) + 1);
                        tasks.add(block.get());
                    }
                    StringBuilder sb = new StringBuilder();
                    for (Task<Integer> t : tasks) sb.append(await(t)).append(' ');
                    return Task.completed(sb.toString().trim());
                }
                """);
        assertEquals("1 2 5 10", drive(code, "LambdaInAsync", "go", 4));
    }

    @Test
    void ordinaryLambdasInsideAsyncMethodAreLeftAlone() throws Throwable {
        Instrumented code = program("PlainLambdas", """
                @Async public static Task<String> go(List<String> in) {
                    List<String> xs = new ArrayList<>(in);
                    String sep = await(later(","));
                    xs.sort(Comparator.comparing(String::length).thenComparing(s -> s));
                    Function<String, String> up = s -> s.toUpperCase() + sep;
                    StringBuilder sb = new StringBuilder();
                    xs.forEach(s -> sb.append(up.apply(s)));
                    return Task.completed(sb.toString());
                }
                """);
        assertEquals("B,AA,CC,", drive(code, "PlainLambdas", "go", List.of("cc", "b", "aa")));
        long lambdaStateMachines = code.output.keySet().stream().filter(n -> n.contains("$$Coda$lambda")).count();
        assertEquals(0, lambdaStateMachines, "lambdas that do not await are not async blocks: " + code.output.keySet());
    }

    @Test
    void asyncLambdaNestedInAsyncLambda() throws Throwable {
        Instrumented code = program("NestedLambdas", """
                public static Task<String> go() {
                    Supplier<Task<String>> outer = () -> {
                        String a = await(later("a"));
                        Supplier<Task<String>> inner = () -> Task.completed(a + await(later("b")));
                        return Task.completed(await(inner.get()) + await(later("c")));
                    };
                    return outer.get();
                }
                """);
        assertEquals("abc", drive(code, "NestedLambdas", "go"));
    }

    @Test
    void recursiveAsyncFunction() throws Throwable {
        Instrumented code = program("Fib", """
                @Async public static Task<Long> fib(int n) {
                    if (n < 2) return Task.completed((long) await(later(n)));
                    long a = await(fib(n - 1));
                    long b = await(fib(n - 2));
                    return Task.completed(a + b);
                }
                """);
        assertEquals(55L, (long) drive(code, "Fib", "fib", 10));
    }

    @Test
    void overloadsGetSeparateStateMachines() throws Throwable {
        Instrumented code = program("Over", """
                @Async public static Task<String> f(int x) { return Task.completed("int " + (x + await(later(1)))); }
                @Async public static Task<String> f(String x) { return Task.completed("str " + x + await(later("!"))); }
                @Async public static Task<String> f(int x, int y) { return Task.completed("two " + (x * y * await(later(2)))); }
                public static Task<String> all() {
                    return Task.from(f(1).toCompletableFuture().thenCombine(f("s").toCompletableFuture(), String::concat)
                            .thenCombine(f(3, 4).toCompletableFuture(), String::concat));
                }
                """);
        assertEquals("int 2str s!two 24", drive(code, "Over", "all"));
        long machines = code.output.keySet().stream().filter(n -> n.startsWith("p/Over$$Coda$f")).count();
        assertEquals(3, machines, code.output.keySet().toString());
    }

    @Test
    void asyncFunctionsAwaitingEachOtherWhilePending() throws Throwable {
        Instrumented code = program("Chain", """
                @Async static Task<Integer> leaf(int v) { log("leaf " + v); return Task.completed(await(later(v)) + 1); }
                @Async static Task<Integer> mid(int v) { int a = await(leaf(v)); log("mid " + a); return Task.completed(a * 2); }
                @Async public static Task<Integer> top() { int r = await(mid(3)) + await(mid(10)); log("top " + r); return Task.completed(r); }
                """);
        assertEquals(30, (int) drive(code, "Chain", "top"));
        assertLog("leaf 3", "mid 4", "leaf 10", "mid 11", "top 30");
    }

    @Test
    void lambdasReturningCompletableFutureAndCompletionStage() throws Throwable {
        Instrumented code = program("LambdaFutures", """
                public static Supplier<CompletableFuture<String>> cf() { return () -> CompletableFuture.completedFuture("cf" + await(later(1))); }
                public static Supplier<CompletionStage<String>> stage() { return () -> CompletableFuture.completedFuture("st" + await(later(2))); }
                """);
        @SuppressWarnings("unchecked")
        CompletableFuture<String> a = ((Supplier<CompletableFuture<String>>) code.call("p.LambdaFutures", "cf")).get();
        @SuppressWarnings("unchecked")
        CompletionStage<String> b = ((Supplier<CompletionStage<String>>) code.call("p.LambdaFutures", "stage")).get();
        assertFalse(a.isDone());
        assertFalse(b.toCompletableFuture().isDone());
        run();
        assertEquals("cf1", a.getNow(null));
        assertEquals("st2", b.toCompletableFuture().getNow(null));
    }

    @Test
    void overriddenAsyncMethodCallsSuperAsyncMethod() throws Throwable {
        Instrumented code = program("Inherit", """
                static class Base {
                    @Async Task<String> name() { return Task.completed("base" + await(later(1))); }
                    Task<String> shout() { return name(); }
                }
                static class Derived extends Base {
                    @Async @Override Task<String> name() { return Task.completed(await(super.name()) + "+derived" + await(later(2))); }
                }
                public static Task<String> go() { Base b = new Derived(); return b.shout(); }
                """, "Inherit$Base", "Inherit$Derived");
        assertEquals("base1+derived2", drive(code, "Inherit", "go"));
    }

    @Test
    void varargsAsyncFunction() throws Throwable {
        Instrumented code = program("Varargs", """
                @SafeVarargs @Async public static Task<Integer> sum(String label, Task<Integer>... ts) {
                    int s = 0;
                    for (Task<Integer> t : ts) s += await(t);
                    log(label + s);
                    return Task.completed(s);
                }
                public static Task<Integer> go() { return sum("total=", laterTask(1), Task.completed(2), laterTask(3)); }
                """);
        assertEquals(6, (int) drive(code, "Varargs", "go"));
        assertLog("total=6");
    }

    @Test
    void instanceMethodWithManyParametersIncludingWideOnes() throws Throwable {
        Instrumented code = program("ManyParams", """
                final String id = "m";
                @Async Task<String> run(long a, int b, double c, String d, float e, long f, char g, boolean h, short i, byte j) {
                    await(later(0));
                    return Task.completed(id + a + b + c + d + e + f + g + h + i + j);
                }
                public static Task<String> go() { return new ManyParams().run(1L, 2, 3.0, "4", 5f, 6L, '7', true, (short) 9, (byte) 10); }
                """);
        assertEquals("m123.045.067true910", drive(code, "ManyParams", "go"));
    }

    @Test
    void methodReferenceToAsyncFunctionCallsTheStub() throws Throwable {
        Instrumented code = program("MethodRefs", """
                @Async static Task<Integer> twice(Integer v) { return Task.completed(2 * await(later(v))); }
                @Async Task<Integer> plus(Integer v) { return Task.completed(v + await(later(100))); }
                @Async public static Task<Integer> go() {
                    Function<Integer, Task<Integer>> f = MethodRefs::twice;
                    Function<Integer, Task<Integer>> g = new MethodRefs()::plus;
                    return Task.completed(await(f.apply(3)) + await(g.apply(4)));
                }
                """);
        assertEquals(110, (int) drive(code, "MethodRefs", "go"));
    }

    @Test
    void asyncLambdaInStaticFieldInitialiserAndInConstructor() throws Throwable {
        Instrumented code = program("InitLambdas", """
                static final Supplier<Task<String>> STATIC = () -> Task.completed("static " + await(later(1)));
                final Supplier<Task<String>> perInstance;
                InitLambdas(String tag) { perInstance = () -> Task.completed(tag + " " + await(later(2))); }
                public static Task<String> s() { return STATIC.get(); }
                public static Task<String> i() { return new InitLambdas("ctor").perInstance.get(); }
                """);
        assertEquals("static 1", drive(code, "InitLambdas", "s"));
        assertEquals("ctor 2", drive(code, "InitLambdas", "i"));
    }

    @Test
    void genericAsyncLambdaReturnedFromGenericMethod() throws Throwable {
        Instrumented code = program("GenericLambda", """
                static <T, R> Function<T, Task<R>> lift(Function<T, Task<R>> f, String tag) {
                    return t -> { R r = await(f.apply(t)); log(tag + r); return Task.completed(r); };
                }
                public static Task<Integer> go() { return GenericLambda.<String, Integer>lift(s -> laterTask(s.length()), "len=").apply("abcd"); }
                """);
        assertEquals(4, (int) drive(code, "GenericLambda", "go"));
        assertLog("len=4");
    }

    @Test
    void concurrentCallsOfOneAsyncFunctionHaveSeparateState() throws Throwable {
        Instrumented code = program("Separate", """
                @Async public static Task<String> go(String name, CompletableFuture<Integer> gate) {
                    int local = name.length();
                    int v = await(gate);
                    return Task.completed(name + (local + v));
                }
                """);
        CompletableFuture<Integer> g1 = new CompletableFuture<>();
        CompletableFuture<Integer> g2 = new CompletableFuture<>();
        Task<String> a = start(code, "Separate", "go", "a", g1);
        Task<String> bb = start(code, "Separate", "go", "bb", g2);
        assertNotEquals(System.identityHashCode(a), System.identityHashCode(bb));
        g2.complete(10);
        assertTrue(bb.isDone());
        assertFalse(a.isDone());
        g1.complete(20);
        assertEquals("a21", a.join());
        assertEquals("bb12", bb.join());
    }

    @Test
    void stubIsTheOnlyNonSyntheticMethodWithTheOriginalDescriptor() throws Throwable {
        Instrumented code = program("Reflect", """
                @Async public static Task<Integer> f(int x) { return Task.completed(x + await(later(1))); }
                """);
        Class<?> c = code.load("p.Reflect");
        Method f = c.getDeclaredMethod("f", int.class);
        assertFalse(f.isSynthetic());
        long bodies = java.util.Arrays.stream(c.getDeclaredMethods()).filter(m -> m.getName().equals("f") && m.isSynthetic()).count();
        assertEquals(1, bodies);
        assertEquals(3, (int) drive(code, "Reflect", "f", 2));
    }
}
