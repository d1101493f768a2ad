package dev.coda.transformer.hierarchy;

import org.objectweb.asm.ClassWriter;

/** A ClassWriter that computes frames from a {@link ClassHierarchy} instead of loading classes. */
public final class HierarchyClassWriter extends ClassWriter {
    /** ASM's default: 10 MiB. */
    private static final int MEMORY_LIMIT = 10 << 20;
    /** Ten times ASM's default (see the constructor). */
    private static final long OPERATIONS_LIMIT = 1_000_000_000L;
    private final ClassHierarchy hierarchy;

    public HierarchyClassWriter(ClassHierarchy hierarchy) {
        super(COMPUTE_FRAMES | COMPUTE_MAXS);
        // ASM's default bound on the work of computing frames (100 million operations) guards against hostile
        // input; the input here is the application's own code, and a rewritten body of a few hundred lines with
        // nested finally blocks, as ECJ writes them, can need more. Ten times the default is still a bound.
        setComputeLimits(MEMORY_LIMIT, OPERATIONS_LIMIT);
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
