package dev.coda.transformer.emit;

import org.objectweb.asm.Opcodes;
import org.objectweb.asm.Type;
import org.objectweb.asm.tree.AbstractInsnNode;
import org.objectweb.asm.tree.FieldInsnNode;
import org.objectweb.asm.tree.InsnNode;
import org.objectweb.asm.tree.InsnList;
import org.objectweb.asm.tree.IntInsnNode;
import org.objectweb.asm.tree.LdcInsnNode;
import org.objectweb.asm.tree.MethodInsnNode;
import org.objectweb.asm.tree.TypeInsnNode;
import org.objectweb.asm.tree.VarInsnNode;

/** Small instruction factories shared by the emitters. */
final class Asm {
    private Asm() {}

    static VarInsnNode load(String descriptor, int slot) {
        return new VarInsnNode(Type.getType(descriptor).getOpcode(Opcodes.ILOAD), slot);
    }

    static VarInsnNode store(String descriptor, int slot) {
        return new VarInsnNode(Type.getType(descriptor).getOpcode(Opcodes.ISTORE), slot);
    }

    static VarInsnNode aload(int slot) {
        return new VarInsnNode(Opcodes.ALOAD, slot);
    }

    static FieldInsnNode getfield(String owner, String name, String desc) {
        return new FieldInsnNode(Opcodes.GETFIELD, owner, name, desc);
    }

    static FieldInsnNode putfield(String owner, String name, String desc) {
        return new FieldInsnNode(Opcodes.PUTFIELD, owner, name, desc);
    }

    static FieldInsnNode getstatic(String owner, String name, String desc) {
        return new FieldInsnNode(Opcodes.GETSTATIC, owner, name, desc);
    }

    static MethodInsnNode invokevirtual(String owner, String name, String desc) {
        return new MethodInsnNode(Opcodes.INVOKEVIRTUAL, owner, name, desc, false);
    }

    /** A static method of a class (not an interface). */
    static MethodInsnNode invokestatic(String owner, String name, String desc) {
        return new MethodInsnNode(Opcodes.INVOKESTATIC, owner, name, desc, false);
    }

    static InsnNode op(int opcode) {
        return new InsnNode(opcode);
    }

    /** The shortest push of a non-negative int. */
    static AbstractInsnNode iconst(int v) {
        if (v <= 5) return op(Opcodes.ICONST_0 + v);
        if (v <= Byte.MAX_VALUE) return new IntInsnNode(Opcodes.BIPUSH, v);
        if (v <= Short.MAX_VALUE) return new IntInsnNode(Opcodes.SIPUSH, v);
        return new LdcInsnNode(v);
    }

    static boolean isWide(String descriptor) {
        return descriptor.equals("J") || descriptor.equals("D");
    }

    /** Boxes the value of type {@code descriptor} on the stack: a primitive into its wrapper; a reference stays. */
    static void box(InsnList out, String descriptor) {
        Type t = Type.getType(descriptor);
        if (t.getSort() >= Type.ARRAY) return;
        Type wrapper = Type.getObjectType(WRAPPERS[t.getSort()]);
        out.add(invokestatic(wrapper.getInternalName(), "valueOf", Type.getMethodDescriptor(wrapper, t)));
    }

    /** The reverse of {@link #box}: an Object on the stack as a value of type {@code descriptor}. */
    static void unbox(InsnList out, String descriptor) {
        Type t = Type.getType(descriptor);
        if (t.getSort() >= Type.ARRAY) {
            if (!descriptor.equals("Ljava/lang/Object;")) out.add(new TypeInsnNode(Opcodes.CHECKCAST, t.getInternalName()));
            return;
        }
        String wrapper = WRAPPERS[t.getSort()];
        out.add(new TypeInsnNode(Opcodes.CHECKCAST, wrapper));
        out.add(new MethodInsnNode(Opcodes.INVOKEVIRTUAL, wrapper, t.getClassName() + "Value",
                Type.getMethodDescriptor(t), false));
    }

    /** The wrapper class of each primitive sort of {@link Type}. */
    private static final String[] WRAPPERS = {null, "java/lang/Boolean", "java/lang/Character", "java/lang/Byte",
            "java/lang/Short", "java/lang/Integer", "java/lang/Float", "java/lang/Long", "java/lang/Double"};

    /** The zero of type {@code descriptor}: a stand-in for an argument the body does not read. */
    static AbstractInsnNode zero(String descriptor) {
        return switch (descriptor.charAt(0)) {
            case 'J' -> op(Opcodes.LCONST_0);
            case 'F' -> op(Opcodes.FCONST_0);
            case 'D' -> op(Opcodes.DCONST_0);
            case 'L', '[' -> op(Opcodes.ACONST_NULL);
            default -> op(Opcodes.ICONST_0);
        };
    }
}
