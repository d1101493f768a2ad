package dev.coda.transformer.fuzz;

import dev.coda.AsyncCloseable;
import dev.coda.Task;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * The world of the ownership fuzzer's programs: resources whose close completes at once or later and succeeds or
 * fails, and awaitable steps. Pending completions form one queue, completed oldest first by whoever drives: the
 * test's driver for the transformed copy, {@link OwnRef} for the reference copy. One per execution. Both drivers
 * are single-threaded; the reference model runs its frames on threads of their own, one at a time.
 */
public final class OwnEnv {
    /** A program's own failure. */
    public static final class Boom extends RuntimeException {
        public Boom(String message) { super(message); }
    }

    /** A close that failed; programs never catch it. */
    public static final class CloseFailed extends RuntimeException {
        CloseFailed(String message) { super(message); }
    }

    /**
     * A resource. Close modes: 0 completes at once, 1 completes later, 2 fails at once, 3 fails later. In the reference
     * copy try-with-resources calls {@link #close()}, which the reference semantics turn into a cleanup await.
     */
    public final class R implements AsyncCloseable {
        final String name;
        final int mode;
        int closes;

        R(String name, int mode) {
            this.name = name;
            this.mode = mode;
        }

        @Override
        public Task<Void> closeAsync() {
            closes++;
            log("close " + name);
            CloseFailed failure = new CloseFailed("close " + name + " failed");
            switch (mode) {
                case 0: return Task.done();
                case 2: return Task.failed(failure);
                default:
                    CompletableFuture<Void> f = new CompletableFuture<>();
                    pending.add(() -> {
                        log("closed " + name);
                        if (mode == 3) f.completeExceptionally(failure);
                        else f.complete(null);
                    });
                    return Task.from(f);
            }
        }

        @Override
        public void close() {
            OwnRef.closeNow(this);
        }
    }

    final List<String> events = new ArrayList<>();
    final List<R> opened = new ArrayList<>();
    private final Deque<Runnable> pending = new ArrayDeque<>();
    private final int input;
    /** Set when a run is over: fibers the reference model kills then log nothing. */
    private volatile boolean frozen;

    public OwnEnv(int input) {
        this.input = input;
    }

    // ---- called by generated programs --------------------------------------------------------------------------

    public void log(String event) {
        if (frozen) return;
        if (events.size() > 100_000) throw new IllegalStateException("runaway program");
        events.add(event);
    }

    /** A condition that depends on the run's input, so runs of one program take other paths. */
    public boolean flip(int site) {
        return Math.floorMod(input * 31 + site * 17, 5) < 2;
    }

    public R open(String name, int mode) {
        log("open " + name);
        R r = new R(name, mode);
        opened.add(r);
        return r;
    }

    /** An already complete task that produced a new resource. */
    public Task<R> opened(String name, int mode) {
        return Task.completed(open(name, mode));
    }

    /** Mode: 0 value now, 1 value later, 2 failure now, 3 failure later. */
    public Task<Integer> step(String label, int mode) {
        log("await " + label);
        Boom failure = new Boom(label);
        switch (mode) {
            case 0: return Task.completed(label.length());
            case 2: return Task.failed(failure);
            default:
                CompletableFuture<Integer> f = new CompletableFuture<>();
                pending.add(() -> {
                    if (mode == 3) f.completeExceptionally(failure);
                    else f.complete(label.length());
                });
                return Task.from(f);
        }
    }

    // ---- the drivers ---------------------------------------------------------------------------------------------

    void freeze() {
        frozen = true;
    }

    boolean hasPending() {
        return !pending.isEmpty();
    }

    void completeOne() {
        pending.poll().run();
    }
}
