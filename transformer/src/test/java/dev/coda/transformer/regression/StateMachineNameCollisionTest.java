package dev.coda.transformer.regression;

import static dev.coda.transformer.constructs.Driver.*;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.coda.Task;
import dev.coda.transformer.support.Instrumented;
import org.junit.jupiter.api.Test;

/**
 * Planner.className: the second overload of m is named Host$$Coda$m$2, which is also the name of the state machine of
 * a method called m$2. The second class overwrites the first in the generated map; the output passes the transformer's
 * verification and CheckClassAdapter but fails at run time.
 */
class StateMachineNameCollisionTest {
    @Test
    void overloadSuffixCollidesWithADollarName() throws Throwable {
        Instrumented code = RegressionSupport.compile("Nm", """
                @Async static Task<String> m() { return Task.completed("m1"); }
                @Async static Task<String> m(int x) { return Task.completed("m2:" + await(later(x))); }
                @Async static Task<String> m$2() { return Task.completed("m$2"); }
                @Async static Task<String> go() { return Task.completed(await(m()) + "," + await(m(1)) + "," + await(m$2())); }
                """).requireClean(); // passes: no diagnostic
        reset();
        Task<?> t = (Task<?>) code.call("p.Nm", "go");
        run();
        // Observed: java.lang.NoSuchMethodError: 'void p.Nm$$Coda$m$2.<init>(int)'
        assertEquals("m1,m2:1,m$2", t.join());
    }
}
