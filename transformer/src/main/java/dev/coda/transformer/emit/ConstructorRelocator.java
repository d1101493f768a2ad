package dev.coda.transformer.emit;

import dev.coda.transformer.analysis.LocalSlots;
import dev.coda.transformer.plan.Relocation;
import org.objectweb.asm.Opcodes;
import org.objectweb.asm.Type;
import org.objectweb.asm.tree.InsnList;
import org.objectweb.asm.tree.InsnNode;
import org.objectweb.asm.tree.LdcInsnNode;
import org.objectweb.asm.tree.MethodNode;
import org.objectweb.asm.tree.TypeInsnNode;

/**
 * Moves the {@code NEW}/{@code DUP} (or the {@code NEW} alone, see {@link Relocation}) of a {@link Relocation} after
 * its arguments:
 * {@code NEW X; DUP; args...; INVOKESPECIAL} becomes {@code init(X); args...; store args; NEW X; DUP; load args;
 * INVOKESPECIAL}, so no uninitialised object is on the stack, or in a local, at an await inside the arguments. {@code NEW} is
 * also what initialises class X (JLS 12.4.1), so where the {@code NEW} stood, {@code Coroutine.initialize(X.class)}
 * now initialises it: X's static initialiser still runs before the arguments are evaluated. After the first time
 * that is a cached lookup, with no allocation.
 */
final class ConstructorRelocator {
    private ConstructorRelocator() {}

    /** Applies {@code r}, parking the arguments in fresh locals of {@code m}. */
    static void relocate(MethodNode m, Relocation r) {
        InsnList code = m.instructions;
        InsnList initialize = new InsnList();
        initialize.add(new LdcInsnNode(Type.getObjectType(r.newInsn().desc)));
        initialize.add(RuntimeCalls.initialize());
        code.insertBefore(r.newInsn(), initialize);
        code.remove(r.newInsn());
        if (r.dup() != null) code.remove(r.dup());
        r.hiddenMoves().forEach(code::remove);
        Type[] args = Type.getArgumentTypes(r.init().desc);
        int[] slots = new int[args.length];
        for (int i = 0; i < args.length; i++) slots[i] = LocalSlots.take(m, args[i].getSize());
        InsnList before = new InsnList();
        for (int i = args.length - 1; i >= 0; i--) before.add(Asm.store(args[i].getDescriptor(), slots[i]));
        before.add(new TypeInsnNode(Opcodes.NEW, r.newInsn().desc));
        if (r.dup() != null) before.add(new InsnNode(Opcodes.DUP)); // none for a discarded object (ECJ)
        for (int i = 0; i < args.length; i++) before.add(Asm.load(args[i].getDescriptor(), slots[i]));
        code.insertBefore(r.init(), before);
    }
}
