package dev.coda.transformer.constructs;

import static dev.coda.transformer.constructs.Driver.drive;
import static dev.coda.transformer.constructs.Driver.program;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.coda.transformer.support.InMemoryCompiler;
import dev.coda.transformer.support.Instrumented;
import org.junit.jupiter.api.Test;

/**
 * Shapes that ECJ (Eclipse, VS Code) writes and javac does not, compiled with ECJ in every run: the whole suite
 * also runs under ECJ with {@code -Dcoda.compiler=ecj}, but these must not wait for that.
 */
class EcjShapesTest {

    /**
     * ECJ folds {@code null == null} and still writes the branch it made dead, with stack map frames for it. Awaits
     * there never run and are left alone: planning them as live code, with frames that say the code is reachable
     * and a control flow that says it is not, lost the lambda's captured {@code k} at the awaits after them.
     */
    @Test
    void deadCodeEcjKeepsIsLeftAlone() throws Throwable {
        String body = """
                @Async public static Task<String> go(int k) throws Exception {
                    Callable<Task<String>> f = () -> {
                        if ((1 == 2) ^ (null == null)) {
                            log("live " + k + await(later(1)));
                        } else {
                            log("dead " + k + await(later(2)));
                        }
                        return Task.completed("k=" + k + " " + await(later(3)));
                    };
                    return Task.completed(await(f.call()));
                }
                """;
        Instrumented code = InMemoryCompiler.using("ecj", () -> program("DeadElse", body));
        assertEquals("k=7 3", drive(code, "DeadElse", "go", 7));
        Driver.assertLog("live 71");
    }
}
