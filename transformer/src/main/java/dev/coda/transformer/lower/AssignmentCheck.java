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
 * a store sets it, a move or an explicit close clears it, and a store where it may be set is an error. It tracks too
 * whether the value may be gone (moved or closed on some way here): a move where it may be is an error, since the
 * variable still holds the reference and the value would get a second owner. It tracks no values: only a
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
        State state = new State(size);
        if (v.kind() == OwnedVariable.Kind.PARAMETER) {
            state.enter(0, true, false);
        } else {
            for (AbstractInsnNode d : v.stores()) {
                state.enter(m.instructions.indexOf(d) + 1, !storesNull(frames, d), false);
            }
        }
        Set<AbstractInsnNode> reported = new LinkedHashSet<>();
        List<AbstractInsnNode> assignments = new ArrayList<>();
        while (!state.work.isEmpty()) {
            int i = state.work.poll();
            AbstractInsnNode n = m.instructions.get(i);
            boolean live = state.live[i];
            boolean gone = state.gone[i];
            if (v.moves().contains(n) && gone && reported.add(n)) {
                error.accept(n, "Coda.move of " + v.described() + " in " + where + ", which may have been moved or "
                        + "closed already on a way here, so its value would have two owners; move it once on each "
                        + "way, or declare a new variable for the next value");
            }
            if (v.moves().contains(n) || v.closes().contains(n)) { // a close is a drop: nothing live is left
                live = false;
                gone = true;
            } else if (n.getOpcode() == ASTORE && ((VarInsnNode) n).var == v.slot() && !v.stores().contains(n)) {
                if (state.live[i] && reported.add(n)) {
                    error.accept(n, "assignment to " + v.described() + " in " + where + ", which may still hold a "
                            + "live value; move the old value out first with "
                            + (v.named() ? "Coda.move(" + v.name() + ")" : "Coda.move") + ", or declare a new variable");
                }
                if (!assignments.contains(n)) assignments.add(n);
                live = !storesNull(frames, n);
                gone = false;
            }
            for (int next : flow.normal[i]) if (inScope(v, m, next)) state.enter(next, live, gone);
            for (int next : flow.exceptional[i]) {
                if (inScope(v, m, next)) state.enter(next, state.live[i], state.gone[i]);
            }
        }
        return assignments;
    }

    /**
     * Per instruction, before it: whether the variable may hold a live value (its flag may be set), and whether it
     * may hold none any more (moved or closed on some way here); the instructions whose state grew, to visit.
     */
    private static final class State {
        final boolean[] seen;
        final boolean[] live;
        final boolean[] gone;
        final Deque<Integer> work = new ArrayDeque<>();

        State(int size) {
            seen = new boolean[size];
            live = new boolean[size];
            gone = new boolean[size];
        }

        void enter(int i, boolean mayBeLive, boolean mayBeGone) {
            if (i >= seen.length) return;
            if (seen[i] && (live[i] || !mayBeLive) && (gone[i] || !mayBeGone)) return;
            seen[i] = true;
            live[i] |= mayBeLive;
            gone[i] |= mayBeGone;
            work.add(i);
        }
    }

    private static boolean storesNull(SourceFrames frames, AbstractInsnNode store) {
        SourceValue v = frames.top(store);
        return v != null && v.insns.size() == 1 && v.insns.iterator().next().getOpcode() == ACONST_NULL;
    }

    private static boolean inScope(OwnedVariable v, MethodNode m, int index) {
        return v.kind() == OwnedVariable.Kind.PARAMETER || v.inRanges(m.instructions, m.instructions.get(index));
    }
}
