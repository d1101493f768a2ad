package dev.coda.transformer.lower;

import dev.coda.transformer.analysis.Diagnostics;
import java.util.Set;
import org.objectweb.asm.tree.AbstractInsnNode;
import org.objectweb.asm.tree.ClassNode;
import org.objectweb.asm.tree.MethodNode;
import org.objectweb.asm.tree.analysis.Analyzer;
import org.objectweb.asm.tree.analysis.AnalyzerException;
import org.objectweb.asm.tree.analysis.Frame;
import org.objectweb.asm.tree.analysis.SourceInterpreter;
import org.objectweb.asm.tree.analysis.SourceValue;

/**
 * Where every value before each instruction of a method came from (ASM's {@link SourceValue}s): the instructions
 * that may have produced it. Frames are indexed by instruction, so they describe the code as it was analysed and
 * mean nothing once an instruction is added or removed: only the finding reads them, before anything is written.
 */
record SourceFrames(MethodNode m, Frame<SourceValue>[] frames) {
    /** The frames of {@code m}, or null with the error reported when ASM cannot analyse it. */
    static SourceFrames of(ClassNode host, MethodNode m, Diagnostics diagnostics) {
        try {
            return analyze(host.name, m);
        } catch (AnalyzerException e) {
            diagnostics.cannotAnalyse(m, e);
            return null;
        }
    }

    /** The frames of {@code m}, a method of class {@code owner}. */
    static SourceFrames analyze(String owner, MethodNode m) throws AnalyzerException {
        return new SourceFrames(m, new Analyzer<>(new SourceInterpreter()).analyze(owner, m));
    }

    /** The frame before {@code n}; null where the code is unreachable. */
    Frame<SourceValue> at(AbstractInsnNode n) {
        return frames[m.instructions.indexOf(n)];
    }

    /** The value on top of the operand stack before {@code n}; null where the code is unreachable. */
    SourceValue top(AbstractInsnNode n) {
        Frame<SourceValue> f = at(n);
        return f == null ? null : f.getStack(f.getStackSize() - 1);
    }

    /** The stores that may have written {@code slot} before {@code n}, which must be reachable. */
    Set<AbstractInsnNode> writersOf(int slot, AbstractInsnNode n) {
        return at(n).getLocal(slot).insns;
    }

    /** The one instruction that produced {@code v}, or null if there may be several. */
    static AbstractInsnNode single(SourceValue v) {
        return v.insns.size() == 1 ? v.insns.iterator().next() : null;
    }
}
