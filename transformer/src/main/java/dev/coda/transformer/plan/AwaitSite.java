package dev.coda.transformer.plan;

import java.util.List;
import org.objectweb.asm.tree.MethodInsnNode;

/**
 * One {@code Coda.await} call and what must survive its suspension.
 *
 * @param state  the resume label of this site (1-based; 0 is the function entry)
 * @param stage  true for {@code await(CompletionStage)}, which is adapted to a Task first
 * @param locals live locals, by slot
 * @param stack  the operand stack below the awaited task, bottom first
 * @param line   the source line of the call, for the suspension code's line entry
 */
public record AwaitSite(int state, MethodInsnNode insn, boolean stage, List<Spill> locals, List<Spill> stack,
                        int line) {}
