package dev.coda.agent;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Collectors;
import javax.tools.ToolProvider;

/** Programs the agent's tests compile and run in JVMs of their own. */
final class AgentPrograms {
    private AgentPrograms() {}

    /** An async function awaiting a future another thread completes; {@code run()} reports what it saw. */
    static final String GREETER = """
            package demo;
            import dev.coda.*;
            import java.util.concurrent.CompletableFuture;
            public class Greeter {
                @Async public static Task<String> greet(CompletableFuture<String> name) {
                    String greeting = "Hello, ";
                    String who = Coda.await(name);
                    return Task.completed(greeting + who);
                }
                public static String run() throws Exception {
                    CompletableFuture<String> name = new CompletableFuture<>();
                    Task<String> t = greet(name);
                    boolean pending = !t.isDone();
                    Thread completer = new Thread(() -> name.complete("agent"));
                    completer.start();
                    return t.join() + " pending=" + pending + " class=" + t.getClass().getName();
                }
            }
            """;

    /** The runtime and annotations only: the agent brings its own (relocated) ASM. */
    static String runtimeClassPath() {
        String cp = Arrays.stream(System.getProperty("java.class.path").split(File.pathSeparator))
                .filter(p -> p.contains("runtime") || p.contains("annotations"))
                .collect(Collectors.joining(File.pathSeparator));
        assertFalse(cp.isEmpty(), "runtime not found on " + System.getProperty("java.class.path"));
        return cp;
    }

    /**
     * Compiles {@code sources} (pairs of a path and its text) into {@code out}, against the runtime and
     * {@code agentJar}, with debug information.
     */
    static Path compileTo(Path out, String agentJar, String... sources) throws IOException {
        Path src = out.resolveSibling(out.getFileName() + "-src");
        Files.createDirectories(out);
        List<String> args = new ArrayList<>(List.of("-g", "-d", out.toString(), "-cp",
                runtimeClassPath() + File.pathSeparator + agentJar));
        for (int i = 0; i < sources.length; i += 2) {
            Path file = src.resolve(sources[i]);
            Files.createDirectories(file.getParent());
            Files.writeString(file, sources[i + 1]);
            args.add(file.toString());
        }
        assertEquals(0, ToolProvider.getSystemJavaCompiler().run(null, null, null, args.toArray(new String[0])));
        return out;
    }
}
