package dev.coda.transformer.analysis;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
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
        for (AbstractInsnNode n = m.instructions.getFirst(); n != null; n = n.getNext()) targets.addAll(of(n));
        for (TryCatchBlockNode tc : m.tryCatchBlocks) targets.add(tc.handler);
        return targets;
    }

    /** Where a jump or switch can send control other than by falling through; none for other instructions. */
    public static List<LabelNode> of(AbstractInsnNode n) {
        if (n instanceof JumpInsnNode jump) return List.of(jump.label);
        List<LabelNode> targets = new ArrayList<>();
        if (n instanceof TableSwitchInsnNode s) {
            targets.add(s.dflt);
            targets.addAll(s.labels);
        } else if (n instanceof LookupSwitchInsnNode s) {
            targets.add(s.dflt);
            targets.addAll(s.labels);
        }
        return targets;
    }

    /** Whether one of {@code targets} stands between {@code from} (inclusive) and {@code to}: another way in. */
    public static boolean between(AbstractInsnNode from, AbstractInsnNode to, Set<LabelNode> targets) {
        for (AbstractInsnNode n = from; n != to; n = n.getNext()) if (targets.contains(n)) return true;
        return false;
    }
}
