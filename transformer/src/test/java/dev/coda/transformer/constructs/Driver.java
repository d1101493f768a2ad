package dev.coda.transformer.constructs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.coda.Task;
import dev.coda.transformer.support.Instrumented;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Deque;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * The test programs' side of the construct tests: an event log, and futures that stay pending until the test
 * (the "driver") completes them, oldest first, with the value or failure fixed when they were created. Test
 * programs use it through {@code import static dev.coda.transformer.constructs.Driver.*}.
 *
 * <p>It also wraps a program body in a standard prelude and compiles it with the transformer.
 */
public final class Driver {
    private Driver() {}

    public static final List<String> log = Collections.synchronizedList(new ArrayList<>());
    private static final Deque<Object[]> pending = new ArrayDeque<>();

    /** Lines the standard prelude puts before the body; the body's first line is {@code PRELUDE_LINES + 1}. */
    public static final String PRELUDE = """
            package p;
            import dev.coda.*;
            import java.util.*;
            import java.util.concurrent.*;
            import java.util.function.*;
            import static dev.coda.Coda.await;
            import static dev.coda.transformer.constructs.Driver.*;
            """;

    public static synchronized void reset() {
        log.clear();
        pending.clear();
    }

    public static void log(String event) {
        log.add(event);
    }

    /** A future that completes with {@code value} when the driver gets to it. */
    public static synchronized <T> CompletableFuture<T> later(T value) {
        CompletableFuture<T> f = new CompletableFuture<>();
        pending.add(new Object[] {f, value, false});
        return f;
    }

    /** A future that fails with {@code error} when the driver gets to it. */
    public static synchronized <T> CompletableFuture<T> failLater(Throwable error) {
        CompletableFuture<T> f = new CompletableFuture<>();
        pending.add(new Object[] {f, error, true});
        return f;
    }

    public static <T> Task<T> laterTask(T value) {
        return Task.from(later(value));
    }

    public static <T> Task<T> failLaterTask(Throwable error) {
        return Task.from(failLater(error));
    }

    public static synchronized int pendingCount() {
        return pending.size();
    }

    /** Completes the oldest pending future; false if there is none. */
    @SuppressWarnings("unchecked")
    public static boolean step() {
        Object[] next;
        synchronized (Driver.class) {
            next = pending.poll();
        }
        if (next == null) return false;
        CompletableFuture<Object> f = (CompletableFuture<Object>) next[0];
        if ((Boolean) next[2]) f.completeExceptionally((Throwable) next[1]);
        else f.complete(next[1]);
        return true;
    }

    /** Completes pending futures, oldest first, until none is left; returns how many. */
    public static int run() {
        int n = 0;
        while (step()) n++;
        return n;
    }

    // ---- test side ------------------------------------------------------------------------------------------------

    /** The standard prelude, then {@code public class NAME { BODY }}. */
    public static String source(String className, String body) {
        return PRELUDE + "public class " + className + " {\n" + body + "\n}\n";
    }

    /** Compiles {@code p/NAME.java} from {@link #source} with the transformer; requires a clean result. */
    public static Instrumented program(String className, String body) {
        reset();
        Instrumented code = Instrumented.compile("p/" + className + ".java", source(className, body)).requireClean();
        assertTrue(code.results.get("p/" + className).changed(), "p." + className + " was not rewritten");
        return code;
    }

    /** Like {@link #program} but for sources whose async code sits in nested classes: requires {@code changed}. */
    public static Instrumented program(String className, String body, String... changed) {
        reset();
        Instrumented code = Instrumented.compile("p/" + className + ".java", source(className, body)).requireClean();
        for (String c : changed) assertTrue(code.results.get("p/" + c).changed(), "p." + c + " was not rewritten");
        return code;
    }

    /** 1-based line of the first line of {@code source} that contains {@code marker}. */
    public static int lineOf(String source, String marker) {
        String[] lines = source.split("\n", -1);
        for (int i = 0; i < lines.length; i++) if (lines[i].contains(marker)) return i + 1;
        throw new AssertionError("no line contains " + marker);
    }

    @SuppressWarnings("unchecked")
    public static <T> Task<T> start(Instrumented code, String className, String method, Object... args) throws Throwable {
        Object r = code.call("p." + className, method, args);
        assertNotNull(r, method + " returned null");
        return (Task<T>) r;
    }

    /** Starts the call, checks it is pending (it awaits at least one pending future), drives it and returns the value. */
    public static <T> T drive(Instrumented code, String className, String method, Object... args) throws Throwable {
        Task<T> t = start(code, className, method, args);
        assertFalse(t.isDone(), method + " should be suspended on a pending future");
        assertTrue(run() > 0);
        assertTrue(t.isDone(), method + " should be done once every pending future completed");
        return t.join();
    }

    /** Starts the call, drives it, and returns the failure of its task (failing if it succeeded). */
    public static Throwable driveToFailure(Instrumented code, String className, String method, Object... args)
            throws Throwable {
        Task<?> t = start(code, className, method, args);
        run();
        assertTrue(t.isDone(), method + " should be done once every pending future completed");
        return failure(t);
    }

    /**
     * The exception a done task failed with, unwrapped, as {@code join()} throws it: a cancellation keeps the task's
     * own exception with its suppressed cleanup failures (a future's {@code getNow} makes a new one on newer JDKs).
     */
    public static Throwable failure(Task<?> t) {
        assertTrue(t.isDone());
        Object v;
        try {
            v = t.join();
        } catch (java.util.concurrent.CompletionException e) {
            return e.getCause();
        } catch (RuntimeException | Error e) {
            return e;
        }
        return fail("expected a failed task, got value " + v);
    }

    public static List<String> events() {
        synchronized (log) {
            return List.copyOf(log);
        }
    }

    public static void assertLog(String... expected) {
        assertEquals(List.of(expected), events());
    }
}
