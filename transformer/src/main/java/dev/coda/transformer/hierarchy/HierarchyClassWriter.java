package dev.coda.transformer.hierarchy;

import org.objectweb.asm.ClassWriter;

/** A ClassWriter that computes frames from a {@link ClassHierarchy} instead of loading classes. */
public final class HierarchyClassWriter extends ClassWriter {
    private final ClassHierarchy hierarchy;

    public HierarchyClassWriter(ClassHierarchy hierarchy) {
        super(COMPUTE_FRAMES | COMPUTE_MAXS);
        this.hierarchy = hierarchy;
    }

    @Override
    protected String getCommonSuperClass(String type1, String type2) {
        return hierarchy.commonSuperClass(type1, type2);
    }

    @Override
    protected ClassLoader getClassLoader() {
        throw new UnsupportedOperationException("the transformer never loads classes");
    }
}
