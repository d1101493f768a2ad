package dev.coda.transformer.constructs;

import static dev.coda.transformer.constructs.Driver.*;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.coda.Task;
import dev.coda.transformer.Diagnostic;
import dev.coda.transformer.support.Instrumented;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;

/** Corners of the rewrite: sizes, slot and name clashes, merged types, unusual hosts. */
class EdgeCasesTest {

    @Test
    void threeHundredAwaitSitesInOneMethod() throws Throwable {
        StringBuilder body = new StringBuilder("@Async public static Task<Long> go() {\n long s = 0;\n");
        long expected = 0;
        for (int i = 0; i < 300; i++) {
            body.append(" s = s * 31 + await(later(").append(i).append("));\n");
            expected = expected * 31 + i;
        }
        body.append(" return Task.completed(s);\n}\n");
        Instrumented code = program("ManySites", body.toString());
        Task<Long> t = start(code, "ManySites", "go");
        assertEquals(300, run());
        assertEquals(expected, t.join());
    }

    @Test
    void moreThan255LiveLocalsUseWideSlots() throws Throwable {
        StringBuilder body = new StringBuilder("@Async public static Task<Long> go(int p) {\n");
        StringBuilder sum = new StringBuilder("0L");
        long expected = 0;
        for (int i = 0; i < 140; i++) {
            body.append(" int i").append(i).append(" = p + ").append(i).append(";\n");
            body.append(" long l").append(i).append(" = p * ").append(i).append("L;\n");
            sum.append(" + i").append(i).append(" + l").append(i);
            expected += (7 + i) + 7L * i;
        }
        body.append(" long k = await(later(5L));\n return Task.completed(k + ").append(sum).append(");\n}\n");
        Instrumented code = program("WideSlots", body.toString());
        assertEquals(expected + 5, (long) drive(code, "WideSlots", "go", 7));
    }

    @Test
    void slotReusedWithDifferentTypesAndSameNameWithDifferentTypes() throws Throwable {
        Instrumented code = program("SlotReuse", """
                @Async public static Task<String> go() {
                    StringBuilder out = new StringBuilder();
                    { long v = 1L << 40; await(later(0)); out.append(v).append(' '); }
                    { String v = "str"; await(later(0)); out.append(v).append(' '); }
                    { double v = 0.5; int w = 3; await(later(0)); out.append(v + w).append(' '); }
                    { int[] v = {9}; await(later(0)); out.append(v[0]); }
                    return Task.completed(out.toString());
                }
                """);
        assertEquals("1099511627776 str 3.5 9", drive(code, "SlotReuse", "go"));
    }

    @Test
    void variablesNamedLikeGeneratedFields() throws Throwable {
        Instrumented code = program("Clash", """
                static String f(String a, long b, String c) { return a + b + c; }
                @Async public static Task<String> go(int state) {
                    long stack0 = 40L;
                    String stack1 = "s1";
                    int local3 = 3;
                    String r = f("head", stack0 + state, await(later(stack1)));
                    return Task.completed(r + state + stack0 + stack1 + local3 + await(later("!")));
                }
                """);
        assertEquals("head42s1240s13!", drive(code, "Clash", "go", 2));
    }

    @Test
    void mergedLocalTypesAcrossBranches() throws Throwable {
        Instrumented code = program("Merged", """
                @Async public static Task<String> go(boolean c) {
                    CharSequence cs = c ? "string" : new StringBuilder("builder");
                    var list = c ? new ArrayList<String>() : new LinkedList<String>();
                    list.add(await(later("x")));
                    return Task.completed(cs.length() + ":" + cs + ":" + list + ":" + list.getClass().getSimpleName());
                }
                """);
        assertEquals("6:string:[x]:ArrayList", drive(code, "Merged", "go", true));
        assertEquals("7:builder:[x]:LinkedList", drive(code, "Merged", "go", false));
    }

