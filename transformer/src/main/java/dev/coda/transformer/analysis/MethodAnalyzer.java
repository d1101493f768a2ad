package dev.coda.transformer.analysis;

import dev.coda.transformer.CodaNames;
import dev.coda.transformer.select.AsyncMethod;
import java.util.BitSet;
import org.objectweb.asm.tree.ClassNode;
import org.objectweb.asm.tree.MethodInsnNode;
import org.objectweb.asm.tree.analysis.AnalyzerException;

/**
 * The analysis stage for one async method: frames, control flow, liveness, and the one rejection that needs
 * data flow (an await while a monitor is held). Returns null, with an error reported, when the method cannot
 * become a state machine.
 */
public final class MethodAnalyzer {
    private MethodAnalyzer() {}

    public static MethodAnalysis analyze(ClassNode owner, AsyncMethod async, Diagnostics diagnostics) {
        var m = async.method();
        ControlFlow flow;
        try {
            flow = ControlFlow.of(owner.name, m);
        } catch (AnalyzerException e) {
            diagnostics.cannotAnalyse(m, e);
            return null;
        }
        int[] monitors = MonitorDepth.of(m, flow);
        boolean ok = true;
        boolean dropReported = false; // one scope has glue at each of its exits: say it once
        for (MethodInsnNode await : async.awaits()) {
            if (monitors[m.instructions.indexOf(await)] > 0) {
                boolean drop = await.name.equals(CodaNames.AWAIT_CLEANUP);
                ok = false;
                if (drop && dropReported) continue;
                dropReported |= drop;
                String where = Diagnostics.describe(owner, m);
                diagnostics.error(m, await, drop
                        ? "an owned value is dropped inside a synchronized block in " + where + ", and its "
                                + "close (closeAsync(), or abortAsync(cause) after an exception) would be awaited while the monitor is held: end the scope of the "
                                + "@Owned variable or try-with-resources outside the synchronized block"
                        : "Coda.await inside a synchronized block in " + where + "; a monitor cannot be held across "
                                + "a suspension: move the await out of the synchronized block");
            }
        }
        if (!ok) return null;
        FrameRecorder frames = FrameRecorder.record(owner.name, m);
        BitSet[] live = Liveness.liveIn(m, flow);
        return new MethodAnalysis(m, frames, live, flow.reachable);
    }
}
