package dev.coda.transformer.analysis;

import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.Deque;
import org.objectweb.asm.Opcodes;
import org.objectweb.asm.tree.AbstractInsnNode;
import org.objectweb.asm.tree.MethodNode;

/**
 * How many monitors are held on entry to each instruction, by a forward walk of {@link ControlFlow}: an await
 * where this is positive sits inside a {@code synchronized} block. An exception edge carries the depth before the
 * throwing instruction; where paths disagree the larger depth wins, which can only over-report.
 */
final class MonitorDepth {
    /** Unbalanced monitor code in a loop must not count up forever. */
    private static final int MAX_TRACKED = 255;

    private MonitorDepth() {}

    static int[] of(MethodNode m, ControlFlow flow) {
        int size = m.instructions.size();
        AbstractInsnNode[] insns = m.instructions.toArray();
        int[] depth = new int[size];
        Arrays.fill(depth, -1);
        if (size == 0) return depth;
        Deque<Integer> work = new ArrayDeque<>();
        depth[0] = 0;
        work.add(0);
        while (!work.isEmpty()) {
            int i = work.poll();
            int after = depth[i];
            if (insns[i].getOpcode() == Opcodes.MONITORENTER) after = Math.min(after + 1, MAX_TRACKED);
            else if (insns[i].getOpcode() == Opcodes.MONITOREXIT) after = Math.max(0, after - 1);
            for (int s : flow.normal[i]) propagate(depth, work, s, after);
            for (int s : flow.exceptional[i]) propagate(depth, work, s, depth[i]);
        }
        return depth;
    }

    private static void propagate(int[] depth, Deque<Integer> work, int s, int value) {
        if (value > depth[s]) {
            depth[s] = value;
            work.add(s);
        }
    }
}