    @Test
    void mergedTypeOnTheOperandStackBelowAnAwait() throws Throwable {
        Instrumented code = program("MergedStack", """
                static String show(CharSequence cs, Comparable<?> k, int n) { return cs + "/" + k + "/" + n; }
                @Async public static Task<String> go(boolean c) {
                    return Task.completed(show(c ? "s" : new StringBuilder("b"), c ? (Comparable<?>) 1 : "one", await(later(3))));
                }
                """);
        assertEquals("s/1/3", drive(code, "MergedStack", "go", true));
        assertEquals("b/one/3", drive(code, "MergedStack", "go", false));
    }

    @Test
    void synchronizedBlocksBeforeAndAfterAnAwaitAreAllowed() throws Throwable {
        Instrumented code = program("SyncAround", """
                static final Object LOCK = new Object();
                static int counter;
                @Async public static Task<Integer> go() {
                    synchronized (LOCK) { counter++; }
                    int v = await(later(10));
                    synchronized (LOCK) { counter += v; if (counter > 100) throw new IllegalStateException(); }
                    return Task.completed(counter);
                }
                """);
        assertEquals(11, (int) drive(code, "SyncAround", "go"));
        assertFalse(Thread.holdsLock(code.load("p.SyncAround")));
    }

    @Test
    void assertStatementWithAwaitWhenAssertionsAreEnabled() throws Throwable {
        reset();
        Instrumented code = Instrumented.compile("p/Asserts.java", source("Asserts", """
                @Async public static Task<String> go(boolean ok) {
                    assert await(later(ok)) : "asserted " + await(later("message"));
                    return Task.completed("passed");
                }
                """));
        code.loader().setClassAssertionStatus("p.Asserts", true);
        code.requireClean();
        assertEquals("passed", drive(code, "Asserts", "go", true));
        Throwable e = driveToFailure(code, "Asserts", "go", false);
        assertInstanceOf(AssertionError.class, e);
        assertEquals("asserted message", e.getMessage());
    }

    @Test
    void labelledBlockLeftByBreak() throws Throwable {
        Instrumented code = program("Blocks", """
                @Async public static Task<String> go(int k) {
                    String r = "start";
                    found: {
                        if (await(later(k)) > 5) { r = "big"; break found; }
                        r = "small " + await(later("!"));
                    }
                    return Task.completed(r);
                }
                """);
        assertEquals("big", drive(code, "Blocks", "go", 9));
        assertEquals("small !", drive(code, "Blocks", "go", 1));
    }

    @Test
    void lambdaAndAnonymousClassInsideInterfaceMethods() throws Throwable {
        Instrumented code = program("ItfBlocks", """
                interface Source {
                    default Supplier<Task<String>> lambda() { return () -> Task.completed("L" + await(later(1))); }
                    static Supplier<Task<String>> staticLambda(String s) { return () -> Task.completed(s + await(later(2))); }
                    default Supplier<Task<String>> anon() {
                        return new Supplier<Task<String>>() { public Task<String> get() { return Task.completed("A" + await(later(3))); } };
                    }
                }
                public static Task<String> go() {
                    Source s = new Source() {};
                    Task<String> a = s.lambda().get(), b = Source.staticLambda("S").get(), c = s.anon().get();
                    return Task.from(a.toCompletableFuture().thenCombine(b.toCompletableFuture(), String::concat)
                            .thenCombine(c.toCompletableFuture(), String::concat));
                }
                """, "ItfBlocks$Source");
        assertEquals("L1S2A3", drive(code, "ItfBlocks", "go"));
    }

    @Test
    void twoAsyncLambdasInOneMethodAndInOverloads() throws Throwable {
        Instrumented code = program("TwoLambdas", """
                static Supplier<Task<String>> make(String a) {
                    Supplier<Task<String>> x = () -> Task.completed(a + await(later(1)));
                    Supplier<Task<String>> y = () -> Task.completed(a + await(later(2)));
                    return () -> Task.completed(await(x.get()) + await(y.get()));
                }
                static Supplier<Task<String>> make(int n) { return () -> Task.completed("n" + n + await(later(3))); }
                public static Task<String> go() {
                    return Task.from(make("a").get().toCompletableFuture().thenCombine(make(7).get().toCompletableFuture(), String::concat));
                }
                """);
        assertEquals("a1a2n73", drive(code, "TwoLambdas", "go"));
        assertEquals(4, code.output.keySet().stream().filter(n -> n.startsWith("p/TwoLambdas$$Coda$lambda")).count(),
                code.output.keySet().toString());
    }

