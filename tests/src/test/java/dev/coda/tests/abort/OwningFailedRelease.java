package dev.coda.tests.abort;

import dev.coda.Async;
import dev.coda.Owned;
import dev.coda.Task;

/** Owners of a {@link Tx} whose commit or rollback fails with {@code release}'s failure. */
final class OwningFailedRelease {
    private OwningFailedRelease() {}

    @Async
    static Task<String> run(Task<Void> release) {
        @Owned Tx r = new Tx("r", release);
        throw new IllegalArgumentException("body fails");
    }

    @Async
    static Task<String> succeed(Task<Void> release) {
        @Owned Tx r = new Tx("r", release);
        return Task.completed("fine");
    }
}
