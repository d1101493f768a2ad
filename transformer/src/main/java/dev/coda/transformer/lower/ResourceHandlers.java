package dev.coda.transformer.lower;

import static org.objectweb.asm.Opcodes.*;

import dev.coda.transformer.analysis.ControlFlow;
import dev.coda.transformer.analysis.RealInstructions;
import org.objectweb.asm.tree.AbstractInsnNode;
import org.objectweb.asm.tree.LabelNode;
import org.objectweb.asm.tree.MethodInsnNode;
import org.objectweb.asm.tree.MethodNode;
import org.objectweb.asm.tree.TryCatchBlockNode;
import org.objectweb.asm.tree.VarInsnNode;
import org.objectweb.asm.tree.analysis.Frame;
import org.objectweb.asm.tree.analysis.SourceValue;

/**
 * Recognises the catch-all handler a compiler writes for a try-with-resources, to find the exception in flight at
 * a {@code close()} there. What counts is what the language requires of that handler, not one compiler's
 * instructions (javac's and ECJ's differ):
 * <pre>
 *   a catch-all handler (any, or Throwable):  astore t; [aload r; ifnull skip;] aload r; close()   ← this close
 *   the close is covered by a catch-all handler that suppresses onto t:  ... aload t; ...; t.addSuppressed(x)
 * </pre>
 * It cannot recognise any other shape: a close in a user's own catch block, or in a handler written differently,
 * is an ordinary close, with no exception in flight.
 */
final class ResourceHandlers {
    private ResourceHandlers() {}

    /** The local holding the exception in flight at {@code close}, or -1 outside such a handler. */
    static int exceptionInFlight(SourceFrames frames, MethodInsnNode close) {
        MethodNode m = frames.m();
        AbstractInsnNode load = RealInstructions.previous(close);
        if (load == null || load.getOpcode() != ALOAD) return -1;
        AbstractInsnNode before = RealInstructions.previous(load);
        if (before != null && before.getOpcode() == IFNULL) {
            AbstractInsnNode check = RealInstructions.previous(before);
            if (check == null || check.getOpcode() != ALOAD || ((VarInsnNode) check).var != ((VarInsnNode) load).var) return -1;
            before = RealInstructions.previous(check);
        }
        if (before == null || before.getOpcode() != ASTORE) return -1;
        int inFlight = ((VarInsnNode) before).var;
        boolean catchAllHandler = false;
        for (AbstractInsnNode x = before.getPrevious(); x != null && x.getOpcode() < 0; x = x.getPrevious()) {
            for (TryCatchBlockNode t : m.tryCatchBlocks) {
                if (t.handler == x && ControlFlow.catchesAll(t)) catchAllHandler = true;
            }
        }
        if (!catchAllHandler) return -1;
        int at = m.instructions.indexOf(close);
        for (TryCatchBlockNode t : m.tryCatchBlocks) {
            if (m.instructions.indexOf(t.start) <= at && at < m.instructions.indexOf(t.end)
                    && ControlFlow.catchesAll(t) && suppressesOnto(frames, t.handler, inFlight)) {
                return inFlight;
            }
        }
        return -1;
    }

    /**
     * Whether the handler at {@code handler} suppresses the exception it caught onto the local {@code inFlight}:
     * somewhere before it throws, it calls {@code addSuppressed} on a value loaded from {@code inFlight}.
     */
    private static boolean suppressesOnto(SourceFrames frames, LabelNode handler, int inFlight) {
        for (AbstractInsnNode x = RealInstructions.next(handler); x != null; x = RealInstructions.next(x)) {
            int op = x.getOpcode();
            if (op == ATHROW || (op >= IRETURN && op <= RETURN)) return false;
            if (x instanceof MethodInsnNode call && call.owner.equals("java/lang/Throwable")
                    && call.name.equals("addSuppressed")) {
                Frame<SourceValue> f = frames.at(x);
                if (f == null) continue;
                SourceValue receiver = f.getStack(f.getStackSize() - 2);
                for (AbstractInsnNode source : receiver.insns) {
                    if (source.getOpcode() == ALOAD && ((VarInsnNode) source).var == inFlight) return true;
                }
            }
        }
        return false;
    }
}
