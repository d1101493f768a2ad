package dev.coda.transformer.check;

import dev.coda.transformer.Diagnostic;
import dev.coda.transformer.analysis.Diagnostics;
import dev.coda.transformer.hierarchy.ClassHierarchy;
import dev.coda.transformer.lower.OwnershipLowering;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.objectweb.asm.ClassReader;
import org.objectweb.asm.tree.AbstractInsnNode;
import org.objectweb.asm.tree.ClassNode;
import org.objectweb.asm.tree.MethodInsnNode;
import org.objectweb.asm.tree.MethodNode;

/**
 * A synchronous close of an {@code AsyncCloseable} in ordinary code (try-with-resources or an explicit
 * {@code close()} outside async code) blocks until {@code closeAsync()} completes. Run on a class's final bytes,
 * where every close in async code has already become awaited drop glue, it reports each remaining one, once per
 * source line, as a warning (or an error, when the build asks for that).
 */
public final class BlockingCloses {
    private BlockingCloses() {}

    public static List<Diagnostic> find(byte[] classBytes, ClassHierarchy hierarchy, boolean asErrors) {
        ClassNode c = new ClassNode();
        new ClassReader(classBytes).accept(c, ClassReader.SKIP_FRAMES);
        Diagnostics diagnostics = new Diagnostics(c);
        for (MethodNode m : c.methods) {
            if (m.instructions == null) continue;
            Set<Integer> lines = new HashSet<>();
            for (AbstractInsnNode n = m.instructions.getFirst(); n != null; n = n.getNext()) {
                String type = closedType(n, hierarchy);
                if (type == null || !lines.add(Diagnostics.lineOf(m, n))) continue;
                String message = Diagnostics.describe(c, m) + " closes an AsyncCloseable (" + type.replace('/', '.')
                        + ") synchronously, blocking until its closeAsync() completes (and throwing on a thread that "
                        + "runs a coroutine): close it in an @Async method, where try-with-resources awaits "
                        + "closeAsync(), or await closeAsync() yourself";
                if (asErrors) diagnostics.error(m, n, message);
                else diagnostics.warning(m, n, message);
            }
        }
        return diagnostics.all();
    }

    /** The receiver type of a {@code close()} of an AsyncCloseable, or null. */
    private static String closedType(AbstractInsnNode n, ClassHierarchy hierarchy) {
        try {
            return OwnershipLowering.isAsyncClose(n, hierarchy) ? ((MethodInsnNode) n).owner : null;
        } catch (ClassHierarchy.MissingClassException e) {
            return null; // not on the classpath: nothing is known of it, and javac compiled against it anyway
        }
    }
}
