package dev.coda.transformer.regression;

import static dev.coda.transformer.constructs.Driver.*;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.coda.Task;
import dev.coda.transformer.support.Instrumented;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * ConstructorRelocator moves NEW X after the constructor arguments on every path (also when nothing suspends). NEW
 * is what triggers X's class initialisation (JLS 12.4.1), so X's static initialiser now runs after the arguments are
 * evaluated, after the await, and not at all when an argument throws. The README's "allocation has no observable
 * effect before the constructor runs" does not hold.
 */
class RelocationClassInitOrderTest {
    @Test
    void staticInitialiserRunsAfterTheArgumentsInsteadOfBefore() throws Throwable {
        Instrumented code = RegressionSupport.compile("Ci", """
                static final class X { static { log("clinit"); } X(int a, int b) { log("ctor"); } }
                static int mark() { log("arg"); return 1; }
                @Async static Task<String> go() { X x = new X(mark(), await(Task.completed(2))); return Task.completed("ok"); }
                """).requireClean();
        reset();
        Task<?> t = (Task<?>) code.call("p.Ci", "go");
        assertEquals("ok", t.join());
        // javac/JVM order without Coda: clinit, arg, ctor. Observed: [arg, clinit, ctor]
        assertEquals(List.of("clinit", "arg", "ctor"), events());
    }
}
