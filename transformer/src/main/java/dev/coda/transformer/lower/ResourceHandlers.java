package dev.coda.transformer.lower;

import static org.objectweb.asm.Opcodes.*;

import dev.coda.transformer.analysis.ControlFlow;
import dev.coda.transformer.analysis.RealInstructions;
import java.util.Set;
import org.objectweb.asm.tree.AbstractInsnNode;
import org.objectweb.asm.tree.JumpInsnNode;
import org.objectweb.asm.tree.LabelNode;
import org.objectweb.asm.tree.MethodInsnNode;
import org.objectweb.asm.tree.MethodNode;
import org.objectweb.asm.tree.TryCatchBlockNode;
import org.objectweb.asm.tree.VarInsnNode;
import org.objectweb.asm.tree.analysis.Frame;
import org.objectweb.asm.tree.analysis.SourceValue;

/**
 * Recognises the close a compiler writes in a try-with-resources' handler, to find the exception in flight there.
 * What counts is what the language requires of that close, not one compiler's instructions (javac's and ECJ's
 * differ, and ECJ merges the exceptions of a multi-resource statement before it closes the outer resources):
 * <pre>
 *   ... aload r; close()  [goto L; ... L:]  aload t; athrow      ← the close, then t is thrown
 *   t holds a caught exception: every store that reaches the close stores what a handler caught (directly, or
 *       through one local, as ECJ's merge does) or null (ECJ's "none yet")
 *   the close is covered by a catch-all handler that suppresses onto t:  ... aload t; ...; t.addSuppressed(x)
 * </pre>
 * A user's own code of that shape (a catch block that closes and rethrows what it caught, suppressing a failure of
 * the close) is a try-with-resources written by hand, and gets the same treatment. A close followed by the throw of
 * an exception the code made itself is an ordinary close, even where the slot is one a handler uses too.
 */
final class ResourceHandlers {
    private ResourceHandlers() {}

    /** The local holding the exception in flight at {@code close}, or -1 outside such a handler. */
    static int exceptionInFlight(SourceFrames frames, MethodInsnNode close) {
        MethodNode m = frames.m();
        int inFlight = thrownAfter(close);
        if (inFlight < 0 || !holdsCaughtException(frames, inFlight, close, true)) return -1;
        for (TryCatchBlockNode t : m.tryCatchBlocks) {
            if (ExceptionTable.covers(m, t, close) && ControlFlow.catchesAll(t)
                    && suppressesOnto(frames, t.handler, inFlight)) {
                return inFlight;
            }
        }
        return -1;
    }

    /** The local whose exception the code right after {@code close} throws, through one {@code goto}; else -1. */
    private static int thrownAfter(MethodInsnNode close) {
        AbstractInsnNode next = RealInstructions.next(close);
        if (next != null && next.getOpcode() == GOTO) next = RealInstructions.next(((JumpInsnNode) next).label);
        if (next == null || next.getOpcode() != ALOAD) return -1;
        AbstractInsnNode then = RealInstructions.next(next);
        return then != null && then.getOpcode() == ATHROW ? ((VarInsnNode) next).var : -1;
    }

    /**
     * Whether every store of {@code slot} that reaches {@code at} stores an exception a handler caught (a stack
     * value no instruction made: the analysis gives a handler's exception no source), or null; with
     * {@code throughLocal}, also one loaded from a local that holds such an exception.
     */
    private static boolean holdsCaughtException(SourceFrames frames, int slot, AbstractInsnNode at,
                                                boolean throughLocal) {
        if (frames.at(at) == null) return false;
        Set<AbstractInsnNode> stores = frames.writersOf(slot, at);
        if (stores.isEmpty()) return false; // a parameter's value, never stored here
        for (AbstractInsnNode store : stores) {
            if (store.getOpcode() != ASTORE) return false;
            SourceValue stored = frames.top(store);
            if (stored == null) return false;
            if (stored.insns.isEmpty()) continue; // caught
            AbstractInsnNode source = SourceFrames.single(stored);
            if (source == null) return false;
            if (source.getOpcode() == ACONST_NULL) continue;
            if (!throughLocal || source.getOpcode() != ALOAD
                    || !holdsCaughtException(frames, ((VarInsnNode) source).var, source, false)) {
                return false;
            }
        }
        return true;
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
