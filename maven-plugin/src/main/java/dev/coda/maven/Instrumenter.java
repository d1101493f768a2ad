package dev.coda.maven;

import dev.coda.transformer.Diagnostic;
import dev.coda.transformer.TransformResult;
import dev.coda.transformer.Transformer;
import dev.coda.transformer.read.ClassFileFacts;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Collectors;
import org.apache.maven.plugin.MojoExecutionException;
import org.apache.maven.plugin.MojoFailureException;
import org.apache.maven.plugin.logging.Log;

/**
 * Rewrites one classes directory in two phases. First every class that mentions Coda is transformed in memory;
 * if any has an error, the diagnostics are printed in javac's format and the build fails with nothing written.
 * Then {@link Changes#write} replaces the classes atomically and removes state machines left from earlier builds.
 */
final class Instrumenter {

    private final Path classes;
    private final List<String> classpath;
    private final SourcePaths sources;
    private final Log log;
    private final boolean verbose;
    private final boolean failOnBlockingClose;
    private final boolean failOnHeldLock;

    Instrumenter(Path classes, List<String> classpath, SourcePaths sources, Log log, boolean verbose,
                 boolean failOnBlockingClose, boolean failOnHeldLock) {
        this.classes = classes;
        this.classpath = classpath;
        this.sources = sources;
        this.log = log;
        this.verbose = verbose;
        this.failOnBlockingClose = failOnBlockingClose;
        this.failOnHeldLock = failOnHeldLock;
    }

    void run() throws MojoExecutionException, MojoFailureException {
        Changes changes = transformAll();
        int errors = report(changes.diagnostics());
        if (errors > 0) throw new MojoFailureException("Coda: " + errors + (errors == 1 ? " error" : " errors"));
        try {
            changes.write(this::detail);
        } catch (IOException e) {
            throw new MojoExecutionException("Coda: cannot write the rewritten classes in " + classes + ": " + e, e);
        }
        // A directory without async code (test classes, often) is not worth a line of its own.
        if (changes.isEmpty()) log.debug(changes.summary());
        else log.info(changes.summary());
    }

    /** Phase one: reads and transforms, writes nothing. */
    private Changes transformAll() throws MojoExecutionException, MojoFailureException {
        Changes changes = new Changes(classes);
        try (ClasspathLocator locator = new ClasspathLocator(classes, classpath)) {
            Transformer transformer = new Transformer(locator);
            for (Path file : ClassDirectoryScanner.classFiles(classes)) {
                byte[] bytes = Files.readAllBytes(file);
                if (ClassDirectoryScanner.isStateMachineName(file) && InstrumentedProbe.isStateMachine(bytes)) {
                    changes.stateMachine(file);
                } else if (mentionsCoda(file, bytes)) {
                    TransformResult result = transform(transformer, file, bytes);
                    boolean marked = !result.changed() && InstrumentedProbe.isMarked(bytes);
                    // Rewritten by an earlier build: its held locks are those that build recorded in it.
                    List<Diagnostic> heldLocks =
                            marked ? recordedHeldLocks(transformer, file, bytes) : result.heldLocks();
                    changes.report(failingIf(failOnHeldLock, heldLocks));
                    changes.transformed(file, result, marked);
                    byte[] written = result.changed() ? result.bytes() : bytes;
                    changes.report(failingIf(failOnBlockingClose, blockingCloses(transformer, file, written)));
                } else {
                    // No async code here (it never names dev/coda/), but it may close an AsyncCloseable.
                    changes.report(failingIf(failOnBlockingClose, blockingCloses(transformer, file, bytes)));
                }
            }
        } catch (IOException e) {
            throw new MojoExecutionException("Coda: cannot read " + classes + ": " + e, e);
        }
        return changes;
    }

    /**
     * The constant-pool scan. A file too broken to scan fails the build: whether it held async code cannot be
     * known, and a corrupt class file is better found now than as a ClassFormatError when it loads.
     */
    private static boolean mentionsCoda(Path file, byte[] bytes) throws MojoFailureException {
        return readOrFail(file, () -> ClassFileFacts.mentionsCoda(bytes));
    }

    private TransformResult transform(Transformer transformer, Path file, byte[] bytes)
            throws MojoExecutionException, MojoFailureException {
        try {
            TransformResult result = transformer.transform(bytes);
            if (result.changed()) detail("Coda: rewrote " + file + ", state machines: " + result.generated().keySet());
            return result;
        } catch (ClassFileFacts.MalformedClassException e) {
            throw malformed(file, e);
        } catch (RuntimeException e) {
            throw new MojoExecutionException("Coda: internal error while rewriting " + file + ": " + e, e);
        }
    }

    /** The blocking-close check of a class's final bytes; a file that is not a class file fails the build. */
    private static List<Diagnostic> blockingCloses(Transformer transformer, Path file, byte[] bytes)
            throws MojoFailureException {
        return readOrFail(file, () -> transformer.blockingCloses(bytes));
    }

    private static List<Diagnostic> recordedHeldLocks(Transformer transformer, Path file, byte[] bytes)
            throws MojoFailureException {
        return readOrFail(file, () -> transformer.recordedHeldLocks(bytes));
    }

    /** What a reading of a class file gives. */
    private interface ClassRead<T> {
        T read() throws ClassFileFacts.MalformedClassException;
    }

    /** {@code read}'s result; a file it finds malformed fails the build, naming the file. */
    private static <T> T readOrFail(Path file, ClassRead<T> read) throws MojoFailureException {
        try {
            return read.read();
        } catch (ClassFileFacts.MalformedClassException e) {
            throw malformed(file, e);
        }
    }

    private static MojoFailureException malformed(Path file, ClassFileFacts.MalformedClassException e) {
        return new MojoFailureException("Coda: malformed class file " + file + ": " + e.getMessage());
    }

    /**
     * Prints every diagnostic as javac would, in file and line order, errors through {@code error} and warnings
     * through {@code warn}; returns the number of errors.
     */
    private int report(List<Diagnostic> diagnostics) {
        List<Diagnostic> located = diagnostics.stream().map(sources::locate)
                .sorted(Comparator.comparing(Diagnostic::sourcePath, Comparator.nullsFirst(Comparator.naturalOrder()))
                        .thenComparingInt(Diagnostic::line))
                .collect(Collectors.toList());
        int errors = 0;
        for (Diagnostic d : located) {
            if (d.isError()) {
                log.error(d.toString());
                errors++;
            } else {
                log.warn(d.toString());
            }
        }
        return errors;
    }

    /** A check's warnings, as errors when the build was asked to fail on them. */
    private static List<Diagnostic> failingIf(boolean fail, List<Diagnostic> warnings) {
        return fail ? warnings.stream().map(Diagnostic::asError).toList() : warnings;
    }

    /** A line about one class: at INFO with {@code verbose}, else at debug level. */
    private void detail(String line) {
        if (verbose) log.info(line);
        else log.debug(line);
    }
}
