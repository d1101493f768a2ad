package dev.coda.transformer.check;

import dev.coda.transformer.CodaNames;
import dev.coda.transformer.analysis.Diagnostics;
import dev.coda.transformer.select.AsyncMethod;
import dev.coda.transformer.select.MethodClassifier;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import org.objectweb.asm.tree.AnnotationNode;
import org.objectweb.asm.tree.ClassNode;
import org.objectweb.asm.tree.FieldNode;
import org.objectweb.asm.tree.MethodNode;

/**
 * {@code @Owned} where nothing owns: only the variables and parameters of an async function (or async lambda) own
 * their values and drop them on every exit. On a field, or in a method that is not async, the annotation changes
 * nothing, and a reader would take the value for dropped: a warning, once per method or field. A method annotated
 * {@code @Async} that is not rewritten has an error of its own and gets no warning; a method without code (an
 * interface's) may say so of its parameters for the implementations, which do own them.
 */
public final class InertOwned {
    private InertOwned() {}

    public static void report(ClassNode c, List<AsyncMethod> selected, Diagnostics diagnostics) {
        Set<MethodNode> async = selected.stream().map(AsyncMethod::method).collect(Collectors.toSet());
        for (FieldNode f : c.fields) {
            if (owned(f.invisibleTypeAnnotations, f.visibleTypeAnnotations)) {
                diagnostics.warning(null, null, "@Owned on field " + c.name.substring(c.name.lastIndexOf('/') + 1)
                        + "." + f.name + " has no effect: only the variables and parameters of an async function own "
                        + "their values; close the value where its owner is done with it, or hold it in an @Owned "
                        + "variable of an async function");
            }
        }
        for (MethodNode m : c.methods) {
            // Without code (an interface's), @Owned on a parameter says what implementations own: no warning.
            boolean annotatedAsync = MethodClassifier.hasAnnotation(m, CodaNames.ASYNC_DESC);
            if (async.contains(m) || annotatedAsync || m.instructions.size() == 0) continue;
            if (owned(m.invisibleTypeAnnotations, m.visibleTypeAnnotations)
                    || owned(m.invisibleLocalVariableAnnotations, m.visibleLocalVariableAnnotations)) {
                diagnostics.warning(m, null, "@Owned in " + Diagnostics.describe(c, m) + " has no effect: it is not an "
                        + "async function, and only an async function drops what it owns on every exit; make it "
                        + "@Async, or close the value yourself");
            }
        }
    }

    private static boolean owned(List<? extends AnnotationNode> invisible, List<? extends AnnotationNode> visible) {
        return MethodClassifier.contains(invisible, CodaNames.OWNED_DESC)
                || MethodClassifier.contains(visible, CodaNames.OWNED_DESC);
    }
}
