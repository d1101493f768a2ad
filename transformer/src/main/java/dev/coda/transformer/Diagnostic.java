package dev.coda.transformer;

/**
 * A problem found in a class, reported in javac's format: {@code path/To.java:LINE: error: MESSAGE}. The transformer
 * sees only the class file, so the path it gives is the source file relative to its source root (package folders
 * plus the SourceFile attribute, {@code p/To.java}); the plugin replaces it by the file's absolute path, and where no
 * one knows the source root the path is written under {@link #UNKNOWN_SOURCE_ROOT}. The line is the nearest
 * line-number entry: of the instruction, else of its method, else the smallest in the class, else 1.
 */
public record Diagnostic(Severity severity, String sourcePath, int line, String className, String message) {

    /**
     * What stands for the source root where it is not known: the agent, which sees classes as they load, never
     * knows it, nor does the plugin for a file under none of the compile source roots. Written
     * {@code <source root>/p/To.java}, the path cannot be taken for one relative to the working directory, which
     * is what a relative path means in javac's own messages.
     */
    public static final String UNKNOWN_SOURCE_ROOT = "<source root>/";

    public enum Severity {
        ERROR("error"), WARNING("warning");

        private final String label;

        Severity(String label) {
            this.label = label;
        }
    }

    public boolean isError() {
        return severity == Severity.ERROR;
    }

    /** The same diagnostic as an error: for a warning that the build was asked to fail on. */
    public Diagnostic asError() {
        return new Diagnostic(Severity.ERROR, sourcePath, line, className, message);
    }

    /** The same diagnostic with its source file named by {@code path}. */
    public Diagnostic withSourcePath(String path) {
        return new Diagnostic(severity, path, line, className, message);
    }

    /** The same diagnostic with its path, relative to a source root no one knows, under {@link #UNKNOWN_SOURCE_ROOT}. */
    public Diagnostic underUnknownSourceRoot() {
        return withSourcePath(UNKNOWN_SOURCE_ROOT + sourcePath);
    }

    @Override
    public String toString() {
        return sourcePath + ":" + line + ": " + severity.label + ": " + message;
    }
}
