package dev.coda.transformer.fuzz;

import dev.coda.Task;
import java.util.concurrent.CompletionStage;

/**
 * The reference semantics of {@code Coda.await}: the reference copy of a program calls these instead, and they
 * drive pending tasks to completion on the spot (a join), then return the value or rethrow the exception as it was.
 *
 * <p>The reference copy of every generated async body is also a <em>frame</em> (see {@link Env}):
 * <pre>
 *   ... throws Exception { Ref.enter(); try {
 *       ... return Ref.ret(x); ...
 *   } catch (Throwable t$) { Ref.thrown(t$); } finally { return Ref.end(); } }
 * </pre>
 * {@link #ret} and {@link #thrown} record how the body is leaving (the last one wins: an inner {@code finally} may
 * still throw or return); {@link #end} then waits for a returned task, accounts for the children the body kept
 * ({@link Env#keep}), and returns the value or throws the outcome, as an untransformed async function does.
 */
public final class Ref {
    static final ThreadLocal<Env> current = new ThreadLocal<>();

    private Ref() {}

    public static <T> T await(Task<T> task) {
        return current.get().join(task);
    }

    public static <T> T await(CompletionStage<T> stage) {
        return current.get().join(Task.from(stage));
    }

    public static void enter() {
        current.get().enter();
    }

    public static <R> R ret(R value) {
        return current.get().ret(value);
    }

    public static void thrown(Throwable t) {
        current.get().thrown(t);
    }

    public static <R> R end() {
        return current.get().end();
    }
}
