package dev.coda.transformer.analysis;

import dev.coda.transformer.Diagnostic;
import java.util.ArrayList;
import java.util.List;
import org.objectweb.asm.tree.AbstractInsnNode;
import org.objectweb.asm.tree.ClassNode;
import org.objectweb.asm.tree.LineNumberNode;
import org.objectweb.asm.tree.MethodNode;
import org.objectweb.asm.tree.analysis.AnalyzerException;

/** Collects diagnostics for one class, locating each at the source line of an instruction or a method. */
public final class Diagnostics {
    private final ClassNode owner;
    private final String sourcePath;
    private final List<Diagnostic> list = new ArrayList<>();

    public Diagnostics(ClassNode owner) {
        this.owner = owner;
        this.sourcePath = sourcePath(owner);
    }

    /** {@code com/acme/Foo.java}: the package folders plus the SourceFile attribute. */
    public static String sourcePath(ClassNode c) {
        int slash = c.name.lastIndexOf('/');
        String pkg = slash < 0 ? "" : c.name.substring(0, slash + 1);
        if (c.sourceFile != null) return pkg + c.sourceFile;
        String outer = c.name.substring(slash + 1);
        int dollar = outer.indexOf('$');
        return pkg + (dollar > 0 ? outer.substring(0, dollar) : outer) + ".java";
    }

    /** An error at {@code at}, or at the method's first line, or else at the class's first line. */
    public void error(MethodNode method, AbstractInsnNode at, String message) {
        list.add(new Diagnostic(Diagnostic.Severity.ERROR, sourcePath, line(method, at), owner.name, message));
    }

    /** ASM could not analyse {@code method}: its code is not what a compiler writes. */
    public void cannotAnalyse(MethodNode method, AnalyzerException e) {
        error(method, e.node, "cannot analyse " + describe(owner, method) + ": " + e.getMessage());
    }

    public void warning(MethodNode method, AbstractInsnNode at, String message) {
        list.add(new Diagnostic(Diagnostic.Severity.WARNING, sourcePath, line(method, at), owner.name, message));
    }

    /** A method without line entries (abstract, native, compiled without -g:lines) falls back to the class's line. */
    private int line(MethodNode method, AbstractInsnNode at) {
        int line = method != null ? lineOf(method, at) : 0;
        return line > 0 ? line : firstLine(owner);
    }

    /** The smallest line in the class: javac gives an implicit constructor the line of the class declaration. */
    private static int firstLine(ClassNode c) {
        int first = Integer.MAX_VALUE;
        for (MethodNode m : c.methods) {
            if (m.instructions == null) continue;
            for (AbstractInsnNode n = m.instructions.getFirst(); n != null; n = n.getNext()) {
                if (n instanceof LineNumberNode) first = Math.min(first, ((LineNumberNode) n).line);
            }
        }
        return first == Integer.MAX_VALUE ? 1 : first;
    }

    /** In source order (by line; equal lines keep the order they were found in), as javac reports. */
    public List<Diagnostic> all() {
        List<Diagnostic> sorted = new ArrayList<>(list);
        sorted.sort(java.util.Comparator.comparingInt(Diagnostic::line));
        return sorted;
    }

    public boolean hasErrors() {
        return list.stream().anyMatch(Diagnostic::isError);
    }

    /** The line of {@code at}, or of the method's first line entry when {@code at} is null; 0 when unknown. */
    public static int lineOf(MethodNode method, AbstractInsnNode at) {
        if (method == null || method.instructions == null) return 0;
        if (at != null) {
            for (AbstractInsnNode n = at; n != null; n = n.getPrevious()) {
                if (n instanceof LineNumberNode) return ((LineNumberNode) n).line;
            }
        }
        for (AbstractInsnNode n = method.instructions.getFirst(); n != null; n = n.getNext()) {
            if (n instanceof LineNumberNode) return ((LineNumberNode) n).line;
        }
        return 0;
    }

    /**
     * {@code Foo.bar} for messages; a lambda body, whose name is the compiler's, is {@code a lambda in Foo.bar},
     * after the method that creates it.
     */
    public static String describe(ClassNode c, MethodNode m) {
        if (Lambdas.isBody(m)) {
            MethodNode enclosing = Lambdas.enclosingMethod(c, m);
            if (enclosing == null) return "a lambda in " + simpleName(c);
            if (enclosing.name.equals("<init>")) return "a lambda in a constructor of " + simpleName(c);
            if (enclosing.name.equals("<clinit>")) return "a lambda in the static initializer of " + simpleName(c);
            return "a lambda in " + simpleName(c) + "." + enclosing.name;
        }
        return simpleName(c) + "." + m.name;
    }

    private static String simpleName(ClassNode c) {
        return c.name.substring(c.name.lastIndexOf('/') + 1);
    }
}
