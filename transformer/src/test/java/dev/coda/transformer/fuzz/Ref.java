package dev.coda.transformer.fuzz;

import dev.coda.Task;
import java.util.concurrent.CompletionStage;

/**
 * The reference semantics of {@code Coda.await}: the reference copy of a program calls these instead, and they
 * drive pending tasks to completion on the spot (a join), then return the value or rethrow the exception as it was.
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
}
