package dev.coda.tests.abort;

import static dev.coda.Coda.await;
import static dev.coda.tests.support.Events.log;

import dev.coda.Async;
import dev.coda.AsyncCloseable;
import dev.coda.Owned;
import dev.coda.Task;
import dev.coda.TaskScope;

/** Async functions whose owned resources end normally, with an exception, or cancelled. */
public final class Transactions {
    private Transactions() {}

    @Async
    public static Task<String> owned(Task<String> work, boolean fail) {
        @Owned Tx tx = new Tx("a");
        String w = await(work);
        if (fail) throw new IllegalStateException("failed after " + w);
        log("body done");
        return Task.completed(w);
    }

    @Async
    public static Task<String> twoInTry(Task<String> work, boolean fail) {
        try (Tx outer = new Tx("outer"); Tx inner = new Tx("inner")) {
            String w = await(work);
            if (fail) throw new IllegalArgumentException("bad " + w);
            return Task.completed(w);
        }
    }

    /** A failure caught inside the scope: the scope itself ends normally. */
    @Async
    public static Task<String> caughtInside(Task<String> work) {
        @Owned Tx tx = new Tx("a");
        try {
            await(work);
        } catch (IllegalStateException e) {
            log("caught " + e.getMessage());
        }
        return Task.completed("ok");
    }

    /** A resource that only knows closeAsync(): its close runs on every exit. */
    @Async
    public static Task<String> plain(Task<String> work) {
        @Owned Closer c = new Closer();
        return Task.completed(await(work));
    }

    public static final class Closer implements AsyncCloseable {
        @Override
        public Task<Void> closeAsync() {
            log("close");
            return Task.done();
        }
    }

    /** Produces an owned transaction once {@code ready} completes. */
    @Async
    public static Task<Tx> open(Task<Void> ready, String name) {
        await(ready);
        return Task.completed(new Tx(name));
    }

    /** Awaits a transaction straight into an owned variable, then waits for {@code more}. */
    @Async
    public static Task<String> borrow(Task<Tx> opening, Task<String> more) {
        @Owned Tx tx = await(opening);
        return Task.completed(await(more));
    }

    /** A scope whose owner fails: the scope's abort cancels the child before waiting for it. */
    @Async
    public static Task<String> scopeOwnerFails(Task<String> childWork) {
        try (TaskScope scope = TaskScope.open()) {
            scope.spawn(() -> child(childWork));
            throw new IllegalStateException("owner fails");
        }
    }

    @Async
    static Task<String> child(Task<String> work) {
        try {
            return Task.completed(await(work));
        } finally {
            log("child ends");
        }
    }
}
