package dev.coda.transformer.verify;

import dev.coda.transformer.hierarchy.ClassHierarchy;
import dev.coda.transformer.hierarchy.HierarchyVerifier;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Predicate;
import org.objectweb.asm.ClassReader;
import org.objectweb.asm.Opcodes;
import org.objectweb.asm.Type;
import org.objectweb.asm.tree.ClassNode;
import org.objectweb.asm.tree.MethodNode;
import org.objectweb.asm.tree.analysis.Analyzer;
import org.objectweb.asm.tree.analysis.AnalyzerException;
import org.objectweb.asm.tree.analysis.BasicValue;

/**
 * The last stage: every method of a class about to be written is type-checked by ASM's data-flow verifier, with
 * class facts from the {@link ClassHierarchy}. A failure in a method Coda wrote is a transformer defect; reporting
 * it as a diagnostic keeps it from ever reaching the JVM as a {@code VerifyError}. The host's other methods are
 * copied as compiled and checked too, since the class is written as a whole; a class one of them names that cannot
 * be found is no failure there, as the JVM checks those methods against the real classes anyway.
 */
public final class OutputVerifier {
    private OutputVerifier() {}

    /** A method that does not verify; {@code asCompiled} when Coda copied it rather than wrote it. */
    public record Problem(boolean asCompiled, String text) {
        @Override
        public String toString() {
            return text;
        }
    }

    /**
     * Problems found in the methods of {@code classBytes}; empty when they verify. Methods not {@code written} by
     * Coda may name classes the hierarchy cannot find.
     */
    public static List<Problem> verify(byte[] classBytes, ClassHierarchy hierarchy, Predicate<MethodNode> written) {
        ClassNode c = new ClassNode();
        new ClassReader(classBytes).accept(c, ClassReader.SKIP_DEBUG);
        List<Type> interfaces = new ArrayList<>();
        for (String i : c.interfaces) interfaces.add(Type.getObjectType(i));
        boolean itf = (c.access & Opcodes.ACC_INTERFACE) != 0;
        List<Problem> problems = new ArrayList<>();
        for (MethodNode m : c.methods) {
            if ((m.access & (Opcodes.ACC_ABSTRACT | Opcodes.ACC_NATIVE)) != 0) continue;
            HierarchyVerifier verifier = new HierarchyVerifier(hierarchy, Type.getObjectType(c.name),
                    c.superName == null ? null : Type.getObjectType(c.superName), interfaces, itf);
            try {
                new Analyzer<BasicValue>(verifier).analyze(c.name, m);
            } catch (AnalyzerException | RuntimeException e) {
                boolean asCompiled = !written.test(m);
                if (asCompiled && missingClass(e)) continue;
                problems.add(new Problem(asCompiled, c.name.replace('/', '.') + "." + m.name + m.desc + ": " + e.getMessage()));
            }
        }
        return problems;
    }

    private static boolean missingClass(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) if (t instanceof ClassHierarchy.MissingClassException) return true;
        return false;
    }
}
