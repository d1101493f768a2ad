package dev.coda.transformer.analysis;

import java.util.HashSet;
import java.util.Set;
import org.objectweb.asm.tree.AbstractInsnNode;
import org.objectweb.asm.tree.JumpInsnNode;
import org.objectweb.asm.tree.LabelNode;
import org.objectweb.asm.tree.LookupSwitchInsnNode;
import org.objectweb.asm.tree.MethodNode;
import org.objectweb.asm.tree.TableSwitchInsnNode;
import org.objectweb.asm.tree.TryCatchBlockNode;

/** The labels of a method that control can reach other than by falling through: jump, switch and handler targets. */
public final class BranchTargets {
    private BranchTargets() {}

    public static Set<LabelNode> of(MethodNode m) {
        Set<LabelNode> targets = new HashSet<>();
        for (AbstractInsnNode n = m.instructions.getFirst(); n != null; n = n.getNext()) {
            if (n instanceof JumpInsnNode) {
                targets.add(((JumpInsnNode) n).label);
            } else if (n instanceof TableSwitchInsnNode) {
                targets.add(((TableSwitchInsnNode) n).dflt);
                targets.addAll(((TableSwitchInsnNode) n).labels);
            } else if (n instanceof LookupSwitchInsnNode) {
                targets.add(((LookupSwitchInsnNode) n).dflt);
                targets.addAll(((LookupSwitchInsnNode) n).labels);
            }
        }
        for (TryCatchBlockNode tc : m.tryCatchBlocks) targets.add(tc.handler);
        return targets;
    }

    /** Whether one of {@code targets} stands between {@code from} (inclusive) and {@code to}: another way in. */
    public static boolean between(AbstractInsnNode from, AbstractInsnNode to, Set<LabelNode> targets) {
        for (AbstractInsnNode n = from; n != to; n = n.getNext()) if (targets.contains(n)) return true;
        return false;
    }
}
