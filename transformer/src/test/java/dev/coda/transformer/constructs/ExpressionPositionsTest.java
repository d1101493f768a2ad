package dev.coda.transformer.constructs;

import static dev.coda.transformer.constructs.Driver.*;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.coda.Task;
import dev.coda.transformer.support.Instrumented;
import org.junit.jupiter.api.Test;

/** await wherever an expression may stand, in particular with values already on the operand stack below it. */
class ExpressionPositionsTest {
    static final String POINT = """
            static final class P {
                final Object a, b;
                P(Object a, Object b) { this.a = a; this.b = b; log("new P(" + a + "," + b + ")"); }
                P(int a, long b, double c) { this(a, b + ":" + c); }
                P(Object a) { this(a, "-"); }
                public String toString() { return "P(" + a + "," + b + ")"; }
            }
            """;

    @Test
    void ternaryConditionAwaits() throws Throwable {
        Instrumented code = program("TernCond", """
                @Async public static Task<String> go(String yes, String no) {
                    return Task.completed(await(later(true)) ? yes : no);
                }
                """);
        assertEquals("Y", drive(code, "TernCond", "go", "Y", "N"));
    }

    @Test
    void ternaryBranchesAwaitWithOperandBelow() throws Throwable {
        Instrumented code = program("TernBranches", """
                @Async public static Task<Integer> go(boolean c) {
                    int base = 1000;
                    int r = base + (c ? await(later(1)) : await(laterTask(2))) * 10;
                    return Task.completed(r);
                }
                """);
        assertEquals(1010, (int) drive(code, "TernBranches", "go", true));
        assertEquals(1020, (int) drive(code, "TernBranches", "go", false));
    }

    @Test
    void stringConcatenationWithSeveralAwaits() throws Throwable {
        Instrumented code = program("Concat", """
                @Async public static Task<String> go(int i, char c) {
                    String s = "a" + i + await(later("b")) + c + await(later(2.5)) + "z" + await(later(7L));
                    return Task.completed(s);
                }
                """);
        assertEquals("a3bq2.5z7", drive(code, "Concat", "go", 3, 'q'));
    }

    @Test
    void concatenationInsideStringBuilderAppendChain() throws Throwable {
        Instrumented code = program("Appends", """
                @Async public static Task<String> go() {
                    StringBuilder sb = new StringBuilder("<");
                    sb.append(1).append(await(later("x"))).append('-').append(await(later(2L))).append(">");
                    return Task.completed(sb.toString());
                }
                """);
        assertEquals("<1x-2>", drive(code, "Appends", "go"));
    }

    @Test
    void arrayInitialiserWithAwaitedElements() throws Throwable {
        Instrumented code = program("ArrInit", """
                @Async public static Task<int[]> go(int first) {
                    int[] xs = {first, await(later(2)), 3, await(later(4))};
                    return Task.completed(xs);
                }
                """);
        assertArrayEquals(new int[] {1, 2, 3, 4}, drive(code, "ArrInit", "go", 1));
    }

    @Test
    void nestedArrayInitialiserOfReferences() throws Throwable {
        Instrumented code = program("ArrInit2", """
                @Async public static Task<String> go() {
                    String[][] grid = new String[][] {{"a", await(later("b"))}, {await(later("c"))}, {}};
                    return Task.completed(Arrays.deepToString(grid));
                }
                """);
        assertEquals("[[a, b], [c], []]", drive(code, "ArrInit2", "go"));
    }

    @Test
    void laterArgumentOfStaticCallWithEarlierArgumentsOnStack() throws Throwable {
        Instrumented code = program("LaterArg", """
                static String f(String a, int b, Object c, String d) { return a + b + c + d; }
                @Async public static Task<String> go(String a) {
                    return Task.completed(f(a, 42, List.of(1), await(later("!"))));
                }
                """);
        assertEquals("x42[1]!", drive(code, "LaterArg", "go", "x"));
    }

    @Test
    void laterArgumentOfInstanceCallWithReceiverOnStack() throws Throwable {
        Instrumented code = program("Receiver", """
                final List<String> seen = new ArrayList<>();
                String add(int i, String s) { seen.add(i + s); return String.join(",", seen); }
                @Async Task<String> run() {
                    add(1, "a");
                    return Task.completed(this.add(2, await(later("b"))));
                }
                public static Task<String> go() { return new Receiver().run(); }
                """);
        assertEquals("1a,2b", drive(code, "Receiver", "go"));
    }

