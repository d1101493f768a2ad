package dev.coda.transformer.check;

import static dev.coda.transformer.constructs.Driver.lineOf;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.coda.transformer.ClassFileLocator;
import dev.coda.transformer.Diagnostic;
import dev.coda.transformer.TransformResult;
import dev.coda.transformer.Transformer;
import dev.coda.transformer.support.InMemoryCompiler;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * A blocking close of an AsyncCloseable is warned about once per source construct: the compilers write a
 * try-with-resources' close once per exit, normal and exceptional, on lines of their own.
 */
class BlockingClosesTest {
    private static final String SOURCE = """
            package p;
            import dev.coda.*;
            import static dev.coda.Coda.await;
            public class Closes {
                static final class Conn implements AsyncCloseable {
                    public Task<Void> closeAsync() { return Task.done(); }
                }
                static void one() {
                    try (Conn c = new Conn()) { // ONE
                        System.out.println(c);
                    }
                }
                static int two(boolean early) {
                    try (Conn c = new Conn()) { // FIRST
                        if (early) return 1;
                        System.out.println(c);
                    }
                    try (Conn d = new Conn()) { // SECOND
                        System.out.println(d);
                    }
                    return 0;
                }
                static void explicit() {
                    Conn c = new Conn();
                    c.close(); // EXPLICIT
                    c.close(); // AGAIN
                }
                // Rejected (an await inside synchronized), so left as compiled, blocking close and all.
                @Async static Task<Integer> rejected(Object lock, Task<Integer> t) {
                    try (Conn c = new Conn()) { // REJECTED
                        System.out.println(c);
                    }
                    synchronized (lock) {
                        return Task.completed(await(t));
                    }
                }
            }
            """;

    /** The warnings for the class as the plugin checks it: after the rewrite, which leaves this class unchanged. */
    private static List<String> warnings() throws Exception {
        Map<String, byte[]> classes = InMemoryCompiler.compile(Map.of("p/Closes.java", SOURCE));
        ClassFileLocator runtime = ClassFileLocator.of(BlockingClosesTest.class.getClassLoader());
        Transformer t = new Transformer(name -> classes.containsKey(name) ? classes.get(name) : runtime.locate(name));
        byte[] compiled = classes.get("p/Closes");
        TransformResult result = t.transform(compiled);
        return t.blockingCloses(result.changed() ? result.bytes() : compiled).stream()
                .map(Diagnostic::toString).toList();
    }

    private static String warning(String marker, String method) {
        return "p/Closes.java:" + lineOf(SOURCE, marker) + ": warning: Closes." + method + " closes an AsyncCloseable "
                + "(p.Closes$Conn) synchronously, blocking until its closeAsync() completes (and throwing on a thread "
                + "that runs a coroutine): close it in an @Async method, where try-with-resources awaits closeAsync(), "
                + "or await closeAsync() yourself";
    }

    @Test
    void oneWarningPerTryWithResourcesAtItsResourceAndOnePerExplicitClose() throws Exception {
        assertEquals(List.of(
                warning("// ONE", "one"),
                warning("// FIRST", "two"),
                warning("// SECOND", "two"),
                warning("// EXPLICIT", "explicit"),
                warning("// AGAIN", "explicit"),
                warning("// REJECTED", "rejected")), warnings());
    }
}
