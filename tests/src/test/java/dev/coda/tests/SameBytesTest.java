package dev.coda.tests;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The agent writes the bytes the plugin writes, for every class of this module. Runs in the agent run, where
 * three directories exist side by side: the compiler's output (copied aside before the plugin ran), the plugin's
 * output, and what the agent dumped while it rewrote the same classes at load time. The plugin run excludes it.
 */
class SameBytesTest {
    private static final Path ORIGINAL = Path.of(System.getProperty("coda.original.classes", "missing"));
    private static final Path PLUGIN = Path.of(System.getProperty("coda.plugin.classes", "missing"));
    private static final Path AGENT = Path.of(System.getProperty("coda.agent.dump", "missing"));

    @Test
    void agentAndPluginWriteTheSameBytesForEveryClass() throws Exception {
        // Make the agent see every class of the module: loading (without initialising) is what it rewrites on.
        for (String file : classFiles(ORIGINAL)) {
            Class.forName(file.substring(0, file.length() - ".class".length()).replace('/', '.'), false,
                    SameBytesTest.class.getClassLoader());
        }
        // What the plugin changed or generated: differs from, or is missing in, the compiler's output.
        Set<String> pluginWrote = new TreeSet<>();
        for (String file : classFiles(PLUGIN)) {
            Path original = ORIGINAL.resolve(file);
            if (!Files.exists(original) || !Arrays.equals(Files.readAllBytes(original), Files.readAllBytes(PLUGIN.resolve(file)))) {
                pluginWrote.add(file);
            }
        }
        Set<String> agentWrote = classFiles(AGENT);
        assertFalse(pluginWrote.isEmpty(), "the plugin rewrote nothing: is the module's async code gone?");
        assertEquals(pluginWrote, agentWrote, "the same classes are rewritten and generated both ways");
        for (String file : pluginWrote) {
            assertArrayEquals(Files.readAllBytes(PLUGIN.resolve(file)), Files.readAllBytes(AGENT.resolve(file)), file);
        }
    }

    private static Set<String> classFiles(Path root) throws IOException {
        Set<String> files = new TreeSet<>();
        if (!Files.isDirectory(root)) return files;
        try (Stream<Path> walk = Files.walk(root)) {
            walk.filter(p -> p.toString().endsWith(".class"))
                    .forEach(p -> files.add(root.relativize(p).toString().replace('\\', '/')));
        }
        return files;
    }
}
