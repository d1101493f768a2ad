package dev.coda.maven;

import java.io.File;
import java.util.List;
import org.apache.maven.plugin.AbstractMojo;
import org.apache.maven.plugin.MojoExecutionException;
import org.apache.maven.plugin.MojoFailureException;
import org.apache.maven.plugins.annotations.Parameter;

/**
 * What {@code instrument} and {@code instrument-tests} share: the parameters every goal has, and the run. The two
 * goals differ only in which classes directory, classpath and source roots they use.
 */
abstract class AbstractInstrumentMojo extends AbstractMojo {

    /** Skips the rewrite. The classes are left as the compiler wrote them, and their awaits throw when they run. */
    @Parameter(property = "coda.skip", defaultValue = "false")
    private boolean skip;

    /**
     * Makes a synchronous close of an {@code AsyncCloseable} outside async code (try-with-resources or
     * {@code close()} in an ordinary method, which blocks until {@code closeAsync()} completes) an error instead of
     * a warning.
     */
    @Parameter(property = "coda.failOnBlockingClose", defaultValue = "false")
    private boolean failOnBlockingClose;

    /**
     * Makes an await at which an async method may still hold a {@code java.util.concurrent.locks.Lock} it locked (a
     * lock belongs to its thread, and the method may resume on another) an error instead of a warning.
     */
    @Parameter(property = "coda.failOnHeldLock", defaultValue = "false")
    private boolean failOnHeldLock;

    /**
     * Logs every rewritten class and its state machines at INFO. Without it the goal prints one summary line, and
     * the details only at debug level ({@code -X}).
     */
    @Parameter(property = "coda.verbose", defaultValue = "false")
    private boolean verbose;

    /** The classes directory to rewrite in place. */
    abstract File classesDirectory();

    /** Where the transformer looks up the supertypes of rewritten classes: directories and jars. */
    abstract List<String> classpathElements();

    /** The source roots against which a diagnostic's relative path is made absolute. */
    abstract List<String> sourceRoots();

    @Override
    public void execute() throws MojoExecutionException, MojoFailureException {
        if (skip) {
            getLog().info("Coda: skipped (coda.skip=true), the classes are left as compiled");
            return;
        }
        File classes = classesDirectory();
        if (!classes.exists()) {
            getLog().info("Coda: nothing to instrument, " + classes + " does not exist");
            return;
        }
        if (!classes.isDirectory()) {
            throw new MojoExecutionException("Coda: cannot instrument " + classes + ": it is not a directory (the "
                    + "goal rewrites a classes directory in place, before it is packaged)");
        }
        new Instrumenter(classes.toPath(), classpathElements(), new SourcePaths(sourceRoots()), getLog(),
                verbose, failOnBlockingClose, failOnHeldLock).run();
    }
}
