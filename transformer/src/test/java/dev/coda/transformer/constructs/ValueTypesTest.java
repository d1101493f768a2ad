package dev.coda.transformer.constructs;

import static dev.coda.transformer.constructs.Driver.*;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.coda.transformer.support.Instrumented;
import java.util.HashMap;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.api.Test;

/**
 * Every value type, as a local live across a suspension, as the awaited value, and as an operand-stack value
 * below a suspending await.
 */
class ValueTypesTest {
    /** name, Java type, an expression of that type (not a constant), how it prints. */
    static Stream<Arguments> types() {
        return Stream.of(
                Arguments.of("int", "int", "Integer.parseInt(\"-123456789\")", "-123456789"),
                Arguments.of("long", "long", "Long.MIN_VALUE + Long.parseLong(\"1\")", String.valueOf(Long.MIN_VALUE + 1)),
                Arguments.of("double", "double", "-1.5e300 * Double.parseDouble(\"1\")", "-1.5E300"),
                Arguments.of("float", "float", "Float.parseFloat(\"3.25\")", "3.25"),
                Arguments.of("boolean", "boolean", "Boolean.parseBoolean(\"true\")", "true"),
                Arguments.of("byte", "byte", "Byte.parseByte(\"-128\")", "-128"),
                Arguments.of("char", "char", "\"\\u20ac\".charAt(0)", "\u20ac"),
                Arguments.of("short", "short", "Short.parseShort(\"-32768\")", "-32768"),
                Arguments.of("reference", "String", "String.valueOf(\"ref\")", "ref"),
                Arguments.of("array", "int[]", "new int[] {Integer.parseInt(\"7\"), 8}", "[7, 8]"),
                Arguments.of("null", "String", "(String) null", "null"));
    }

    private static final Map<String, Instrumented> compiled = new HashMap<>();

    private static Instrumented programFor(String name, String type, String expr) {
        String cls = "V_" + name;
        Instrumented code = compiled.get(cls);
        if (code != null) {
            reset();
            return code;
        }
        code = program(cls, """
                static String show(Object o) { return o instanceof int[] ? Arrays.toString((int[]) o) : String.valueOf(o); }
                static String two(TYPE a, Object b) { return show(a) + "," + b; }
                static TYPE value() { return EXPR; }
                @Async public static Task<String> local() {
                    TYPE x = EXPR;
                    int k = await(later(1));
                    TYPE z = await(later(value()));
                    return Task.completed(show(x) + "|" + k + "|" + show(z));
                }
                @Async public static Task<String> stack() {
                    return Task.completed(two(EXPR, await(later("s"))));
                }
                @Async public static Task<String> stackViaCall() {
                    return Task.completed("<" + two(value(), await(later("c"))) + ">");
                }
                final String tag = "i";
                @Async public static Task<String> param(TYPE p, long w, TYPE q) {
                    return Task.completed(show(p) + "|" + w + "|" + show(q) + "|" + await(later(1)));
                }
                @Async public Task<String> instanceParam(TYPE p) {
                    return Task.completed(tag + show(p) + await(later(2)));
                }
                @Async public static Task<String> params() {
                    String inline = await(param(EXPR, -2L, EXPR)) + "/" + await(new CLS().instanceParam(EXPR));
                    try (TaskScope scope = TaskScope.open(Runnable::run)) {
                        Task<String> a = scope.spawn(() -> param(EXPR, -3L, EXPR));
                        Task<String> b = scope.spawn(() -> new CLS().instanceParam(EXPR));
                        return Task.completed(inline + "/" + await(a) + "/" + await(b));
                    }
                }
                """.replace("TYPE", type).replace("EXPR", expr).replace("CLS", cls));
        compiled.put(cls, code);
        return code;
    }

    @ParameterizedTest(name = "{0} local live across await and as awaited value")
    @MethodSource("types")
    void localLiveAcrossAwait(String name, String type, String expr, String shown) throws Throwable {
        Instrumented code = programFor(name, type, expr);
        assertEquals(shown + "|1|" + shown, drive(code, "V_" + name, "local"));
    }

    /**
     * A parameter reaches the body's first step as the stub's argument; a start deferred to a spawn's executor keeps
     * it boxed until the first step runs there, which must give back every type as it was.
     */
    @ParameterizedTest(name = "{0} as a parameter, started inline and deferred")
    @MethodSource("types")
    void parameterReachesTheFirstStep(String name, String type, String expr, String shown) throws Throwable {
        Instrumented code = programFor(name, type, expr);
        assertEquals(shown + "|-2|" + shown + "|1/i" + shown + "2/" + shown + "|-3|" + shown + "|1/i" + shown + "2",
                drive(code, "V_" + name, "params"));
    }

