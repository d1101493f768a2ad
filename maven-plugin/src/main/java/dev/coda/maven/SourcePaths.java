package dev.coda.maven;

import dev.coda.transformer.Diagnostic;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.List;
import java.util.stream.Collectors;

/**
 * Turns the source path of a diagnostic, relative to a source root ({@code p/To.java}), into the absolute path of
 * the {@code .java} file, so that the build log and IDEs can link to it. A file found under no compile source root
 * is named as the agent names every file, under {@link Diagnostic#UNKNOWN_SOURCE_ROOT}.
 */
final class SourcePaths {
    private final List<Path> roots;

    SourcePaths(List<String> sourceRoots) {
        this.roots = sourceRoots.stream().map(Paths::get).collect(Collectors.toList());
    }

    /** The absolute path of {@code relative} under the first source root that has it, or null. */
    String absolute(String relative) {
        if (relative == null) return null;
        for (Path root : roots) {
            Path file = root.resolve(relative);
            if (Files.isRegularFile(file)) return file.toAbsolutePath().normalize().toString();
        }
        return null;
    }

    /**
     * The same diagnostic with the absolute path, printed as {@code /abs/path/p/To.java:LINE: error: MESSAGE}, or
     * as {@code <source root>/p/To.java:LINE: error: MESSAGE} when no source root has the file.
     */
    Diagnostic locate(Diagnostic d) {
        if (d.sourcePath() == null) return d;
        String absolute = absolute(d.sourcePath());
        return absolute != null ? d.withSourcePath(absolute) : d.underUnknownSourceRoot();
    }
}
