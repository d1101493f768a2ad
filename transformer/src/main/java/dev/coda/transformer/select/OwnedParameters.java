package dev.coda.transformer.select;

import dev.coda.transformer.CodaNames;
import java.util.ArrayList;
import java.util.List;
import org.objectweb.asm.Handle;
import org.objectweb.asm.Opcodes;
import org.objectweb.asm.Type;
import org.objectweb.asm.TypePath;
import org.objectweb.asm.TypeReference;
import org.objectweb.asm.tree.AbstractInsnNode;
import org.objectweb.asm.tree.ClassNode;
import org.objectweb.asm.tree.InvokeDynamicInsnNode;
import org.objectweb.asm.tree.MethodNode;
import org.objectweb.asm.tree.TypeAnnotationNode;

/** Which parameters of a method are declared {@code @Owned}: javac records them as formal-parameter type annotations. */
public final class OwnedParameters {
    private OwnedParameters() {}

    private static final String LAMBDA_METAFACTORY = "java/lang/invoke/LambdaMetafactory";

    /**
     * Whether an annotation at {@code path} annotates a variable's type as a whole: no path, or only steps into
     * nested types ({@code @Owned Conn c} of an inner class {@code Outer.Conn} is recorded on {@code Conn}). Another
     * path (an array's element type, a type argument, a wildcard's bound) annotates a part of the type.
     */
    public static boolean annotatesWholeType(TypePath path) {
        if (path == null) return true;
        for (int i = 0; i < path.getLength(); i++) if (path.getStep(i) != TypePath.INNER_TYPE) return false;
        return true;
    }

    /**
     * The indices (0 for the first parameter of {@code m}'s descriptor) of the {@code @Owned} parameters, ascending.
     * For the body of a lambda, javac counts the lambda's own parameters only, while the method's descriptor puts the
     * captured values first: the indices are shifted past them.
     */
    public static List<Integer> indices(ClassNode host, MethodNode m) {
        return annotated(host, m, true);
    }

    /** The indices, as {@link #indices}, of the parameters whose {@code @Owned} is on a part of their type. */
    public static List<Integer> ownedInPart(ClassNode host, MethodNode m) {
        return annotated(host, m, false);
    }

    /** The indices of the parameters whose {@code @Owned} annotates their whole type ({@code whole}), or a part. */
    private static List<Integer> annotated(ClassNode host, MethodNode m, boolean whole) {
        List<Integer> found = new ArrayList<>();
        for (List<TypeAnnotationNode> list : List.of(nonNull(m.invisibleTypeAnnotations), nonNull(m.visibleTypeAnnotations))) {
            for (TypeAnnotationNode a : list) {
                TypeReference ref = new TypeReference(a.typeRef);
                if (a.desc.equals(CodaNames.OWNED_DESC) && annotatesWholeType(a.typePath) == whole
                        && ref.getSort() == TypeReference.METHOD_FORMAL_PARAMETER) {
                    found.add(ref.getFormalParameterIndex());
                }
            }
        }
        if (found.isEmpty()) return found;
        int captured = capturedCount(host, m);
        found.replaceAll(i -> i + captured);
        found.sort(null);
        return found;
    }

    /**
     * How many captured values precede the parameters of {@code m}, if it is the synthetic body of a lambda of
     * {@code host}: the values its call site captures, less the receiver of an instance body. 0 otherwise (a method
     * reference names a method whose parameters are all its own).
     */
    private static int capturedCount(ClassNode host, MethodNode m) {
        if ((m.access & Opcodes.ACC_SYNTHETIC) == 0) return 0;
        for (MethodNode caller : host.methods) {
            for (AbstractInsnNode n = caller.instructions.getFirst(); n != null; n = n.getNext()) {
                if (!(n instanceof InvokeDynamicInsnNode indy) || !indy.bsm.getOwner().equals(LAMBDA_METAFACTORY)
                        || indy.bsmArgs.length < 3 || !(indy.bsmArgs[1] instanceof Handle impl)) {
                    continue;
                }
                if (impl.getOwner().equals(host.name) && impl.getName().equals(m.name) && impl.getDesc().equals(m.desc)) {
                    int captured = Type.getArgumentTypes(indy.desc).length;
                    return impl.getTag() == Opcodes.H_INVOKESTATIC ? captured : captured - 1;
                }
            }
        }
        return 0;
    }

    private static <T> List<T> nonNull(List<T> list) {
        return list == null ? List.of() : list;
    }
}
