package dev.coda.tests.support;

import java.util.ArrayList;
import java.util.List;

/** An event log shared by test code and the async code it drives. */
public final class Events {
    private static final List<String> LOG = new ArrayList<>();

    private Events() {}

    public static synchronized void log(String event) {
        LOG.add(event);
    }

    /** The events logged since the last call, oldest first; the log is emptied. */
    public static synchronized List<String> take() {
        List<String> copy = List.copyOf(LOG);
        LOG.clear();
        return copy;
    }

    public static String thread() {
        return Thread.currentThread().getName();
    }
}
