package dev.coda.transformer.regression;

import static dev.coda.transformer.constructs.Driver.*;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.coda.Task;
import dev.coda.transformer.support.Instrumented;
import org.junit.jupiter.api.Test;

/**
 * MonitorDepth.of propagates the depth before an instruction along EVERY exception edge ASM's Analyzer reports,
 * i.e. to every handler whose range covers the instruction, not just the innermost (the synchronized block's own
 * catch-any handler, which releases the monitor). An outer catch/finally handler therefore gets depth 1, and so does
 * everything reachable from it. Valid code is rejected as "await inside a synchronized block".
 */
class MonitorDepthFalsePositiveTest {

    @Test
    void awaitInFinallyAroundASynchronizedBlock() throws Throwable {
        Instrumented code = RegressionSupport.compile("Fin", """
                static final Object lock = new Object();
                @Async static Task<String> go() {
                    String r = "";
                    try {
                        synchronized (lock) { r += "in"; }
                    } finally {
                        log("cleanup " + await(later("done")));
                    }
                    return Task.completed(r);
                }
                """);
        reset();
        code.requireClean(); // FAILS: p/Fin.java:15: error: Coda.await inside a synchronized block
        Task<?> t = (Task<?>) code.call("p.Fin", "go");
        run();
        assertEquals("in", t.join());
        assertLog("cleanup done");
    }

    @Test
    void awaitAnywhereAfterATryCatchAroundASynchronizedBlock() throws Throwable {
        Instrumented code = RegressionSupport.compile("After", """
                static final Object lock = new Object();
                @Async static Task<String> go() {
                    String r = "";
                    try {
                        synchronized (lock) { r += "in"; }
                    } catch (RuntimeException e) {
                        log("caught");
                    }
                    r += await(later("-after"));
                    return Task.completed(r);
                }
                """);
        reset();
        code.requireClean(); // FAILS: p/After.java:17: error: Coda.await inside a synchronized block
        Task<?> t = (Task<?>) code.call("p.After", "go");
        run();
        assertEquals("in-after", t.join());
    }
}
