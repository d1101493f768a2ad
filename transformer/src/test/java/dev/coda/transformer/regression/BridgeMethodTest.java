package dev.coda.transformer.regression;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import dev.coda.transformer.support.Instrumented;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;

/**
 * javac copies method annotations, @Async included, onto the synthetic bridge methods it generates (JDK-6695379).
 * MethodClassifier does not skip ACC_BRIDGE methods, so the bridge is classified as an async function.
 */
class BridgeMethodTest {

    /** A bridge returning Object: the valid program gets a build error. */
    @Test
    void asyncImplementationOfAGenericInterfaceIsRejected() throws Throwable {
        Instrumented code = RegressionSupport.compile("Br", """
                static final class Impl implements Supplier<Task<String>> {
                    @Async public Task<String> get() { return Task.completed("v" + await(later(1))); }
                }
                public static Supplier<Task<String>> make() { return new Impl(); }
                """);
        // FAILS: p/Br.java:8: error: @Async method Br$Impl.get must return Task<T>, CompletableFuture<T> or CompletionStage<T>
        code.requireClean();
    }

    /** A bridge returning Task: it becomes a second state machine, so a call through the supertype costs two. */
    @Test
    void bridgeReturningTaskGetsItsOwnStateMachine() {
        Instrumented code = RegressionSupport.compile("Br2", """
                static class Base<T> { Task<T> get(T seed) { return Task.completed(seed); } }
                static final class Impl extends Base<String> {
                    @Async @Override Task<String> get(String seed) { return Task.completed(seed + await(later("x"))); }
                }
                """).requireClean();
        // Expected one state machine for Impl.get; observed two: Br2$Impl$$Coda$get and Br2$Impl$$Coda$get$2 (the bridge).
        assertFalse(code.output.containsKey("p/Br2$Impl$$Coda$get$2"), code.output.keySet().toString());
    }
}
