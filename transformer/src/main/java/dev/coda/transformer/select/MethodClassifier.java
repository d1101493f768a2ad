package dev.coda.transformer.select;

import dev.coda.transformer.CodaNames;
import dev.coda.transformer.analysis.Diagnostics;
import dev.coda.transformer.analysis.Lambdas;
import java.util.ArrayList;
import java.util.List;
import org.objectweb.asm.Handle;
import org.objectweb.asm.Opcodes;
import org.objectweb.asm.tree.AbstractInsnNode;
import org.objectweb.asm.tree.AnnotationNode;
import org.objectweb.asm.tree.ClassNode;
import org.objectweb.asm.tree.InnerClassNode;
import org.objectweb.asm.tree.InvokeDynamicInsnNode;
import org.objectweb.asm.tree.MethodInsnNode;
import org.objectweb.asm.tree.MethodNode;

/**
 * The select stage: decides which methods of a class become state machines, and rejects every use of
 * {@code await} that cannot suspend: in a constructor or static initialiser, in a method that is neither async
 * function nor async block, as a method reference; an {@code @Async} method with a non-task return type or without
 * a body. It sees no data flow: an await inside {@code synchronized} is found later, by
 * {@link dev.coda.transformer.analysis.MethodAnalyzer}, which knows the monitor depth of each instruction.
 */
public final class MethodClassifier {
    private MethodClassifier() {}

    public static List<AsyncMethod> classify(ClassNode c, Diagnostics diagnostics) {
        boolean anonymous = isAnonymous(c);
        List<AsyncMethod> result = new ArrayList<>();
        for (MethodNode m : c.methods) {
            // javac copies a method's annotations, @Async included, onto its bridges; a bridge only forwards.
            if ((m.access & Opcodes.ACC_BRIDGE) != 0) continue;
            rejectAwaitReferences(c, m, diagnostics);
            List<MethodInsnNode> awaits = awaitCalls(m);
            boolean annotated = hasAnnotation(m, CodaNames.ASYNC_DESC);
            ReturnKind returns = ReturnKind.of(m.desc);
            String where = Diagnostics.describe(c, m);

            if (annotated) {
                if (returns == null) {
                    diagnostics.error(m, null, "@Async method " + where + " must return Task<T>, CompletableFuture<T> "
                            + "or CompletionStage<T>; change its return type (and end it with return Task.completed(value))");
                    continue;
                }
                if ((m.access & (Opcodes.ACC_ABSTRACT | Opcodes.ACC_NATIVE)) != 0) {
                    diagnostics.error(m, null, "@Async method " + where + " has no body; remove @Async from abstract "
                            + "and native methods and put it on the implementations");
                    continue;
                }
            }
            if (awaits.isEmpty() && !annotated) continue;
            AbstractInsnNode firstAwait = awaits.isEmpty() ? null : awaits.get(0);
            if (m.name.equals("<init>")) {
                diagnostics.error(m, firstAwait, "Coda.await in a constructor of " + where.substring(0, where.lastIndexOf('.'))
                        + " cannot suspend; move the awaiting code into an @Async factory method or method");
                continue;
            }
            if (m.name.equals("<clinit>")) {
                diagnostics.error(m, firstAwait, "Coda.await in a static initializer cannot suspend; move it into an "
                        + "@Async method and start it from the caller");
                continue;
            }
            if ((m.access & Opcodes.ACC_SYNCHRONIZED) != 0) {
                diagnostics.error(m, firstAwait != null ? firstAwait : null, "async method " + where + " is synchronized; "
                        + "a monitor cannot be held across an await: remove 'synchronized' and guard the state with an "
                        + "async-aware lock or confine it to one task");
                continue;
            }
            if (annotated) {
                result.add(new AsyncMethod(m, AsyncMethod.Kind.FUNCTION, returns, awaits,
                        OwnedParameters.indices(c, m)));
            } else if (returns != null && isBlockCandidate(m, anonymous)) {
                result.add(new AsyncMethod(m, AsyncMethod.Kind.BLOCK, returns, awaits,
                        OwnedParameters.indices(c, m)));
            } else if (Lambdas.isBody(m)) {
                // A lambda cannot be annotated: what makes it async is the task its functional interface returns.
                diagnostics.error(m, firstAwait, "Coda.await in " + where + ", which is not an async lambda (it does "
                        + "not return a Task, so it cannot suspend); make the lambda return a Task (ending with "
                        + "return Task.completed(value)), or move the await out of the lambda (for example, await the "
                        + "tasks in a loop)");
            } else {
                diagnostics.error(m, firstAwait, "Coda.await in " + where + ", which is neither an @Async method nor an "
                        + "async lambda; annotate the method with @Async and make it return Task<T> (or await inside a "
                        + "lambda that returns a Task)");
            }
        }
        return result;
    }

