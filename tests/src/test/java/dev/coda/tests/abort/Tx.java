package dev.coda.tests.abort;

import static dev.coda.tests.support.Events.log;

import dev.coda.AsyncCloseable;
import dev.coda.Task;

/**
 * A resource that tells how its scope ended: {@code commit NAME} from {@link #closeAsync()}, {@code rollback NAME
 * (CAUSE)} from {@link #abortAsync}, where CAUSE is the cause's class and message, or {@code null}.
 */
public final class Tx implements AsyncCloseable {
    private final String name;
    private final Task<Void> release;
    private boolean ended;

    public Tx(String name) {
        this(name, Task.done());
    }

    /** A transaction whose commit or rollback completes as {@code release} does. */
    public Tx(String name, Task<Void> release) {
        this.name = name;
        this.release = release;
    }

    @Override
    public synchronized Task<Void> closeAsync() {
        if (ended) return Task.done();
        ended = true;
        log("commit " + name);
        return release;
    }

    @Override
    public synchronized Task<Void> abortAsync(Throwable cause) {
        if (ended) return Task.done();
        ended = true;
        log("rollback " + name + " (" + (cause == null ? "null" : cause.getClass().getSimpleName() + ": "
                + cause.getMessage()) + ")");
        return release;
    }
}
