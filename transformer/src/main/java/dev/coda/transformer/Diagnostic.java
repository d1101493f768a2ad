package dev.coda.transformer;

/**
 * A problem found in a class, reported in javac's format: {@code path/To.java:LINE: error: MESSAGE}. The path is
 * the source file relative to the source root (package folders plus the SourceFile attribute); the line is the
 * nearest line-number entry, or 0 when the class has none.
 */
public record Diagnostic(Severity severity, String sourcePath, int line, String className, String message) {

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

    @Override
    public String toString() {
        return sourcePath + ":" + line + ": " + severity.label + ": " + message;
    }
}
