package dev.coda.transformer.lower;

import static org.objectweb.asm.Opcodes.*;

import dev.coda.transformer.analysis.RealInstructions;
import java.util.function.Predicate;
import org.objectweb.asm.tree.AbstractInsnNode;
import org.objectweb.asm.tree.InsnList;
import org.objectweb.asm.tree.JumpInsnNode;
import org.objectweb.asm.tree.LabelNode;
import org.objectweb.asm.tree.LookupSwitchInsnNode;
import org.objectweb.asm.tree.MethodNode;
import org.objectweb.asm.tree.TableSwitchInsnNode;

/**
 * Makes every jump out of a stretch of code a {@code goto}: a conditional jump or a switch arm that leaves it is
 * sent to a {@code goto} placed inside it, so that code run only on the way out has a straight line of its own
 * before that {@code goto}. The jumps keep their targets; it writes no glue and touches no exception table entry.
 */
final class ExitJumps {
    private ExitJumps() {}

    /** Conditional jumps and switch arms of {@code inside} that leave it become a jump to a {@code goto}, inside it. */
    static void split(MethodNode m, Predicate<AbstractInsnNode> inside) {
        for (AbstractInsnNode n : m.instructions.toArray()) {
            if (n.getOpcode() < 0 || !inside.test(n)) continue;
            if (n instanceof JumpInsnNode jump && n.getOpcode() != GOTO) {
                if (inside.test(jump.label)) continue;
                LabelNode stay = new LabelNode();
                InsnList out = new InsnList();
                out.add(new JumpInsnNode(GOTO, jump.label));
                out.add(stay);
                // The jump may end the stretch, both of its ways leading out (ECJ's `if (c) continue;` at the end of a
                // loop body): then staying is an exit too, made a goto like the other.
                AbstractInsnNode next = RealInstructions.next(jump);
                if (next != null && !inside.test(next)) out.add(new JumpInsnNode(GOTO, labelBefore(m, next)));
                jump.setOpcode(inverse(jump.getOpcode()));
                jump.label = stay;
                m.instructions.insert(jump, out);
            } else if (n instanceof TableSwitchInsnNode s) {
                s.dflt = viaGoto(m, inside, s, s.dflt);
                s.labels.replaceAll(target -> viaGoto(m, inside, s, target));
            } else if (n instanceof LookupSwitchInsnNode s) {
                s.dflt = viaGoto(m, inside, s, s.dflt);
                s.labels.replaceAll(target -> viaGoto(m, inside, s, target));
            }
        }
    }

    /** The label right before {@code insn}: an existing one, or one inserted there. */
    private static LabelNode labelBefore(MethodNode m, AbstractInsnNode insn) {
        if (insn.getPrevious() instanceof LabelNode label) return label;
        LabelNode label = new LabelNode();
        m.instructions.insertBefore(insn, label);
        return label;
    }

    /** A switch target outside the stretch becomes a {@code goto} placed right after the switch. */
    private static LabelNode viaGoto(MethodNode m, Predicate<AbstractInsnNode> inside, AbstractInsnNode sw,
                                     LabelNode target) {
        if (inside.test(target)) return target;
        LabelNode stub = new LabelNode();
        InsnList out = new InsnList();
        out.add(stub);
        out.add(new JumpInsnNode(GOTO, target));
        m.instructions.insert(sw, out);
        return stub;
    }

    private static int inverse(int opcode) {
        return switch (opcode) {
            case IFEQ -> IFNE; case IFNE -> IFEQ; case IFLT -> IFGE; case IFGE -> IFLT; case IFGT -> IFLE;
            case IFLE -> IFGT; case IF_ICMPEQ -> IF_ICMPNE; case IF_ICMPNE -> IF_ICMPEQ; case IF_ICMPLT -> IF_ICMPGE;
            case IF_ICMPGE -> IF_ICMPLT; case IF_ICMPGT -> IF_ICMPLE; case IF_ICMPLE -> IF_ICMPGT;
            case IF_ACMPEQ -> IF_ACMPNE; case IF_ACMPNE -> IF_ACMPEQ; case IFNULL -> IFNONNULL; case IFNONNULL -> IFNULL;
            default -> throw new IllegalArgumentException("not a conditional jump: " + opcode);
        };
    }
}
