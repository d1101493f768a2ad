package dev.coda.transformer.lower;

import static org.objectweb.asm.Opcodes.ACONST_NULL;
import static org.objectweb.asm.Opcodes.ASTORE;

import dev.coda.transformer.analysis.ControlFlow;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.function.BiConsumer;
import org.objectweb.asm.tree.AbstractInsnNode;
import org.objectweb.asm.tree.MethodNode;
import org.objectweb.asm.tree.VarInsnNode;
import org.objectweb.asm.tree.analysis.SourceValue;

/**
 * Rejects a store into an {@code @Owned} variable where it may still hold a live value, and finds the stores in its
 * scope, which set its flag too. A forward pass over the scope tracks whether the flag may be set: a declaration or
 * a store sets it, a move clears it, and a store where it may be set is an error. It tracks no values: only a
 * constant {@code null} counts as storing nothing, so storing what is null at run time over a live value is refused.
 */
final class AssignmentCheck {
    private AssignmentCheck() {}

    /**
     * The stores into {@code v} in its scope other than its declarations, each assignment over a possibly live value
     * reported to {@code error} once. {@code v} is as found: its stores are its declarations.
     */
    static List<AbstractInsnNode> assignments(OwnedVariable v, ControlFlow flow, SourceFrames frames, String where,
                                              BiConsumer<AbstractInsnNode, String> error) {
        MethodNode m = frames.m();
        int size = m.instructions.size();
        boolean[] seen = new boolean[size];
        boolean[] maybe = new boolean[size];
        Deque<Integer> work = new ArrayDeque<>();
        if (v.kind() == OwnedVariable.Kind.PARAMETER) {
            enter(0, true, seen, maybe, work);
        } else {
            for (AbstractInsnNode d : v.stores()) enter(m.instructions.indexOf(d) + 1, !storesNull(frames, d), seen, maybe, work);
        }
        Set<AbstractInsnNode> reported = new LinkedHashSet<>();
        List<AbstractInsnNode> assignments = new ArrayList<>();
        while (!work.isEmpty()) {
            int i = work.poll();
            AbstractInsnNode n = m.instructions.get(i);
            boolean out = maybe[i];
            if (v.moves().contains(n)) {
                out = false;
            } else if (n.getOpcode() == ASTORE && ((VarInsnNode) n).var == v.slot() && !v.stores().contains(n)) {
                if (maybe[i] && reported.add(n)) {
                    error.accept(n, "assignment to " + v.described() + " in " + where + ", which may still hold a "
                            + "live value; move the old value out first with "
                            + (v.named() ? "Coda.move(" + v.name() + ")" : "Coda.move") + ", or declare a new variable");
                }
                if (!assignments.contains(n)) assignments.add(n);
                out = !storesNull(frames, n);
            }
            for (int next : flow.normal[i]) if (inScope(v, m, next)) enter(next, out, seen, maybe, work);
            for (int next : flow.exceptional[i]) if (inScope(v, m, next)) enter(next, maybe[i], seen, maybe, work);
        }
        return assignments;
    }

    private static void enter(int i, boolean value, boolean[] seen, boolean[] maybe, Deque<Integer> work) {
        if (i >= seen.length) return;
        if (seen[i] && (maybe[i] || !value)) return;
        seen[i] = true;
        maybe[i] |= value;
        work.add(i);
    }

    private static boolean storesNull(SourceFrames frames, AbstractInsnNode store) {
        SourceValue v = frames.top(store);
        return v != null && v.insns.size() == 1 && v.insns.iterator().next().getOpcode() == ACONST_NULL;
    }

    private static boolean inScope(OwnedVariable v, MethodNode m, int index) {
        return v.kind() == OwnedVariable.Kind.PARAMETER || v.inRanges(m.instructions, m.instructions.get(index));
    }
}
