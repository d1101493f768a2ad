package dev.coda.transformer.analysis;

import java.util.ArrayList;
import java.util.List;
import org.objectweb.asm.tree.MethodNode;
import org.objectweb.asm.tree.TryCatchBlockNode;
import org.objectweb.asm.tree.analysis.Analyzer;
import org.objectweb.asm.tree.analysis.AnalyzerException;
import org.objectweb.asm.tree.analysis.BasicInterpreter;
import org.objectweb.asm.tree.analysis.BasicValue;

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
                flow.reachable[insn] = true;
                if (!flow.normal[insn].contains(successor)) flow.normal[insn].add(successor);
            }

            @Override
            protected boolean newControlFlowExceptionEdge(int insn, int successor) {
                flow.reachable[insn] = true;
                return true;
            }
        };
        analyzer.analyze(owner, m);
        for (int i = 0; i < flow.reachable.length; i++) {
            if (!flow.reachable[i]) continue;
            for (TryCatchBlockNode tc : m.tryCatchBlocks) {
                int start = m.instructions.indexOf(tc.start);
                int end = m.instructions.indexOf(tc.end);
                if (i < start || i >= end) continue;
                int handler = m.instructions.indexOf(tc.handler);
                if (!flow.exceptional[i].contains(handler)) flow.exceptional[i].add(handler);
                if (tc.type == null || tc.type.equals("java/lang/Throwable")) break;
            }
        }
        return flow;
    }
}
