package dev.coda.tests;

/** Which way this run's classes were rewritten: {@code plugin} (build time) or {@code agent} (load time). */
final class Mode {
    private Mode() {}

    static String current() {
        String mode = System.getProperty("coda.mode");
        if (mode == null) throw new IllegalStateException("coda.mode is not set: run the tests through Maven");
        return mode;
    }
}