    @ParameterizedTest(name = "{0} on the operand stack below an await")
    @MethodSource("types")
    void stackValueBelowAwait(String name, String type, String expr, String shown) throws Throwable {
        Instrumented code = programFor(name, type, expr);
        assertEquals(shown + ",s", drive(code, "V_" + name, "stack"));
        assertEquals("<" + shown + ",c>", drive(code, "V_" + name, "stackViaCall"));
    }

    @Test
    void allTypesLiveTogetherAcrossSeveralSuspensions() throws Throwable {
        Instrumented code = program("AllLive", """
                @Async public static Task<String> go(int i, long l, double d, float f, boolean z, byte b, char c, short s) {
                    String r = "r"; int[] a = {i}; Object n = null; long[][] m = {{l}};
                    await(later(0));
                    i++; l--; d *= 2; f /= 2; z = !z; b++; c++; s--;
                    await(later(0));
                    a[0] += await(later(1));
                    String out = i + " " + l + " " + d + " " + f + " " + z + " " + b + " " + c + " " + s + " "
                            + r + " " + a[0] + " " + n + " " + m[0][0];
                    return Task.completed(out);
                }
                """);
        assertEquals("2 9 5.0 0.25 false -128 b 32767 r 2 null 10",
                drive(code, "AllLive", "go", 1, 10L, 2.5, 0.5f, true, (byte) 127, 'a', (short) -32768));
    }

    @Test
    void allTypesOnTheStackBelowOneAwait() throws Throwable {
        Instrumented code = program("AllStack", """
                static String all(int i, long l, double d, float f, boolean z, byte b, char c, short s, String r,
                                  int[] a, Object n, Object last) {
                    return i + " " + l + " " + d + " " + f + " " + z + " " + b + " " + c + " " + s + " " + r + " "
                            + a.length + " " + n + " " + last;
                }
                @Async public static Task<String> go(int i, long l, double d, float f, boolean z, byte b, char c, short s) {
                    return Task.completed(all(i, l, d, f, z, b, c, s, "r", new int[3], null, await(later("end"))));
                }
                """);
        assertEquals("-1 -2 -3.5 -4.5 true -5 x -6 r 3 null end",
                drive(code, "AllStack", "go", -1, -2L, -3.5, -4.5f, true, (byte) -5, 'x', (short) -6));
    }

    @Test
    void narrowTypesWrapAfterRestore() throws Throwable {
        Instrumented code = program("Narrow", """
                @Async public static Task<String> go() {
                    byte b = 120; short s = 32760; char c = 'y';
                    b += await(later(10));
                    s += await(later((short) 10));
                    c += await(later(2));
                    return Task.completed(b + " " + s + " " + (int) c);
                }
                """);
        assertEquals("-126 -32766 123", drive(code, "Narrow", "go"));
    }

    @Test
    void specialFloatingPointValuesSurviveSuspension() throws Throwable {
        Instrumented code = program("Floats", """
                @Async public static Task<String> go() {
                    double nan = Double.NaN, negZero = -0.0, inf = Double.NEGATIVE_INFINITY;
                    float fnan = Float.NaN, fneg = -0.0f, fmax = Float.MAX_VALUE;
                    await(later(0));
                    return Task.completed(Double.isNaN(nan) + " " + (1 / negZero) + " " + inf + " " + Float.isNaN(fnan)
                            + " " + (1 / fneg) + " " + fmax + " " + Double.doubleToRawLongBits(negZero));
                }
                """);
        assertEquals("true -Infinity -Infinity true -Infinity 3.4028235E38 " + Long.MIN_VALUE, drive(code, "Floats", "go"));
    }

    @Test
    void awaitedNullUnboxedIsNullPointerException() throws Throwable {
        Instrumented code = program("NullUnbox", """
                @Async public static Task<String> go() {
                    Integer boxed = await(later((Integer) null));
                    try {
                        int v = await(later((Integer) null));
                        return Task.completed("no " + v);
                    } catch (NullPointerException e) {
                        return Task.completed("npe, boxed=" + boxed);
                    }
                }
                """);
        assertEquals("npe, boxed=null", drive(code, "NullUnbox", "go"));
    }

    @Test
    void arraysAreTheSameObjectAfterResume() throws Throwable {
        Instrumented code = program("SameArray", """
                static Object[] keep;
                @Async public static Task<Boolean> go() {
                    Object[] xs = new Object[] {"a"};
                    keep = xs;
                    await(later(0));
                    xs[0] = "changed";
                    return Task.completed(keep == xs && keep[0].equals("changed"));
                }
                """);
        assertEquals(true, drive(code, "SameArray", "go"));
    }
}