    @Test
    void constructorArgumentAwaitsNewIsRelocated() throws Throwable {
        Instrumented code = program("NewArg", POINT + """
                @Async public static Task<String> go(String a) {
                    log("start");
                    P p = new P(a, await(later("b")));
                    return Task.completed(p.toString());
                }
                """);
        assertEquals("P(a,b)", drive(code, "NewArg", "go", "a"));
        assertLog("start", "new P(a,b)");
    }

    @Test
    void constructorWithWidePrimitiveArgumentsAndAwaitLast() throws Throwable {
        Instrumented code = program("NewWide", POINT + """
                @Async public static Task<String> go() {
                    return Task.completed(new P(7, 1L << 35, await(later(0.25))).toString());
                }
                """);
        assertEquals("P(7,34359738368:0.25)", drive(code, "NewWide", "go"));
    }

    @Test
    void nestedNewsWithAwaitsAtEveryLevel() throws Throwable {
        Instrumented code = program("NestedNew", POINT + """
                @Async public static Task<String> go() {
                    P p = new P(new P(await(later(1)), new P(await(later(2)))), await(later(3)));
                    return Task.completed(p.toString());
                }
                """);
        assertEquals("P(P(1,P(2,-)),3)", drive(code, "NestedNew", "go"));
        assertLog("new P(2,-)", "new P(1,P(2,-))", "new P(P(1,P(2,-)),3)");
    }

    @Test
    void awaitInConstructorArgumentInsideTernary() throws Throwable {
        Instrumented code = program("NewInTernary", POINT + """
                static String label(String tag, Object o) { return tag + o; }
                @Async public static Task<String> go(boolean c) {
                    return Task.completed(label("got ", c ? new P(await(later("x")), 1) : new P("y", await(later(2)))));
                }
                """);
        assertEquals("got P(x,1)", drive(code, "NewInTernary", "go", true));
        assertEquals("got P(y,2)", drive(code, "NewInTernary", "go", false));
    }

    @Test
    void newOfJdkClassWithAwaitedArgument() throws Throwable {
        Instrumented code = program("NewJdk", """
                @Async public static Task<String> go() {
                    StringBuilder sb = new StringBuilder(await(later("abc")));
                    List<Integer> xs = new ArrayList<>(List.of(await(later(1)), 2));
                    return Task.completed(sb.reverse() + xs.toString());
                }
                """);
        assertEquals("cba[1, 2]", drive(code, "NewJdk", "go"));
    }

    @Test
    void arithmeticOnWideValuesWithAwaitedOperands() throws Throwable {
        Instrumented code = program("Arith", """
                @Async public static Task<Double> go(long a, double b) {
                    double r = a * await(later(3L)) + b / await(later(2.0)) - (a << await(later(2)));
                    return Task.completed(r);
                }
                """);
        assertEquals(10L * 3 + 5.0 / 2.0 - (10L << 2), drive(code, "Arith", "go", 10L, 5.0), 0.0);
    }

    @Test
    void arrayIndexAndValueAndCompoundAssignment() throws Throwable {
        Instrumented code = program("ArrayStore", """
                @Async public static Task<long[]> go() {
                    long[] xs = new long[4];
                    xs[await(later(1))] = await(later(10L));
                    xs[2] += await(later(5L));
                    xs[await(later(3))] -= await(later(7L));
                    return Task.completed(xs);
                }
                """);
        assertArrayEquals(new long[] {0, 10, 5, -7}, drive(code, "ArrayStore", "go"));
    }

    @Test
    void awaitedValueAsReceiverAndNestedAwait() throws Throwable {
        Instrumented code = program("Receivers", """
                @Async public static Task<Integer> go() {
                    int n = await(later("four")).length();
                    int m = await(await(later(laterTask(10))));
                    return Task.completed(n + m);
                }
                """);
        assertEquals(14, (int) drive(code, "Receivers", "go"));
    }

