package dev.coda.samples;

import dev.coda.Coda;
import dev.coda.Task;
import java.time.Duration;

/**
 * What a {@link Bank#transfer transfer} does between its two UPDATEs, after the debit and before the credit, for the
 * sample and its tests: nothing, a pause (where a cancellation can reach the transfer), or a failure.
 */
@FunctionalInterface
public interface Midway {
    /** Called after the debit; the transfer awaits the task, then credits. */
    Task<Void> between();

    Midway NOTHING = Task::done;

    static Midway pause(Duration duration) {
        return () -> Coda.sleep(duration);
    }

    /** Throws {@code failure} after the debit. */
    static Midway failing(InjectedFailure failure) {
        return () -> {
            throw failure;
        };
    }

    /** A failure injected mid-transaction. */
    final class InjectedFailure extends RuntimeException {
        public InjectedFailure(String message) {
            super(message);
        }
    }
}
