package dev.coda.tests.harness;

import dev.coda.AsyncCloseable;
import dev.coda.Task;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;

/**
 * The world of the cancellation harness's programs: resources whose closes complete at once, suspend, or fail, and
 * suspension points, all completed one at a time, in order, by the driver. Every event is logged. Single-threaded.
 */
public final class H {
    private H() {}

    /** How a resource's close behaves. */
    public static final int SYNC = 0, SUSPEND = 1, FAIL = 2, FAIL_SUSPEND = 3;

    /**
     * A pending completion, and whether it is a user await of the program's own body (not a close, which is cleanup,
     * nor the start or an await of a child spawned into a scope, which belong to the child).
     */
    record Pending(Runnable complete, boolean ownAwait) {}

    static final List<String> events = new ArrayList<>();
    static final Deque<Pending> pending = new ArrayDeque<>();
    static final List<Res> opened = new ArrayList<>();
    static final List<Throwable> closeFailures = new ArrayList<>();
    /** Exceptions a program caught and dealt with itself, with what was suppressed onto them. */
    static final List<Throwable> handled = new ArrayList<>();
    static int closesPending;

    static void reset() {
        events.clear();
        pending.clear();
        opened.clear();
        closeFailures.clear();
        handled.clear();
        closesPending = 0;
    }

    /** A resource, opened now. */
    public static Res open(String name, int mode) {
        Res r = new Res(name, mode);
        opened.add(r);
        events.add("open " + name);
        return r;
    }

    /** A suspension point: a task that completes with 1 when the driver gets to it. */
    public static Task<Integer> step(String label) {
        events.add("await " + label);
        CompletableFuture<Integer> f = new CompletableFuture<>();
        pending.add(new Pending(() -> f.complete(1), !label.contains(":")));
        return Task.from(f);
    }

    /** An await of a task that is already complete. */
    public static Task<Integer> now(String label) {
        events.add("await " + label);
        return Task.completed(1);
    }

    /** A task that opens a resource when the driver gets to it, and produces it. */
    public static Task<Res> opening(String name, int mode) {
        events.add("await opening " + name);
        CompletableFuture<Res> f = new CompletableFuture<>();
        pending.add(new Pending(() -> {
            Res r = open(name, mode);
            r.produced = true;
            f.complete(r);
        }, true));
        return Task.from(f);
    }

    /** An executor for {@code TaskScope.open}: each start is a point the driver gets to, like a suspension. */
    public static final Executor QUEUE = start -> pending.add(new Pending(start, false));

    /** "child:" for a resource named "child:name" (opened by a spawned child), "" otherwise. */
    public static String group(Res r) {
        int colon = r.name.indexOf(':');
        return colon < 0 ? "" : r.name.substring(0, colon + 1);
    }

    public static void log(String event) {
        events.add(event);
    }

    /** A program caught {@code e} and dealt with it: close failures on it are not expected on the outcome. */
    public static void handled(Throwable e) {
        handled.add(e);
        handled.addAll(List.of(e.getSuppressed()));
    }

    /** Fails the program with an exception of its own. */
    public static RuntimeException boom(String what) {
        events.add("throw " + what);
        return new UnsupportedOperationException(what);
    }

    public static final class Res implements AsyncCloseable {
        final String name;
        final int mode;
        int closes;
        /** Made by {@link #opening}: it may arrive after its awaiter was cancelled, and is then closed on arrival. */
        boolean produced;

        Res(String name, int mode) {
            this.name = name;
            this.mode = mode;
        }

        public String name() {
            return name;
        }

        @Override
        public Task<Void> closeAsync() {
            closes++;
            events.add("close " + name);
            IllegalStateException failure = new IllegalStateException("close " + name + " failed");
            switch (mode) {
                case SYNC:
                    return Task.done();
                case FAIL:
                    closeFailures.add(failure);
                    return Task.failed(failure);
                default:
                    CompletableFuture<Void> f = new CompletableFuture<>();
                    closesPending++;
                    pending.add(new Pending(() -> {
                        closesPending--;
                        events.add("closed " + name);
                        if (mode == FAIL_SUSPEND) {
                            closeFailures.add(failure);
                            f.completeExceptionally(failure);
                        } else {
                            f.complete(null);
                        }
                    }, false));
                    return Task.from(f);
            }
        }
    }
}
