package dev.coda.transformer.emit;

import static dev.coda.transformer.CodaNames.COROUTINE;
import static dev.coda.transformer.CodaNames.COROUTINE_DESC;
import static dev.coda.transformer.CodaNames.TASK_DESC;

import dev.coda.transformer.plan.AwaitSite;
import org.objectweb.asm.tree.FieldInsnNode;
import org.objectweb.asm.tree.MethodInsnNode;

/** The {@code Coroutine} methods and fields the generated code uses; see that class for the protocol. */
final class RuntimeCalls {
    private RuntimeCalls() {}

    static MethodInsnNode enter() { return Asm.invokevirtual(COROUTINE, "enter", "()Z"); }
    static MethodInsnNode exit() { return Asm.invokestatic(COROUTINE, "exit", "(" + COROUTINE_DESC + ")" + TASK_DESC); }
    static MethodInsnNode exitThrowing() {
        return Asm.invokestatic(COROUTINE, "exitThrowing",
                "(" + COROUTINE_DESC + "Ljava/lang/Throwable;)Ljava/lang/RuntimeException;");
    }
    /** {@code Coroutine.awaited}: read and marked for a first step that threw out of the body (see UncaughtHandler). */
    static FieldInsnNode getAwaited() { return Asm.getfield(COROUTINE, "awaited", "Ljava/lang/Object;"); }
    static FieldInsnNode putAwaited() { return Asm.putfield(COROUTINE, "awaited", "Ljava/lang/Object;"); }
    /** {@code Coroutine.THREW}, that mark. */
    static FieldInsnNode threw() { return Asm.getstatic(COROUTINE, "THREW", "Ljava/lang/Object;"); }
    static MethodInsnNode startWith() { return Asm.invokevirtual(COROUTINE, "startWith", "([Ljava/lang/Object;)V"); }
    static MethodInsnNode startArguments() {
        return Asm.invokevirtual(COROUTINE, "startArguments", "()[Ljava/lang/Object;");
    }
    static MethodInsnNode ready(AwaitSite.Kind kind) {
        return switch (kind) {
            case CLEANUP -> Asm.invokevirtual(COROUTINE, "readyCleanup", "(Ldev/coda/Task;)Z");
            case STAGE -> Asm.invokevirtual(COROUTINE, "readyStage", "(Ljava/util/concurrent/CompletionStage;)Z");
            case TASK, OWNED -> Asm.invokevirtual(COROUTINE, "ready", "(Ldev/coda/Task;)Z");
        };
    }
    /** For a STAGE site the operand is the stage itself, or the task suspended on in its place: an Object. */
    static MethodInsnNode take(AwaitSite.Kind kind) {
        return switch (kind) {
            case CLEANUP -> Asm.invokevirtual(COROUTINE, "takeCleanup", "(Ldev/coda/Task;)Ljava/lang/Object;");
            case OWNED -> Asm.invokevirtual(COROUTINE, "takeOwned", "(Ldev/coda/Task;)Ljava/lang/Object;");
            case TASK -> Asm.invokevirtual(COROUTINE, "take", "(Ldev/coda/Task;)Ljava/lang/Object;");
            case STAGE -> Asm.invokevirtual(COROUTINE, "takeStage", "(Ljava/lang/Object;)Ljava/lang/Object;");
        };
    }
    static MethodInsnNode suspend(AwaitSite.Kind kind) {
        return kind == AwaitSite.Kind.STAGE
                ? Asm.invokevirtual(COROUTINE, "suspendStage", "(Ljava/util/concurrent/CompletionStage;)Z")
                : Asm.invokevirtual(COROUTINE, "suspend", "(Ldev/coda/Task;)Z");
    }
    /** For a STAGE site, what was suspended on: the task, or the future registered on directly: an Object. */
    static MethodInsnNode resumed(AwaitSite.Kind kind) {
        return kind == AwaitSite.Kind.STAGE
                ? Asm.invokevirtual(COROUTINE, "resumedStage", "()Ljava/lang/Object;")
                : Asm.invokevirtual(COROUTINE, "resumed", "()Ldev/coda/Task;");
    }
    static MethodInsnNode returnValue() { return Asm.invokevirtual(COROUTINE, "returnValue", "(Ljava/lang/Object;)V"); }
    static MethodInsnNode returnTask() { return Asm.invokevirtual(COROUTINE, "returnTask", "(Ldev/coda/Task;)V"); }
    static MethodInsnNode returnStage() {
        return Asm.invokevirtual(COROUTINE, "returnStage", "(Ljava/util/concurrent/CompletionStage;)V");
    }
    static MethodInsnNode uncaught() { return Asm.invokevirtual(COROUTINE, "uncaught", "(Ljava/lang/Throwable;)V"); }
    static MethodInsnNode initialize() {
        return Asm.invokestatic(COROUTINE, "initialize", "(Ljava/lang/Class;)V");
    }
}
