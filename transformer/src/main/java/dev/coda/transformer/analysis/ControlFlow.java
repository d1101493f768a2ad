package dev.coda.transformer.analysis;

import java.util.ArrayList;
import java.util.List;
import org.objectweb.asm.tree.MethodNode;
import org.objectweb.asm.tree.analysis.Analyzer;
import org.objectweb.asm.tree.analysis.AnalyzerException;
import org.objectweb.asm.tree.analysis.BasicInterpreter;
import org.objectweb.asm.tree.analysis.BasicValue;

/** Successor edges between instruction indices, normal and exceptional, as ASM's {@link Analyzer} walks them. */
final class ControlFlow {
    final List<Integer>[] normal;
    final List<Integer>[] exceptional;
    final boolean[] reachable;

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

    static ControlFlow of(String owner, MethodNode m) throws AnalyzerException {
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
                if (!flow.exceptional[insn].contains(successor)) flow.exceptional[insn].add(successor);
                return true;
            }
        };
        analyzer.analyze(owner, m);
        return flow;
    }
}
