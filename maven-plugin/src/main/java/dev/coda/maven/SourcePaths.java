package dev.coda.maven;

import dev.coda.transformer.Diagnostic;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.List;
import java.util.stream.Collectors;

/**
 * Turns the source path of a diagnostic, relative to a source root ({@code p/To.java}), into the absolute path of
 * the {@code .java} file, so that the build log and IDEs can link to it. A file found under no source root keeps its
 * relative path.
 */
final class SourcePaths {
    private final List<Path> roots;

    SourcePaths(List<String> sourceRoots) {
        this.roots = sourceRoots.stream().map(Paths::get).collect(Collectors.toList());
    }

    String absolute(String relative) {
        if (relative == null) return null;
        for (Path root : roots) {
            Path file = root.resolve(relative);
            if (Files.isRegularFile(file)) return file.toAbsolutePath().normalize().toString();
        }
        return relative;
    }

    /** The same diagnostic with the absolute path: it prints as {@code /abs/path/p/To.java:LINE: error: MESSAGE}. */
    Diagnostic locate(Diagnostic d) {
        return new Diagnostic(d.severity(), absolute(d.sourcePath()), d.line(), d.className(), d.message());
    }
}
