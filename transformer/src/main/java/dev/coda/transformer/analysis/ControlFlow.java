package dev.coda.transformer.analysis;

import java.util.ArrayList;
import java.util.List;
import org.objectweb.asm.tree.MethodNode;
import org.objectweb.asm.tree.TryCatchBlockNode;
import org.objectweb.asm.tree.analysis.Analyzer;
import org.objectweb.asm.tree.analysis.AnalyzerException;
import org.objectweb.asm.tree.analysis.BasicInterpreter;
import org.objectweb.asm.tree.analysis.BasicValue;
import org.objectweb.asm.tree.analysis.Frame;

/**
 * Successor edges between instruction indices. Normal edges are ASM's {@link Analyzer}'s. Exception edges follow
 * the JVM's first-match rule: the exception table is searched in order, so once a catch-all entry (javac's
 * {@code finally} and {@code synchronized} handlers, or {@code catch (Throwable)}) covers an instruction, later
 * entries covering it are never reached from it. ASM's own exception edges go to every covering handler, which
 * would, for instance, carry a held monitor into a {@code catch} around a {@code synchronized} block.
 */
public final class ControlFlow {
    public final List<Integer>[] normal;
    public final List<Integer>[] exceptional;
    public final boolean[] reachable;

    @SuppressWarnings("unchecked")
    private ControlFlow(int size) {
        normal = new List[size];
        exceptional = new List[size];
        reachable = new boolean[size];
        for (int i = 0; i < size; i++) {
            normal[i] = new ArrayList<>(2);
            exceptional[i] = new ArrayList<>(1);
        }
    }

    public static ControlFlow of(String owner, MethodNode m) throws AnalyzerException {
        ControlFlow flow = new ControlFlow(m.instructions.size());
        Analyzer<BasicValue> analyzer = new Analyzer<>(new BasicInterpreter()) {
            @Override
            protected void newControlFlowEdge(int insn, int successor) {
                if (!flow.normal[insn].contains(successor)) flow.normal[insn].add(successor);
            }
        };
        // Reachable: what the data flow reaches from the entry. Not what the class file's stack map frames cover:
        // ECJ writes frames for code it knows to be dead (an else of a condition it folded, like null == null).
        Frame<BasicValue>[] frames = analyzer.analyze(owner, m);
        for (int i = 0; i < frames.length; i++) flow.reachable[i] = frames[i] != null;
        for (int i = 0; i < flow.reachable.length; i++) {
            if (!flow.reachable[i]) continue;
            for (TryCatchBlockNode tc : m.tryCatchBlocks) {
                int start = m.instructions.indexOf(tc.start);
                int end = m.instructions.indexOf(tc.end);
                if (i < start || i >= end) continue;
                int handler = m.instructions.indexOf(tc.handler);
                if (!flow.exceptional[i].contains(handler)) flow.exceptional[i].add(handler);
                if (catchesAll(tc)) break;
            }
        }
        return flow;
    }

    /** An entry for every exception: untyped ({@code finally}, {@code synchronized}) or for Throwable. */
    public static boolean catchesAll(TryCatchBlockNode entry) {
        return entry.type == null || entry.type.equals("java/lang/Throwable");
    }
}
