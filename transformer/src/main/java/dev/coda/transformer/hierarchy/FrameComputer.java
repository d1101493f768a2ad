package dev.coda.transformer.hierarchy;

import org.objectweb.asm.ClassReader;
import org.objectweb.asm.tree.ClassNode;
import org.objectweb.asm.tree.MethodNode;

/**
 * Computes stack map frames and max stack/locals for one rewritten method, leaving every other method of its
 * class with the frames javac wrote. The method is written alone into a shell of its class with
 * {@code COMPUTE_FRAMES} and read back; only the methods Coda changes then depend on class-hierarchy facts.
 */
public final class FrameComputer {
    private FrameComputer() {}

    /** The same method with fresh frames and maxs. */
    public static MethodNode withFrames(ClassNode owner, MethodNode method, ClassHierarchy hierarchy) {
        HierarchyClassWriter writer = new HierarchyClassWriter(hierarchy);
        writer.visit(owner.version, owner.access, owner.name, null, owner.superName,
                owner.interfaces.toArray(new String[0]));
        method.accept(writer);
        writer.visitEnd();
        ClassNode shell = new ClassNode();
        new ClassReader(writer.toByteArray()).accept(shell, ClassReader.EXPAND_FRAMES);
        return shell.methods.get(0);
    }
}