    @Test
    void privateNestedHostClass() throws Throwable {
        Instrumented code = program("PrivHost", """
                private static final class Hidden {
                    private final int k;
                    private Hidden(int k) { this.k = k; }
                    @Async private Task<Integer> calc() { return Task.completed(k * await(later(6))); }
                }
                public static Task<Integer> go() { return new Hidden(7).calc(); }
                """, "PrivHost$Hidden");
        assertEquals(42, (int) drive(code, "PrivHost", "go"));
    }

    @Test
    void hostInTheUnnamedPackage() throws Throwable {
        reset();
        Instrumented code = Instrumented.compile("Top.java", """
                import dev.coda.*;
                import static dev.coda.Coda.await;
                import static dev.coda.transformer.constructs.Driver.later;
                public class Top {
                    @Async public static Task<String> go() { return Task.completed("top" + await(later(1))); }
                }
                """).requireClean();
        assertTrue(code.output.containsKey("Top$$Coda$go"), code.output.keySet().toString());
        Task<?> t = (Task<?>) code.call("Top", "go");
        run();
        assertEquals("top1", t.join());
    }

    @Test
    void unicodeAndDollarNames() throws Throwable {
        Instrumented code = program("Ünï$code", """
                @Async public static Task<String> m$ë(String ä) { String ö = ä + await(later("ü")); return Task.completed(ö); }
                """);
        assertEquals("äü", drive(code, "Ünï$code", "m$ë", "ä"));
        assertTrue(code.output.containsKey("p/Ünï$code$$Coda$m$ë"), code.output.keySet().toString());
    }

    @Test
    void covariantOverrideWithBridgeMethod() throws Throwable {
        Instrumented code = program("Bridge", """
                interface Fetch<T> { CompletionStage<T> fetch(T seed); }
                static final class Impl implements Fetch<String> {
                    @Async public CompletableFuture<String> fetch(String seed) {
                        return CompletableFuture.completedFuture(seed + await(later("-fetched")));
                    }
                }
                public static CompletionStage<String> go() { Fetch<String> f = new Impl(); return f.fetch("s"); }
                """, "Bridge$Impl");
        CompletableFuture<?> f = ((CompletionStage<?>) code.call("p.Bridge", "go")).toCompletableFuture();
        assertFalse(f.isDone());
        run();
        assertEquals("s-fetched", f.getNow(null));
    }

    @Test
    void awaitInAnonymousRunnableIsRejected() {
        String body = """
                static Runnable make(Task<Integer> t) {
                    return new Runnable() { public void run() { log("v" + await(t)); } }; // HERE
                }
                """;
        Instrumented code = Instrumented.compile("p/Runs.java", source("Runs", body));
        assertEquals(List.of("p/Runs.java:" + lineOf(source("Runs", body), "// HERE")
                        + ": error: Coda.await in Runs$1.run, which is neither an @Async method nor an async lambda; "
                        + "annotate the method with @Async and make it return Task<T> (or await inside a lambda that "
                        + "returns a Task)"),
                code.diagnostics.stream().map(Diagnostic::toString).toList());
        assertFalse(code.results.get("p/Runs$1").changed());
    }

    @Test
    void awaitInDoWhileFalseWithContinueAndNestedFinallyInLoop() throws Throwable {
        Instrumented code = program("Tangle", """
                @Async public static Task<String> go() {
                    StringBuilder sb = new StringBuilder();
                    for (int i = 0; i < 3; i++) {
                        do {
                            try {
                                if (await(later(i)) == 1) continue;
                                sb.append(i);
                            } finally {
                                try { sb.append(await(later("f"))); } finally { sb.append('.'); }
                            }
                        } while (false);
                    }
                    return Task.completed(sb.toString());
                }
                """);
        assertEquals("0f.f.2f.", drive(code, "Tangle", "go"));
    }

