package dev.coda.transformer.check;

import dev.coda.transformer.Diagnostic;
import dev.coda.transformer.analysis.Diagnostics;
import dev.coda.transformer.hierarchy.ClassHierarchy;
import dev.coda.transformer.lower.OwnershipLowering;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.objectweb.asm.tree.AbstractInsnNode;
import org.objectweb.asm.tree.ClassNode;
import org.objectweb.asm.tree.MethodInsnNode;
import org.objectweb.asm.tree.MethodNode;

/**
 * A synchronous close of an {@code AsyncCloseable} in ordinary code (try-with-resources or an explicit
 * {@code close()} outside async code) blocks until {@code closeAsync()} completes. Run on a class's final bytes,
 * where every close in async code has already become awaited drop glue, it reports each remaining one, once per
 * source line, as a warning; a build that asks for errors turns them into errors ({@link Diagnostic#asError()}). A try-with-resources is one close in the
 * source however many the compiler wrote for it (one per exit, on lines of their own): it is reported once, at the
 * declaration of its resource.
 */
public final class BlockingCloses {
    private BlockingCloses() {}

    /** The warnings for {@code c}, read without its frames. */
    public static List<Diagnostic> find(ClassNode c, ClassHierarchy hierarchy) {
        Diagnostics diagnostics = new Diagnostics(c);
        for (MethodNode m : c.methods) {
            if (m.instructions == null) continue;
            List<MethodInsnNode> closes = new ArrayList<>();
            for (AbstractInsnNode n = m.instructions.getFirst(); n != null; n = n.getNext()) {
                if (isAsyncClose(n, hierarchy)) closes.add((MethodInsnNode) n);
            }
            if (closes.isEmpty()) continue;
            Map<MethodInsnNode, AbstractInsnNode> resources =
                    OwnershipLowering.tryWithResourcesDeclarations(c.name, m, closes);
            Set<Integer> lines = new HashSet<>();
            for (MethodInsnNode close : closes) {
                AbstractInsnNode at = resources.getOrDefault(close, close);
                if (!lines.add(Diagnostics.lineOf(m, at))) continue;
                String message = Diagnostics.describe(c, m) + " closes an AsyncCloseable ("
                        + close.owner.replace('/', '.') + ") synchronously, blocking until its closeAsync() completes "
                        + "(and throwing on a thread that runs a coroutine): close it in an @Async method, where "
                        + "try-with-resources awaits closeAsync(), or await closeAsync() yourself";
                diagnostics.warning(m, at, message);
            }
        }
        return diagnostics.all();
    }

    private static boolean isAsyncClose(AbstractInsnNode n, ClassHierarchy hierarchy) {
        try {
            return OwnershipLowering.isAsyncClose(n, hierarchy);
        } catch (ClassHierarchy.MissingClassException e) {
            return false; // not on the classpath: nothing is known of it, and javac compiled against it anyway
        }
    }
}
