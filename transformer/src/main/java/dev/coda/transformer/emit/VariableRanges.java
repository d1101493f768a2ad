package dev.coda.transformer.emit;

import dev.coda.transformer.analysis.ControlFlow;
import dev.coda.transformer.analysis.Liveness;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import org.objectweb.asm.tree.AbstractInsnNode;
import org.objectweb.asm.tree.LabelNode;
import org.objectweb.asm.tree.LocalVariableNode;
import org.objectweb.asm.tree.MethodNode;
import org.objectweb.asm.tree.analysis.AnalyzerException;

/**
 * Splits each entry of a rewritten body's local variable table into the runs of code where its slot is live (read
 * before being written again), as Kotlin does for coroutines. A resumption restores only the locals still live
 * there; another variable's slot then holds whatever the state machine left in it, and a debugger must not show
 * that as the variable. Names, types and slots are kept; line numbers are untouched.
 */
public final class VariableRanges {
    private VariableRanges() {}

    public static void trimToLiveness(String owner, MethodNode m) {
        if (m.localVariables == null || m.localVariables.isEmpty()) return;
        BitSet[] live;
        try {
            live = Liveness.liveIn(m, ControlFlow.of(owner, m));
        } catch (AnalyzerException e) { // the body Coda wrote: a defect, reported as an internal error
            throw new IllegalStateException("cannot analyse the rewritten " + m.name + ": " + e.getMessage(), e);
        }
        AbstractInsnNode[] code = m.instructions.toArray();
        // Positions before any label is inserted: live[] and code[] are indexed by them.
        Map<AbstractInsnNode, Integer> index = new IdentityHashMap<>();
        for (int i = 0; i < code.length; i++) index.put(code[i], i);
        List<LocalVariableNode> trimmed = new ArrayList<>();
        for (LocalVariableNode v : m.localVariables) {
            int from = index.get(v.start);
            int to = index.get(v.end);
            int run = -1;
            for (int i = from; i <= to; i++) {
                boolean visible = i < to && live[i].get(v.index);
                if (visible && run < 0) run = i;
                if (!visible && run >= 0) {
                    trimmed.add(new LocalVariableNode(v.name, v.desc, v.signature, labelAt(m, code[run]),
                            i == to ? v.end : labelAt(m, code[i]), v.index));
                    run = -1;
                }
            }
        }
        m.localVariables = trimmed;
    }

    /** A label just before {@code n}: {@code n} itself, or one inserted. */
    private static LabelNode labelAt(MethodNode m, AbstractInsnNode n) {
        if (n instanceof LabelNode label) return label;
        LabelNode label = new LabelNode();
        m.instructions.insertBefore(n, label);
        return label;
    }
}
