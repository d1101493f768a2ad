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
 * The last stage: every method of a written class is type-checked by ASM's data-flow verifier, with class facts
 * from the {@link ClassHierarchy}. A failure here is a transformer defect; reporting it as a diagnostic keeps it
 * from ever reaching the JVM as a {@code VerifyError}.
 */
public final class OutputVerifier {
    private OutputVerifier() {}

    /** Problems found in the selected methods of {@code classBytes}, one line each; empty when they verify. */
    public static List<String> verify(byte[] classBytes, ClassHierarchy hierarchy, Predicate<MethodNode> selected) {
        ClassNode c = new ClassNode();
        new ClassReader(classBytes).accept(c, ClassReader.SKIP_DEBUG);
        List<Type> interfaces = new ArrayList<>();
        for (String i : c.interfaces) interfaces.add(Type.getObjectType(i));
        boolean itf = (c.access & Opcodes.ACC_INTERFACE) != 0;
        List<String> problems = new ArrayList<>();
        for (MethodNode m : c.methods) {
            if ((m.access & (Opcodes.ACC_ABSTRACT | Opcodes.ACC_NATIVE)) != 0 || !selected.test(m)) continue;
            HierarchyVerifier verifier = new HierarchyVerifier(hierarchy, Type.getObjectType(c.name),
                    c.superName == null ? null : Type.getObjectType(c.superName), interfaces, itf);
            try {
                new Analyzer<BasicValue>(verifier).analyze(c.name, m);
            } catch (AnalyzerException | RuntimeException e) {
                problems.add(c.name.replace('/', '.') + "." + m.name + m.desc + ": " + e.getMessage());
            }
        }
        return problems;
    }
}
