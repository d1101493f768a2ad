package dev.coda.transformer.emit;

import org.objectweb.asm.Opcodes;
import org.objectweb.asm.Type;
import org.objectweb.asm.tree.AbstractInsnNode;
import org.objectweb.asm.tree.FieldInsnNode;
import org.objectweb.asm.tree.InsnNode;
import org.objectweb.asm.tree.IntInsnNode;
import org.objectweb.asm.tree.LdcInsnNode;
import org.objectweb.asm.tree.MethodInsnNode;
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

    static MethodInsnNode invokevirtual(String owner, String name, String desc) {
        return new MethodInsnNode(Opcodes.INVOKEVIRTUAL, owner, name, desc, false);
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
}
