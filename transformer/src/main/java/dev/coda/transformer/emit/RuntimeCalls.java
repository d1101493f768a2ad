package dev.coda.transformer.emit;

import static dev.coda.transformer.CodaNames.COROUTINE;

import dev.coda.transformer.plan.AwaitSite;
import org.objectweb.asm.tree.MethodInsnNode;

/** The {@code Coroutine} methods the generated code calls; see that class for the protocol. */
final class RuntimeCalls {
    private RuntimeCalls() {}

    static MethodInsnNode start() { return Asm.invokevirtual(COROUTINE, "start", "()Ldev/coda/Task;"); }
    static MethodInsnNode ready(AwaitSite.Kind kind) {
        return Asm.invokevirtual(COROUTINE, kind == AwaitSite.Kind.CLEANUP ? "readyCleanup" : "ready", "(Ldev/coda/Task;)Z");
    }
    static MethodInsnNode take(AwaitSite.Kind kind) {
        String name = switch (kind) {
            case CLEANUP -> "takeCleanup";
            case OWNED -> "takeOwned";
            case TASK, STAGE -> "take";
        };
        return Asm.invokevirtual(COROUTINE, name, "(Ldev/coda/Task;)Ljava/lang/Object;");
    }
    static MethodInsnNode suspend() { return Asm.invokevirtual(COROUTINE, "suspend", "(Ldev/coda/Task;)Z"); }
    static MethodInsnNode resumed() { return Asm.invokevirtual(COROUTINE, "resumed", "()Ldev/coda/Task;"); }
    static MethodInsnNode returnValue() { return Asm.invokevirtual(COROUTINE, "returnValue", "(Ljava/lang/Object;)V"); }
    static MethodInsnNode returnTask() { return Asm.invokevirtual(COROUTINE, "returnTask", "(Ldev/coda/Task;)V"); }
    static MethodInsnNode returnStage() {
        return Asm.invokevirtual(COROUTINE, "returnStage", "(Ljava/util/concurrent/CompletionStage;)V");
    }
    static MethodInsnNode initialize() {
        return new MethodInsnNode(org.objectweb.asm.Opcodes.INVOKESTATIC, COROUTINE, "initialize",
                "(Ljava/lang/Class;)V", false);
    }
    static MethodInsnNode adapt() {
        return new MethodInsnNode(org.objectweb.asm.Opcodes.INVOKESTATIC, COROUTINE, "adapt",
                "(Ljava/util/concurrent/CompletionStage;)Ldev/coda/Task;", false);
    }
}
