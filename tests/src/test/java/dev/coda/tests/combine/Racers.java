package dev.coda.tests.combine;

import static dev.coda.Coda.await;
import static dev.coda.tests.support.Events.log;

import dev.coda.Async;
import dev.coda.Coda;
import dev.coda.Owned;
import dev.coda.Task;
import dev.coda.tests.support.Res;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeoutException;

/** Async functions that race children with the combinators, which cancel and wait for the ones that lose. */
public final class Racers {
    private Racers() {}

    /** Holds {@code r} until {@code in} completes, then returns what it got. */
    @Async
    public static Task<String> fetch(@Owned Res r, CompletableFuture<String> in) {
        log("fetch " + r.name);
        return Task.completed(r.name + ":" + await(in));
    }

    /** The first of two fetches to answer wins; the loser is cancelled, and its resource closed, before it returns. */
    @Async
    public static Task<String> fastest(Res a, CompletableFuture<String> inA, Res b, CompletableFuture<String> inB) {
        String winner = await(Task.any(List.of(fetch(a, inA), fetch(b, inB))));
        log("winner " + winner);
        return Task.completed(winner);
    }

    /** Both fetches; one failing cancels the other. */
    @Async
    public static Task<String> both(Res a, CompletableFuture<String> inA, Res b, CompletableFuture<String> inB) {
        List<String> got = await(Task.all(List.of(fetch(a, inA), fetch(b, inB))));
        return Task.completed(String.join(",", got));
    }

    /**
     * A fetch with a time limit. The timeout is java.util.concurrent's checked TimeoutException, which await rethrows
     * without declaring it: javac accepts only a catch of Exception (or Throwable) around it.
     */
    @Async
    public static Task<String> limited(Res r, CompletableFuture<String> in, Duration limit) {
        try {
            return Task.completed(await(Coda.timeout(limit, () -> fetch(r, in))));
        } catch (Exception e) {
            if (!(e instanceof TimeoutException)) throw e;
            log("timed out");
            return Task.completed("fallback");
        }
    }

    /** Sleeps, holding an owned resource. */
    @Async
    public static Task<String> nap(@Owned Res r, Duration d) {
        log("nap");
        await(Coda.sleep(d));
        log("woke");
        return Task.completed("rested");
    }
}
