package dev.coda.transformer.select;

import java.util.List;
import org.objectweb.asm.tree.MethodInsnNode;
import org.objectweb.asm.tree.MethodNode;

/**
 * A method that becomes a state machine: an {@code @Async} function, or an async block (a lambda body or an
 * anonymous-class method that awaits and returns a task type).
 *
 * @param awaits          the {@code Coda.await} calls, and once lowered the await markers the lower stage writes, in
 *                        code order
 * @param ownedParameters the indices in the descriptor of the {@code @Owned} parameters, ascending
 */
public record AsyncMethod(MethodNode method, Kind kind, ReturnKind returnKind, List<MethodInsnNode> awaits,
                          List<Integer> ownedParameters) {
    public enum Kind { FUNCTION, BLOCK }
}
