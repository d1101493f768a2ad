package dev.coda.transformer.lower;

import static org.objectweb.asm.Opcodes.*;

import dev.coda.transformer.CodaNames;
import org.objectweb.asm.tree.InsnList;
import org.objectweb.asm.tree.InsnNode;
import org.objectweb.asm.tree.LabelNode;
import org.objectweb.asm.tree.MethodInsnNode;
import org.objectweb.asm.tree.VarInsnNode;

/**
 * The code the lower stage writes: drop glue, flag updates, await markers. Each factory returns new instructions and
 * places nothing: where they go, and which handlers cover them, is the caller's to decide.
 */
final class DropGlue {
    private static final String DROP_DESC = "(L" + CodaNames.ASYNC_CLOSEABLE + ";Z)" + CodaNames.TASK_DESC;
    private static final String DROP_FAILING_DESC =
            "(L" + CodaNames.ASYNC_CLOSEABLE + ";ZLjava/lang/Throwable;)" + CodaNames.TASK_DESC;

    private DropGlue() {}

    /**
     * Drop glue for the value on the stack: clear its flag, then await {@code Coroutine.drop(value, flag)} as cleanup.
     * A negative {@code flag}: an unowned value, always closed. With the local {@code inFlight} of an exception in
     * flight (else -1), {@code Coroutine.dropFailing(value, flag, exception)}: a scope then cancels its children.
     */
    static InsnList drop(int flag, int inFlight) {
        InsnList glue = new InsnList();
        if (flag < 0) {
            glue.add(new InsnNode(ICONST_1));
        } else {
            glue.add(new VarInsnNode(ILOAD, flag));
            glue.add(clearFlag(flag));
        }
        if (inFlight < 0) {
            glue.add(new MethodInsnNode(INVOKESTATIC, CodaNames.COROUTINE, "drop", DROP_DESC, false));
        } else {
            glue.add(new VarInsnNode(ALOAD, inFlight));
            glue.add(new MethodInsnNode(INVOKESTATIC, CodaNames.COROUTINE, "dropFailing", DROP_FAILING_DESC, false));
        }
        glue.add(marker(CodaNames.AWAIT_CLEANUP));
        glue.add(new InsnNode(POP));
        return glue;
    }

    /** The drop of the value in {@code slot}, between the labels {@code start} and {@code end}. */
    static InsnList drop(int slot, int flag, int inFlight, LabelNode start, LabelNode end) {
        InsnList g = new InsnList();
        g.add(start);
        g.add(new VarInsnNode(ALOAD, slot));
        g.add(drop(flag, inFlight));
        g.add(end);
        return g;
    }

    /** {@code flag = false}. */
    static InsnList clearFlag(int flag) {
        InsnList clear = new InsnList();
        clear.add(new InsnNode(ICONST_0));
        clear.add(new VarInsnNode(ISTORE, flag));
        return clear;
    }

    /** {@code Coroutine.owns(value)}: whether a value is there to own, that is, not null. */
    static MethodInsnNode owns() {
        return new MethodInsnNode(INVOKESTATIC, CodaNames.COROUTINE, "owns", "(Ljava/lang/Object;)Z", false);
    }

    /** A call of the marker {@code Coroutine.name()} ({@code awaitCleanup}, {@code awaitOwned}): an await to the later stages. */
    static MethodInsnNode marker(String name) {
        return new MethodInsnNode(INVOKESTATIC, CodaNames.COROUTINE, name, CodaNames.MARKER_DESC, false);
    }
}