    @Test
    void shortCircuitOperatorsSkipTheAwaitingOperand() throws Throwable {
        Instrumented code = program("ShortCircuit", """
                static boolean t(String s) { log(s); return true; }
                @Async public static Task<String> go(boolean a) {
                    boolean x = a && await(later(t("and")));
                    boolean y = a || await(later(t("or")));
                    return Task.completed(x + " " + y);
                }
                """);
        assertEquals("true true", drive(code, "ShortCircuit", "go", true));
        assertLog("and");
        reset();
        assertEquals("false true", drive(code, "ShortCircuit", "go", false));
        assertLog("or");
    }

    @Test
    void fieldAssignmentsWithObjectOnStack() throws Throwable {
        Instrumented code = program("Fields", """
                int count = 1;
                String name;
                static long total = 5;
                @Async Task<String> run() {
                    this.name = await(later("n"));
                    count += await(later(41));
                    total *= await(later(3L));
                    return Task.completed(name + count + total);
                }
                public static Task<String> go() { return new Fields().run(); }
                """);
        assertEquals("n4215", drive(code, "Fields", "go"));
    }

    @Test
    void laterArgumentWithWideValuesBelow() throws Throwable {
        Instrumented code = program("WideBelow", """
                static String mix(long a, double b, int c, long d, float e) { return a + "," + b + "," + c + "," + d + "," + e; }
                @Async public static Task<String> go() {
                    return Task.completed(mix(Long.MAX_VALUE, -0.5, 3, await(later(Long.MIN_VALUE)), await(later(1.5f))));
                }
                """);
        assertEquals(Long.MAX_VALUE + ",-0.5,3," + Long.MIN_VALUE + ",1.5", drive(code, "WideBelow", "go"));
    }

    @Test
    void ifConditionsCombineAwaitsAndInstanceof() throws Throwable {
        Instrumented code = program("IfConds", """
                @Async public static Task<String> go(Object o) {
                    if (await(later(o)) instanceof String s && await(later(s.length())) > 2) return Task.completed("long " + s);
                    if (!(await(later(o)) instanceof Integer)) return Task.completed("short string");
                    return Task.completed("int");
                }
                """);
        assertEquals("long abc", drive(code, "IfConds", "go", "abc"));
        assertEquals("short string", drive(code, "IfConds", "go", "ab"));
        assertEquals("int", drive(code, "IfConds", "go", 5));
    }

    @Test
    void awaitInsideLambdaArgumentIsAnAsyncBlockNotTheEnclosingMethod() throws Throwable {
        Instrumented code = program("CallWithBlock", """
                static Task<String> twice(Supplier<Task<String>> s) { return s.get(); }
                @Async public static Task<String> go() {
                    String head = await(later("h"));
                    String tail = await(twice(() -> Task.completed(await(later("t")) + "!")));
                    return Task.completed(head + tail);
                }
                """);
        assertEquals("ht!", drive(code, "CallWithBlock", "go"));
    }

    @Test
    void postIncrementAndAssignmentExpressionsAroundAwait() throws Throwable {
        Instrumented code = program("Increments", """
                @Async public static Task<String> go() {
                    int i = 5;
                    int a = i++ + await(later(10));
                    int b;
                    int c = (b = await(later(3))) * ++i;
                    return Task.completed(a + " " + b + " " + c + " " + i);
                }
                """);
        assertEquals("15 3 21 7", drive(code, "Increments", "go"));
    }

    @Test
    void castsAndInstanceofOnAwaitedValues() throws Throwable {
        Instrumented code = program("Casts", """
                @Async public static Task<String> go() {
                    Object o = await(later((Object) "str"));
                    int len = ((String) await(later(o))).length();
                    long widened = await(later(7));
                    double d = (double) await(later(3)) / 2;
                    return Task.completed(len + " " + widened + " " + d);
                }
                """);
        assertEquals("3 7 1.5", drive(code, "Casts", "go"));
    }

    @Test
    void awaitInReturnExpressionOfCompletedFactory() throws Throwable {
        Instrumented code = program("ReturnExpr", """
                @Async public static Task<Task<String>> go() {
                    return Task.completed(Task.completed(await(later("inner"))));
                }
                """);
        Task<String> inner = drive(code, "ReturnExpr", "go");
        assertEquals("inner", inner.join());
    }
}
