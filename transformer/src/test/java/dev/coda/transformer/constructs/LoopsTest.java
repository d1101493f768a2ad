package dev.coda.transformer.constructs;

import static dev.coda.transformer.constructs.Driver.*;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.coda.transformer.support.Instrumented;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Awaits in every kind of loop, with live locals carried around the back edge. */
class LoopsTest {

    @Test
    void forLoopAccumulatesAcrossSuspensions() throws Throwable {
        Instrumented code = program("ForLoop", """
                @Async public static Task<Integer> sum(int n) {
                    int sum = 0;
                    for (int i = 0; i < n; i++) { sum += await(later(i * 10)); log("i=" + i + " sum=" + sum); }
                    return Task.completed(sum);
                }
                """);
        assertEquals(30, (int) drive(code, "ForLoop", "sum", 3));
        assertLog("i=0 sum=0", "i=1 sum=10", "i=2 sum=30");
    }

    @Test
    void whileConditionAwaits() throws Throwable {
        Instrumented code = program("WhileCond", """
                @Async public static Task<Integer> count() {
                    int n = 0;
                    Iterator<Boolean> answers = List.of(true, true, true, false).iterator();
                    while (await(later(answers.next()))) n++;
                    return Task.completed(n);
                }
                """);
        assertEquals(3, (int) drive(code, "WhileCond", "count"));
    }

    @Test
    void doWhileRunsBodyFirst() throws Throwable {
        Instrumented code = program("DoWhile", """
                @Async public static Task<String> go() {
                    StringBuilder sb = new StringBuilder();
                    int x;
                    int k = 3;
                    do { x = await(later(k--)); sb.append(x).append(','); } while (x > 1);
                    return Task.completed(sb.toString());
                }
                """);
        assertEquals("3,2,1,", drive(code, "DoWhile", "go"));
    }

    @Test
    void enhancedForOverListKeepsIterator() throws Throwable {
        Instrumented code = program("ForEachList", """
                @Async public static Task<String> join(List<String> items) {
                    StringBuilder sb = new StringBuilder();
                    for (String s : items) sb.append(await(later(s.toUpperCase()))).append(s);
                    return Task.completed(sb.toString());
                }
                """);
        assertEquals("AaBbCc", drive(code, "ForEachList", "join", List.of("a", "b", "c")));
    }

    @Test
    void enhancedForOverArrayKeepsArrayAndIndex() throws Throwable {
        Instrumented code = program("ForEachArray", """
                @Async public static Task<Long> dot(int[] xs) {
                    long total = 0;
                    for (int v : xs) total += (long) v * await(laterTask(v + 1));
                    return Task.completed(total);
                }
                """);
        assertEquals(1L * 2 + 2 * 3 + 3 * 4, (long) drive(code, "ForEachArray", "dot", (Object) new int[] {1, 2, 3}));
    }

    @Test
    void labelledBreakAndContinueAcrossNestedLoops() throws Throwable {
        Instrumented code = program("Labelled", """
                @Async public static Task<String> scan() {
                    StringBuilder sb = new StringBuilder();
                    outer:
                    for (int i = 0; i < 4; i++) {
                        for (int j = 0; j < 4; j++) {
                            int v = await(later(i * 10 + j));
                            if (v == 11) continue outer;
                            if (v == 31) break outer;
                            if (j == 2) break;
                            sb.append(v).append(' ');
                        }
                    }
                    return Task.completed(sb.toString().trim());
                }
                """);
        assertEquals("0 1 10 20 21 30", drive(code, "Labelled", "scan"));
    }

    @Test
    void infiniteLoopLeftByBreakOnAwaitedValue() throws Throwable {
        Instrumented code = program("Forever", """
                @Async public static Task<Integer> until(int stop) {
                    int i = 0;
                    while (true) {
                        int v = await(later(i));
                        if (v == stop) break;
                        i++;
                    }
                    return Task.completed(i * 100);
                }
                """);
        assertEquals(500, (int) drive(code, "Forever", "until", 5));
    }

    @Test
    void awaitsInForInitConditionAndUpdate() throws Throwable {
        Instrumented code = program("ForParts", """
                @Async public static Task<String> parts() {
                    StringBuilder sb = new StringBuilder();
                    for (int i = await(later(1)); i < await(later(4)); i += await(later(1))) sb.append(i);
                    return Task.completed(sb.toString());
                }
                """);
        assertEquals("123", drive(code, "ForParts", "parts"));
    }

    @Test
    void loopMixingCompletedAndPendingAwaits() throws Throwable {
        Instrumented code = program("Mixed", """
                @Async public static Task<String> mixed(int n) {
                    StringBuilder sb = new StringBuilder();
                    double scale = 0.5;
                    for (int i = 0; i < n; i++) {
                        int v = i % 2 == 0 ? await(Task.completed(i)) : await(later(i));
                        sb.append(v * scale).append(';');
                    }
                    return Task.completed(sb.toString());
                }
                """);
        assertEquals("0.0;0.5;1.0;1.5;2.0;", drive(code, "Mixed", "mixed", 5));
    }

    @Test
    void loopVariableCapturedByLambdaAfterResume() throws Throwable {
        Instrumented code = program("Capture", """
                @Async public static Task<Integer> capture() {
                    List<Supplier<Integer>> fs = new ArrayList<>();
                    for (int i = 0; i < 3; i++) {
                        int v = await(later(i + 1));
                        fs.add(() -> v * 100);
                    }
                    int total = 0;
                    for (Supplier<Integer> f : fs) total += f.get();
                    return Task.completed(total);
                }
                """);
        assertEquals(600, (int) drive(code, "Capture", "capture"));
    }

    @Test
    void returnFromInsideLoop() throws Throwable {
        Instrumented code = program("EarlyReturn", """
                @Async public static Task<String> find(List<String> xs, String wanted) {
                    int idx = 0;
                    for (String x : xs) {
                        if (await(later(x)).equals(wanted)) return Task.completed(wanted + "@" + idx);
                        idx++;
                    }
                    return Task.completed("none");
                }
                """);
        assertEquals("c@2", drive(code, "EarlyReturn", "find", List.of("a", "b", "c", "d"), "c"));
        assertEquals(0, pendingCount());
        assertEquals("none", drive(code, "EarlyReturn", "find", List.of("a"), "z"));
    }
}
