package dev.coda.transformer.emit;

import static dev.coda.transformer.emit.Asm.aload;
import static dev.coda.transformer.emit.Asm.op;
import static org.objectweb.asm.Opcodes.*;

import dev.coda.transformer.analysis.RealInstructions;
import java.util.ArrayList;
import java.util.List;
import org.objectweb.asm.Type;
import org.objectweb.asm.tree.AbstractInsnNode;
import org.objectweb.asm.tree.FrameNode;
import org.objectweb.asm.tree.InsnList;
import org.objectweb.asm.tree.JumpInsnNode;
import org.objectweb.asm.tree.LabelNode;
import org.objectweb.asm.tree.MethodInsnNode;
import org.objectweb.asm.tree.MethodNode;
import org.objectweb.asm.tree.TryCatchBlockNode;
import org.objectweb.asm.tree.VarInsnNode;

/**
 * Gives a rewritten body, once its frames are computed, a last handler that catches anything over all its code
 * after the prologue stores the state machine (code that never runs aside), and ends the body with
 * {@code sm.uncaught(t)}. The runtime also catches what escapes a body; caught in the same method, a throw (a
 * delivered cancellation, above all) is a jump in compiled code instead of the JVM unwinding the body's frame,
 * which costs more than the rest of a cancellation. A second handler, over the first one's code, restores the
 * thread's carrier when what that code throws leaves a first step run in the stub's frame (see
 * {@code Coroutine.exitThrowing}): the stub keeps nothing to do it with.
 *
 * <p>Added after the frames, with their frames written here: the handler reads only the state machine's local, so
 * every other local is {@code TOP} there, and computing that by data flow would merge every block of the body into
 * it, which made large bodies exceed ASM's budget for computing frames.
 */
public final class UncaughtHandler {
    private UncaughtHandler() {}

    /**
     * Adds the handlers to {@code body}, the output of {@link BodyEmitter#rewrite} with computed (expanded) frames.
     *
     * @param stateMachine the internal name of the state machine class
     * @param smLocal the local the prologue stores it in
     */
    public static void add(MethodNode body, String stateMachine, int smLocal) {
        LabelNode handler = new LabelNode();
        LabelNode handlerEnd = new LabelNode();
        LabelNode rethrow = new LabelNode();
        List<TryCatchBlockNode> ranges = ranges(body, stateMachine, smLocal, handler);
        InsnList code = body.instructions;
        handOn(code, handler, stateMachine, smLocal, RuntimeCalls.uncaught());
        code.add(aload(smLocal));
        code.add(op(ARETURN));
        code.add(handlerEnd);
        // What the handler throws (a failure of the end it could not take in, an overflow) leaves the body; from a
        // first step in the stub's frame, the carrier is restored first. The mark is a field write, made before the
        // call, which may overflow where the handler did; only if the step never suspended: a registration made
        // would let another thread own the state machine.
        code.add(rethrow);
        code.add(frame(stateMachine, smLocal));
        LabelNode marked = new LabelNode();
        code.add(aload(smLocal));
        code.add(RuntimeCalls.getAwaited());
        code.add(new JumpInsnNode(IFNONNULL, marked));
        code.add(aload(smLocal));
        code.add(RuntimeCalls.threw());
        code.add(RuntimeCalls.putAwaited());
        handOn(code, marked, stateMachine, smLocal, RuntimeCalls.exitThrowing());
        code.add(op(ATHROW));
        body.tryCatchBlocks.addAll(ranges);
        body.tryCatchBlocks.add(new TryCatchBlockNode(handler, handlerEnd, rethrow, null));
        body.maxStack = Math.max(body.maxStack, 3);
    }

    /** At {@code at}, with the throwable on the stack: {@code sm.call(t)}, or {@code call(sm, t)} for a static call. */
    private static void handOn(InsnList code, LabelNode at, String stateMachine, int smLocal, MethodInsnNode call) {
        code.add(at);
        code.add(frame(stateMachine, smLocal));
        code.add(aload(smLocal));
        code.add(op(SWAP));
        code.add(call);
    }