    @Test
    void genericTypeVariableLocalsAndStackValues() throws Throwable {
        Instrumented code = program("Generic", """
                static <A, B> Map.Entry<A, B> pair(A a, B b) { return Map.entry(a, b); }
                @Async public static <K extends Comparable<K>, V> Task<Map.Entry<K, V>> go(K key, Task<V> value) {
                    K k = key;
                    Map.Entry<K, V> e = pair(k, await(value));
                    K again = await(later(k));
                    return Task.completed(again.compareTo(k) == 0 ? e : null);
                }
                """);
        Task<?> t = start(code, "Generic", "go", "key", laterTask(5));
        run();
        assertEquals(Map.entry("key", 5), t.join());
    }

    @Test
    void parameterReassignedBeforeAndAfterAnAwait() throws Throwable {
        Instrumented code = program("Reassign", """
                @Async public static Task<String> go(int x, String s) {
                    x = x * 10;
                    s = s + "!";
                    await(later(0));
                    x++;
                    s = s + await(later("?"));
                    return Task.completed(x + s);
                }
                """);
        assertEquals("31a!?", drive(code, "Reassign", "go", 3, "a"));
    }

    @Test
    void protectedMembersOfAJdkSuperclassAfterAnAwait() throws Throwable {
        Instrumented code = program("Protected", """
                static final class Mine extends AbstractList<String> {
                    final List<String> items = new ArrayList<>();
                    public String get(int i) { return items.get(i); }
                    public int size() { return items.size(); }
                    @Async Task<Integer> addLater() {
                        String s = await(later("x"));
                        items.add(s);
                        modCount++;
                        removeRange(0, 0);
                        return Task.completed(modCount);
                    }
                }
                public static Task<Integer> go() { return new Mine().addLater(); }
                """, "Protected$Mine");
        assertEquals(1, (int) drive(code, "Protected", "go"));
    }

    @Test
    void asyncLambdaCapturingThisInAnInterfaceDefaultMethod() throws Throwable {
        Instrumented code = program("ItfThis", """
                interface Named {
                    String name();
                    default Supplier<Task<String>> greeter() { return () -> Task.completed("hi " + name() + await(later("!"))); }
                }
                public static Task<String> go() { Named n = () -> "Bo"; return n.greeter().get(); }
                """, "ItfThis$Named");
        assertEquals("hi Bo!", drive(code, "ItfThis", "go"));
    }

    @Test
    void awaitingNullFailsTheTaskAtTheAwaitLine() throws Throwable {
        String body = """
                @Async public static Task<String> go() {
                    String a = await(later("a"));
                    Task<String> none = null;
                    return Task.completed(a + await(none)); // NULL
                }
                """;
        Instrumented code = program("AwaitNull", body);
        Throwable e = driveToFailure(code, "AwaitNull", "go");
        assertInstanceOf(NullPointerException.class, e);
        StackTraceElement user = java.util.Arrays.stream(e.getStackTrace())
                .filter(f -> f.getClassName().equals("p.AwaitNull")).findFirst().orElseThrow();
        assertEquals(lineOf(source("AwaitNull", body), "// NULL"), user.getLineNumber());
    }

    @Test
    void awaitOfACompletableFutureSubclass() throws Throwable {
        Instrumented code = program("Subclass", """
                static final class MyFuture<T> extends CompletableFuture<T> {}
                public static final MyFuture<Integer> F = new MyFuture<>();
                @Async public static Task<Integer> go() { return Task.completed(await(F) + 1); }
                """);
        Task<Integer> t = start(code, "Subclass", "go");
        assertFalse(t.isDone());
        @SuppressWarnings("unchecked")
        CompletableFuture<Integer> f = (CompletableFuture<Integer>) code.load("p.Subclass").getField("F").get(null);
        f.complete(41);
        assertEquals(42, t.join());
    }
}