    /** A lambda body, or an instance method of an anonymous class (which has no inner name). */
    private static boolean isBlockCandidate(MethodNode m, boolean inAnonymousClass) {
        return Lambdas.isBody(m) || (inAnonymousClass && (m.access & Opcodes.ACC_STATIC) == 0);
    }

    private static boolean isAnonymous(ClassNode c) {
        if (c.innerClasses == null) return false;
        for (InnerClassNode ic : c.innerClasses) if (ic.name.equals(c.name)) return ic.innerName == null;
        return false;
    }

    /** A {@code Coda.await} call, or one of the await markers that the lower stage writes. */
    public static boolean isAwait(AbstractInsnNode n) {
        if (n.getOpcode() != Opcodes.INVOKESTATIC) return false;
        MethodInsnNode mi = (MethodInsnNode) n;
        if (mi.owner.equals(CodaNames.COROUTINE)) {
            return (mi.name.equals(CodaNames.AWAIT_CLEANUP) || mi.name.equals(CodaNames.AWAIT_OWNED))
                    && mi.desc.equals(CodaNames.MARKER_DESC);
        }
        return mi.owner.equals(CodaNames.CODA) && mi.name.equals(CodaNames.AWAIT)
                && (mi.desc.equals(CodaNames.AWAIT_TASK_DESC) || mi.desc.equals(CodaNames.AWAIT_STAGE_DESC));
    }

    /** The awaits of {@code m}, in code order. */
    public static List<MethodInsnNode> awaitCalls(MethodNode m) {
        List<MethodInsnNode> awaits = new ArrayList<>();
        if (m.instructions == null) return awaits;
        for (AbstractInsnNode n = m.instructions.getFirst(); n != null; n = n.getNext()) {
            if (isAwait(n)) awaits.add((MethodInsnNode) n);
        }
        return awaits;
    }

    private static void rejectAwaitReferences(ClassNode c, MethodNode m, Diagnostics diagnostics) {
        if (m.instructions == null) return;
        for (AbstractInsnNode n = m.instructions.getFirst(); n != null; n = n.getNext()) {
            if (!(n instanceof InvokeDynamicInsnNode)) continue;
            for (Object arg : ((InvokeDynamicInsnNode) n).bsmArgs) {
                if (arg instanceof Handle && ((Handle) arg).getOwner().equals(CodaNames.CODA)
                        && ((Handle) arg).getName().equals(CodaNames.AWAIT)) {
                    diagnostics.error(m, n, "Coda::await cannot be used as a method reference, since only a direct "
                            + "call can suspend; call Coda.await(...) directly inside an @Async method or async lambda");
                }
            }
        }
    }

    public static boolean hasAnnotation(MethodNode m, String desc) {
        return contains(m.invisibleAnnotations, desc) || contains(m.visibleAnnotations, desc);
    }

    /** Whether {@code annotations} (null: none) hold one of type {@code desc}; type annotations count too. */
    public static boolean contains(List<? extends AnnotationNode> annotations, String desc) {
        if (annotations == null) return false;
        for (AnnotationNode a : annotations) if (a.desc.equals(desc)) return true;
        return false;
    }
}