    /** The frame of the handlers' code: the state machine in its local, nothing else, a throwable on the stack. */
    private static FrameNode frame(String stateMachine, int smLocal) {
        List<Object> locals = new ArrayList<>();
        for (int slot = 0; slot < smLocal; slot++) locals.add(TOP);
        locals.add(stateMachine);
        return new FrameNode(F_NEW, locals.size(), locals.toArray(), 1, new Object[] {"java/lang/Throwable"});
    }

    /**
     * The handler's ranges: from the prologue's store to the end, less the code where the computed frames say the
     * state machine's local holds nothing, which is code that never runs (ASM writes unreachable code as
     * {@code nop}s and an {@code athrow} under a frame with no locals). There the handler's frame would not match.
     */
    private static List<TryCatchBlockNode> ranges(MethodNode body, String stateMachine, int smLocal,
                                                  LabelNode handler) {
        List<TryCatchBlockNode> ranges = new ArrayList<>();
        AbstractInsnNode store = prologueStore(body, smLocal);
        LabelNode open = new LabelNode();
        body.instructions.insert(store, open);
        boolean code = false; // a real instruction since open
        for (AbstractInsnNode n = open.getNext(); n != null; n = n.getNext()) {
            if (n instanceof FrameNode frame) {
                boolean covered = holds(frame, stateMachine, smLocal);
                if (open != null && !covered) {
                    if (code) ranges.add(new TryCatchBlockNode(open, labelBefore(body, frame), handler, null));
                    open = null;
                    requireUnreachable(body, frame);
                } else if (open == null && covered) {
                    open = labelBefore(body, frame);
                    code = false;
                }
            } else if (n.getOpcode() >= 0) {
                code = true;
            }
        }
        if (open != null && code) {
            LabelNode end = new LabelNode();
            body.instructions.add(end);
            ranges.add(new TryCatchBlockNode(open, end, handler, null));
        }
        return ranges;
    }

    /**
     * The code a frame without the state machine starts must be what ASM writes for unreachable code: anything else
     * means this handler's frame would be wrong there, and the body is refused rather than written.
     */
    private static void requireUnreachable(MethodNode body, FrameNode frame) {
        for (AbstractInsnNode n = frame.getNext(); n != null && !(n instanceof FrameNode); n = n.getNext()) {
            int op = n.getOpcode();
            if (op == ATHROW) return;
            if (op >= 0 && op != NOP) break;
        }
        throw new IllegalStateException("the rewritten " + body.name + " has reachable code where its state machine"
                + " is not in its local");
    }

    /** Whether {@code frame} (expanded: a long or double is one entry for two slots) has the state machine. */
    private static boolean holds(FrameNode frame, String stateMachine, int smLocal) {
        int slot = 0;
        for (Object type : frame.local) {
            if (slot == smLocal) return stateMachine.equals(type);
            slot += type == LONG || type == DOUBLE ? 2 : 1;
        }
        return false;
    }

    private static LabelNode labelBefore(MethodNode body, AbstractInsnNode n) {
        LabelNode label = new LabelNode();
        body.instructions.insertBefore(n, label);
        return label;
    }

    /**
     * The prologue's {@code aload; astore smLocal} of the state machine, the body's last argument: the first such
     * store to that local, after the start (see {@link BodyEmitter}).
     */
    private static AbstractInsnNode prologueStore(MethodNode body, int smLocal) {
        int argument = (Type.getArgumentsAndReturnSizes(body.desc) >> 2) - 2; // a static method: no receiver
        for (AbstractInsnNode n = body.instructions.getFirst(); n != null; n = n.getNext()) {
            if (n.getOpcode() != ASTORE || ((VarInsnNode) n).var != smLocal) continue;
            AbstractInsnNode load = RealInstructions.previous(n);
            if (load != null && load.getOpcode() == ALOAD && ((VarInsnNode) load).var == argument) return n;
            // The start's store of the state machine it makes, when the argument's slot is also smLocal; else not a
            // prologue of ours.
            if (load == null || load.getOpcode() != INVOKESPECIAL || !((MethodInsnNode) load).name.equals("<init>")) {
                break;
            }
        }
        throw new IllegalStateException("the rewritten " + body.name + " does not begin with its prologue");
    }
}
