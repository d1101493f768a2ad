package dev.coda.transformer;

/** Internal names and descriptors of the Coda API as the rewritten code refers to them. */
public final class CodaNames {
    private CodaNames() {}

    public static final String CODA = "dev/coda/Coda";
    public static final String TASK = "dev/coda/Task";
    public static final String COROUTINE = "dev/coda/Coroutine";
    public static final String ASYNC_DESC = "Ldev/coda/Async;";
    public static final String OWNED_DESC = "Ldev/coda/Owned;";
    public static final String COMPLETABLE_FUTURE = "java/util/concurrent/CompletableFuture";
    public static final String COMPLETION_STAGE = "java/util/concurrent/CompletionStage";

    public static final String AWAIT = "await";
    public static final String AWAIT_TASK_DESC = "(Ldev/coda/Task;)Ljava/lang/Object;";
    public static final String AWAIT_STAGE_DESC = "(Ljava/util/concurrent/CompletionStage;)Ljava/lang/Object;";

    public static final String ASYNC_CLOSEABLE = "dev/coda/AsyncCloseable";
    /** Markers the lower stage puts where drop glue awaits, and where an await's value goes into an owned variable. */
    public static final String AWAIT_CLEANUP = "awaitCleanup";
    public static final String AWAIT_OWNED = "awaitOwned";
    public static final String MARKER_DESC = "(Ldev/coda/Task;)Ljava/lang/Object;";
    public static final String MOVE = "move";
    public static final String MOVE_DESC = "(Ljava/lang/Object;)Ljava/lang/Object;";

    public static final String TASK_DESC = "L" + TASK + ";";
    public static final String COROUTINE_DESC = "L" + COROUTINE + ";";
    public static final String STAGE_DESC = "L" + COMPLETION_STAGE + ";";
    public static final String FUTURE_DESC = "L" + COMPLETABLE_FUTURE + ";";

    /** Suffix of a generated state-machine class: {@code Host$$Coda$method}. */
    public static final String STATE_MACHINE_INFIX = "$$Coda$";
}
