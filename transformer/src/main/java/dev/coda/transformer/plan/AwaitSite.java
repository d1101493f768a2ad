package dev.coda.transformer.plan;

import dev.coda.transformer.CodaNames;
import java.util.List;
import org.objectweb.asm.tree.MethodInsnNode;

/**
 * One await and what must survive its suspension.
 *
 * @param state  the resume label of this site (1-based; 0 is the function entry)
 * @param kind   what kind of await this is
 * @param locals live locals, by slot
 * @param stack  the operand stack below the awaited task, bottom first
 * @param line   the source line of the call, for the suspension code's line entry
 */
public record AwaitSite(int state, MethodInsnNode insn, Kind kind, List<Spill> locals, List<Spill> stack,
                        int line) {

    public enum Kind {
        /** {@code Coda.await(Task)}. */
        TASK,
        /** {@code Coda.await(CompletionStage)}, adapted to a Task first. */
        STAGE,
        /** An await whose value goes straight into an owned variable: a value in transit is dropped on cancel. */
        OWNED,
        /** An await of drop glue: never a point where a cancellation is delivered. */
        CLEANUP;

        public static Kind of(MethodInsnNode await) {
            if (await.name.equals(CodaNames.AWAIT_CLEANUP)) return CLEANUP;
            if (await.name.equals(CodaNames.AWAIT_OWNED)) return OWNED;
            return await.desc.equals(CodaNames.AWAIT_STAGE_DESC) ? STAGE : TASK;
        }
    }
}
