package dev.coda.tests.support;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * Lines of a test source file marked with a trailing comment {@code // LINE:name}, so that a stack frame, a probe
 * line or a breakpoint can be checked against the line it must point at, whatever edits move it.
 */
public final class SourceLines {
    private final Path source;

    /** {@code source} relative to the tests module, as in {@code src/test/java/dev/coda/tests/errors/Chain.java}. */
    public SourceLines(String source) {
        this.source = Path.of(source);
    }

    /** The 1-based line that carries the marker {@code name}; it must appear exactly once. */
    public int line(String name) {
        List<String> lines;
        try {
            lines = Files.readAllLines(source);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        int found = -1;
        for (int i = 0; i < lines.size(); i++) {
            if (!lines.get(i).endsWith("// LINE:" + name)) continue;
            if (found > 0) throw new AssertionError("marker " + name + " appears twice in " + source);
            found = i + 1;
        }
        if (found < 0) throw new AssertionError("marker " + name + " not found in " + source.toAbsolutePath());
        return found;
    }
}
