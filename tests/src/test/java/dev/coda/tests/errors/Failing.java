package dev.coda.tests.errors;

import static dev.coda.Coda.await;

import dev.coda.Async;
import dev.coda.Task;
import dev.coda.tests.support.Events;
import java.io.IOException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.Supplier;

/**
 * Async code that fails. Lines marked {@code // LINE:name} are looked up by the test in this source file, so a
 * stack trace can be checked against the line it must point at.
 */
public final class Failing {
    private Failing() {}

    /** Declares IOException, so that a caller may catch what the awaited future fails with. */
    static <T> CompletionStage<T> io(CompletionStage<T> stage) throws IOException {
        return stage;
    }

    @Async
    public static Task<Throwable> catchAwaited(CompletionStage<String> f) {
        try {
            String v = await(f);
            return Task.completed(new AssertionError("no failure: " + v));
        } catch (RuntimeException e) {
            return Task.completed(e);
        }
    }

    @Async
    public static Task<String> propagate(CompletionStage<String> f) {
        String v = await(f);
        return Task.completed(v);
    }

    @Async
    public static Task<IOException> catchChecked(CompletableFuture<String> f) {
        try {
            await(io(f));
            return Task.completed(null);
        } catch (IOException e) {
            Events.log("caught " + e.getMessage());
            return Task.completed(e);
        }
    }

    @Async
    public static Task<String> throwCheckedAfterResuming(CompletableFuture<String> f) throws IOException {
        String v = await(f);
        if (v.isEmpty()) throw new IOException("empty after resuming");
        return Task.completed(v);
    }

    @Async
    public static Task<String> awaitTheCheckedFailure(Task<String> t) {
        try {
            return Task.completed(await(t));
        } catch (Exception e) {
            return Task.completed("caught " + e.getClass().getSimpleName() + " " + System.identityHashCode(e));
        }
    }

    @Async
    public static Task<String> failBeforeAnyAwait(Object o, CompletableFuture<String> f) {
        Events.log("entered");
        String s = o.toString();
        return Task.completed(s + await(f));
    }

    @Async
    public static Task<Integer> throwAfterResuming(CompletableFuture<Integer> f) {
        int v = await(f);
        if (v > 0) throw new IllegalStateException("after resuming " + v); // LINE:afterResuming
        return Task.completed(v);
    }

    static int divide(int a, int b) {
        return a / b; // LINE:divide
    }

    @Async
    public static Task<Integer> helperFailsAfterResuming(CompletableFuture<Integer> f, CompletableFuture<Integer> g) {
        int a = await(f);
        int b = await(g);
        int r = divide(a, b); // LINE:callsDivide
        return Task.completed(r);
    }

    public static Supplier<Task<String>> lambdaFailingAfterResuming(CompletableFuture<String> f) {
        return () -> {
            String v = await(f);
            String[] parts = v.split(",");
            return Task.completed(parts[3]); // LINE:lambda
        };
    }

    @Async
    static Task<String> level3(CompletableFuture<String> f) {
        try {
            return Task.completed(await(f));
        } finally {
            Events.log("finally 3");
        }
    }

    @Async
    static Task<String> level2(CompletableFuture<String> f) {
        try {
            return Task.completed(await(level3(f)) + "2");
        } finally {
            Events.log("finally 2");
        }
    }

    @Async
    public static Task<String> level1(CompletableFuture<String> f) {
        try {
            String v = await(level2(f));
            Events.log("unreachable " + v);
            return Task.completed(v + "1");
        } finally {
            Events.log("finally 1");
        }
    }

    /** A constructor that fails on a negative amount. */
    public static final class Amount {
        final long value;

        Amount(long base, int delta) {
            if (base + delta < 0) throw new IllegalArgumentException("negative: " + (base + delta)); // LINE:amountCtor
            this.value = base + delta;
        }
    }

    @Async
    public static Task<Amount> newWithAwaitedArgument(long base, CompletableFuture<Integer> delta) {
        Amount a = new Amount(base, await(delta)); // LINE:newAmount
        return Task.completed(a);
    }
}
