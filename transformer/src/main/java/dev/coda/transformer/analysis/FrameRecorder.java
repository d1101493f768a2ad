package dev.coda.transformer.analysis;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.objectweb.asm.Handle;
import org.objectweb.asm.Label;
import org.objectweb.asm.Opcodes;
import org.objectweb.asm.commons.AnalyzerAdapter;
import org.objectweb.asm.tree.AbstractInsnNode;
import org.objectweb.asm.tree.MethodNode;
import org.objectweb.asm.tree.TypeInsnNode;

/**
 * The verifier types of locals and operand stack before every instruction, propagated from the method's own
 * (expanded) stack map frames by ASM's {@link AnalyzerAdapter}. Because javac already recorded a frame at every
 * merge point, no two types ever need merging here, so no class hierarchy is consulted and nothing is loaded.
 *
 * <p>Types use AnalyzerAdapter's encoding: {@link Opcodes#INTEGER} and friends, {@link Opcodes#NULL},
 * {@link Opcodes#TOP}, internal names, and {@link Label}s for objects created by a {@code NEW} but not yet
 * initialised. A long or double is followed by a TOP entry.
 */
public final class FrameRecorder extends AnalyzerAdapter {
    private final AbstractInsnNode[] realInsns;
    private final MethodNode method;
    private int next;

    /** Per instruction index: locals and stack before it, or null where the code is unreachable. */
    final Object[][] locals;
    final Object[][] stack;
    /** The NEW instruction that created each uninitialised value. */
    final Map<Label, TypeInsnNode> newSites = new HashMap<>();

    private FrameRecorder(String owner, MethodNode m, AbstractInsnNode[] realInsns) {
        super(Opcodes.ASM9, owner, m.access, m.name, m.desc, null);
        this.method = m;
        this.realInsns = realInsns;
        this.locals = new Object[m.instructions.size()][];
        this.stack = new Object[m.instructions.size()][];
    }

    public static FrameRecorder record(String owner, MethodNode m) {
        AbstractInsnNode[] real = new AbstractInsnNode[m.instructions.size()];
        int count = 0;
        for (AbstractInsnNode n = m.instructions.getFirst(); n != null; n = n.getNext()) {
            if (n.getOpcode() >= 0) real[count++] = n;
        }
        FrameRecorder recorder = new FrameRecorder(owner, m, java.util.Arrays.copyOf(real, count));
        m.accept(recorder);
        return recorder;
    }

    private AbstractInsnNode capture() {
        AbstractInsnNode insn = realInsns[next++];
        int index = method.instructions.indexOf(insn);
        if (super.locals != null) {
            locals[index] = snapshot(super.locals);
            stack[index] = snapshot(super.stack);
        }
        return insn;
    }

    /** The operand stack before {@code insn}, bottom first, or null where the code is unreachable. */
    public Object[] stackBefore(AbstractInsnNode insn) {
        return stack[method.instructions.indexOf(insn)];
    }

    private static Object[] snapshot(List<Object> values) {
        return values.toArray();
    }

    @Override public void visitInsn(int opcode) { capture(); super.visitInsn(opcode); }
    @Override public void visitIntInsn(int opcode, int operand) { capture(); super.visitIntInsn(opcode, operand); }
    @Override public void visitVarInsn(int opcode, int var) { capture(); super.visitVarInsn(opcode, var); }
    @Override public void visitFieldInsn(int o, String w, String n, String d) { capture(); super.visitFieldInsn(o, w, n, d); }
    @Override public void visitMethodInsn(int o, String w, String n, String d, boolean i) { capture(); super.visitMethodInsn(o, w, n, d, i); }
    @Override public void visitInvokeDynamicInsn(String n, String d, Handle h, Object... a) { capture(); super.visitInvokeDynamicInsn(n, d, h, a); }
    @Override public void visitJumpInsn(int opcode, Label label) { capture(); super.visitJumpInsn(opcode, label); }
    @Override public void visitLdcInsn(Object value) { capture(); super.visitLdcInsn(value); }
    @Override public void visitIincInsn(int var, int increment) { capture(); super.visitIincInsn(var, increment); }
    @Override public void visitTableSwitchInsn(int min, int max, Label dflt, Label... labels) { capture(); super.visitTableSwitchInsn(min, max, dflt, labels); }
    @Override public void visitLookupSwitchInsn(Label dflt, int[] keys, Label[] labels) { capture(); super.visitLookupSwitchInsn(dflt, keys, labels); }
    @Override public void visitMultiANewArrayInsn(String d, int dims) { capture(); super.visitMultiANewArrayInsn(d, dims); }

    @Override
    public void visitTypeInsn(int opcode, String type) {
        AbstractInsnNode insn = capture();
        super.visitTypeInsn(opcode, type);
        if (opcode == Opcodes.NEW && super.stack != null) {
            newSites.put((Label) super.stack.get(super.stack.size() - 1), (TypeInsnNode) insn);
        }
    }
}
