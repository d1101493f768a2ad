package dev.coda.transformer.analysis;

import java.util.HashSet;
import java.util.Set;
import org.objectweb.asm.Handle;
import org.objectweb.asm.Opcodes;
import org.objectweb.asm.tree.AbstractInsnNode;
import org.objectweb.asm.tree.ClassNode;
import org.objectweb.asm.tree.InvokeDynamicInsnNode;
import org.objectweb.asm.tree.MethodNode;

/**
 * Lambda bodies: the private synthetic {@code lambda$...} methods javac and ECJ compile a lambda's code into. Their
 * names are the compiler's, not the user's (ECJ's, {@code lambda$0}, do not even name the enclosing method), so
 * messages name the method whose code creates the lambda instead.
 */
public final class Lambdas {
    private Lambdas() {}

    public static boolean isBody(MethodNode m) {
        return (m.access & Opcodes.ACC_SYNTHETIC) != 0 && m.name.startsWith("lambda$");
    }

    /**
     * The method the user wrote around lambda body {@code lambda}: the one whose {@code invokedynamic} creates it,
     * or, for a lambda inside a lambda, the one around that. Null when no method of {@code c} creates it.
     */
    public static MethodNode enclosingMethod(ClassNode c, MethodNode lambda) {
        Set<String> seen = new HashSet<>();
        MethodNode m = lambda;
        while (m != null && isBody(m) && seen.add(m.name)) m = creator(c, m.name);
        return m == null || isBody(m) ? null : m;
    }

    /**
     * The method that creates the lambda whose body is named {@code body}. A rewritten async lambda has two methods
     * of that name (the stub, which the {@code invokedynamic} names, and the body), so only the name is compared.
     */
    private static MethodNode creator(ClassNode c, String body) {
        for (MethodNode m : c.methods) {
            if (m.instructions == null) continue;
            for (AbstractInsnNode n = m.instructions.getFirst(); n != null; n = n.getNext()) {
                if (!(n instanceof InvokeDynamicInsnNode indy)) continue;
                for (Object arg : indy.bsmArgs) {
                    if (arg instanceof Handle h && h.getOwner().equals(c.name) && h.getName().equals(body)) return m;
                }
            }
        }
        return null;
    }
}
