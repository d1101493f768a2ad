package dev.coda.transformer.analysis;

import org.objectweb.asm.tree.AbstractInsnNode;

/** Walking an instruction list past labels, line numbers and frames, which are not instructions the JVM runs. */
public final class RealInstructions {
    private RealInstructions() {}

    /** The first real instruction after {@code n}, or null. */
    public static AbstractInsnNode next(AbstractInsnNode n) {
        for (AbstractInsnNode x = n.getNext(); x != null; x = x.getNext()) if (x.getOpcode() >= 0) return x;
        return null;
    }

    /** The last real instruction before {@code n}, or null. */
    public static AbstractInsnNode previous(AbstractInsnNode n) {
        for (AbstractInsnNode x = n.getPrevious(); x != null; x = x.getPrevious()) if (x.getOpcode() >= 0) return x;
        return null;
    }
}
