package dev.coda.transformer.analysis;

import java.util.BitSet;
import java.util.Map;
import org.objectweb.asm.Label;
import org.objectweb.asm.tree.AbstractInsnNode;
import org.objectweb.asm.tree.MethodNode;
import org.objectweb.asm.tree.TypeInsnNode;

/**
 * What the analysis stage learned about one async method, handed to the planner: verifier types before every
 * instruction, live locals on entry to every instruction, and the NEW instruction behind each uninitialised value.
 */
public final class MethodAnalysis {
    private final MethodNode method;
    private final FrameRecorder frames;
    private final BitSet[] liveIn;
    private final boolean[] reachable;

    MethodAnalysis(MethodNode method, FrameRecorder frames, BitSet[] liveIn, boolean[] reachable) {
        this.method = method;
        this.frames = frames;
        this.liveIn = liveIn;
        this.reachable = reachable;
    }

    public MethodNode method() {
        return method;
    }

    /** Locals before {@code insn} in AnalyzerAdapter's encoding, or null if unreachable (see {@link ControlFlow}). */
    public Object[] localsBefore(AbstractInsnNode insn) {
        int i = method.instructions.indexOf(insn);
        return reachable[i] ? frames.locals[i] : null;
    }

    /** Operand stack before {@code insn}, bottom first, or null if unreachable. */
    public Object[] stackBefore(AbstractInsnNode insn) {
        int i = method.instructions.indexOf(insn);
        return reachable[i] ? frames.stack[i] : null;
    }

    /** Local slots that may be read after {@code insn} starts, before being written. */
    public BitSet liveBefore(AbstractInsnNode insn) {
        return liveIn[method.instructions.indexOf(insn)];
    }

    public Map<Label, TypeInsnNode> newSites() {
        return frames.newSites;
    }
}
