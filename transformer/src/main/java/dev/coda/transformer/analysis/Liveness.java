package dev.coda.transformer.analysis;

import java.util.ArrayDeque;
import java.util.BitSet;
import java.util.Deque;
import java.util.List;
import org.objectweb.asm.Opcodes;
import org.objectweb.asm.tree.AbstractInsnNode;
import org.objectweb.asm.tree.IincInsnNode;
import org.objectweb.asm.tree.MethodNode;
import org.objectweb.asm.tree.VarInsnNode;

/**
 * Which local slots are live (may be read before being written) on entry to each instruction: a backward
 * data-flow fixpoint over {@link ControlFlow}. An exception edge makes everything live at the handler live at
 * the throwing instruction, whatever that instruction writes, since it may throw before the write.
 * A long or double is tracked by its first slot; storing one kills both of its slots.
 */
public final class Liveness {
    private Liveness() {}

    public static BitSet[] liveIn(MethodNode m, ControlFlow flow) {
        int size = m.instructions.size();
        AbstractInsnNode[] insns = m.instructions.toArray();
        BitSet[] in = new BitSet[size];
        for (int i = 0; i < size; i++) in[i] = new BitSet();
        @SuppressWarnings("unchecked")
        List<Integer>[] predecessors = new List[size];
        for (int i = 0; i < size; i++) predecessors[i] = new java.util.ArrayList<>(2);
        for (int i = 0; i < size; i++) {
            for (int s : flow.normal[i]) predecessors[s].add(i);
            for (int s : flow.exceptional[i]) predecessors[s].add(i);
        }
        Deque<Integer> work = new ArrayDeque<>();
        boolean[] queued = new boolean[size];
        for (int i = size - 1; i >= 0; i--) {
            work.add(i);
            queued[i] = true;
        }
        while (!work.isEmpty()) {
            int i = work.poll();
            queued[i] = false;
            BitSet live = new BitSet();
            for (int s : flow.normal[i]) live.or(in[s]);
            kill(insns[i], live);
            use(insns[i], live);
            for (int s : flow.exceptional[i]) live.or(in[s]);
            if (!live.equals(in[i])) {
                in[i] = live;
                for (int p : predecessors[i]) {
                    if (!queued[p]) {
                        queued[p] = true;
                        work.add(p);
                    }
                }
            }
        }
        return in;
    }

    private static void kill(AbstractInsnNode insn, BitSet live) {
        int op = insn.getOpcode();
        if (op >= Opcodes.ISTORE && op <= Opcodes.ASTORE) {
            int var = ((VarInsnNode) insn).var;
            live.clear(var);
            if (op == Opcodes.LSTORE || op == Opcodes.DSTORE) live.clear(var + 1);
        }
    }

    private static void use(AbstractInsnNode insn, BitSet live) {
        int op = insn.getOpcode();
        if (op >= Opcodes.ILOAD && op <= Opcodes.ALOAD || op == Opcodes.RET) {
            live.set(((VarInsnNode) insn).var);
        } else if (op == Opcodes.IINC) {
            live.set(((IincInsnNode) insn).var);
        }
    }
}
