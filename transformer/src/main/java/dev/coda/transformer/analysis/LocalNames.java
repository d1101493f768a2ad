package dev.coda.transformer.analysis;

import org.objectweb.asm.Opcodes;
import org.objectweb.asm.Type;
import org.objectweb.asm.tree.AbstractInsnNode;
import org.objectweb.asm.tree.LocalVariableNode;
import org.objectweb.asm.tree.MethodNode;

/**
 * The source names of a method's locals and parameters, from its LocalVariableTable and MethodParameters
 * attributes. Without either (a class compiled without {@code -g} or {@code -parameters}) there is no name: callers
 * say what stands in for one.
 */
public final class LocalNames {
    private LocalNames() {}

    /** The LocalVariableTable entry of {@code slot} whose range covers {@code at}, or null. */
    public static LocalVariableNode variableAt(MethodNode m, int slot, AbstractInsnNode at) {
        if (m.localVariables == null) return null;
        int pos = m.instructions.indexOf(at);
        for (LocalVariableNode v : m.localVariables) {
            if (v.index == slot && m.instructions.indexOf(v.start) <= pos && pos < m.instructions.indexOf(v.end)) {
                return v;
            }
        }
        return null;
    }

    /** The entry of the variable that {@code store} writes: the one of its slot in force just after it, or null. */
    public static LocalVariableNode storedBy(MethodNode m, int slot, AbstractInsnNode store) {
        return variableAt(m, slot, RealInstructions.next(store));
    }

    /** The name of {@code variable}, or {@code local<slot>} without one. */
    public static String nameOr(LocalVariableNode variable, int slot) {
        return variable != null ? variable.name : "local" + slot;
    }

    /** The first slot of parameter {@code index} of {@code m}: after the receiver, if any, and the earlier ones. */
    public static int parameterSlot(MethodNode m, int index) {
        Type[] args = Type.getArgumentTypes(m.desc);
        int slot = (m.access & Opcodes.ACC_STATIC) != 0 ? 0 : 1;
        for (int i = 0; i < index; i++) slot += args[i].getSize();
        return slot;
    }

    /**
     * What generated members (a spill field, a drop flag) call parameter {@code index} (in {@code slot}): its name
     * ({@link #parameterName}), or {@code arg} and its index without one, as reflection names it.
     */
    public static String memberName(MethodNode m, int index, int slot) {
        String name = parameterName(m, index, slot);
        return name != null ? name : "arg" + index;
    }

    /**
     * The name of parameter {@code index} (in {@code slot}), or null: the LocalVariableTable entry of its slot that
     * starts first (compilers never reuse a parameter's slot, and code the lower stage adds may name it again
     * further on), else its MethodParameters name.
     */
    public static String parameterName(MethodNode m, int index, int slot) {
        LocalVariableNode first = null;
        if (m.localVariables != null) {
            for (LocalVariableNode v : m.localVariables) {
                if (v.index != slot) continue;
                if (first == null || m.instructions.indexOf(v.start) < m.instructions.indexOf(first.start)) first = v;
            }
        }
        if (first != null) return first.name;
        if (m.parameters != null && index < m.parameters.size()) return m.parameters.get(index).name;
        return null;
    }
}
