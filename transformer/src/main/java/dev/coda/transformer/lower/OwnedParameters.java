package dev.coda.transformer.lower;

import dev.coda.transformer.CodaNames;
import java.util.ArrayList;
import java.util.List;
import org.objectweb.asm.TypeReference;
import org.objectweb.asm.tree.MethodNode;
import org.objectweb.asm.tree.TypeAnnotationNode;

/** Which parameters of a method are declared {@code @Owned}: javac records them as formal-parameter type annotations. */
public final class OwnedParameters {
    private OwnedParameters() {}

    /** The indices (0 for the first declared parameter, {@code this} not counted) of the {@code @Owned} parameters, ascending. */
    public static List<Integer> indices(MethodNode m) {
        List<Integer> found = new ArrayList<>();
        for (List<TypeAnnotationNode> list : List.of(nonNull(m.invisibleTypeAnnotations), nonNull(m.visibleTypeAnnotations))) {
            for (TypeAnnotationNode a : list) {
                TypeReference ref = new TypeReference(a.typeRef);
                if (a.desc.equals(CodaNames.OWNED_DESC) && a.typePath == null
                        && ref.getSort() == TypeReference.METHOD_FORMAL_PARAMETER) {
                    found.add(ref.getFormalParameterIndex());
                }
            }
        }
        found.sort(null);
        return found;
    }

    private static <T> List<T> nonNull(List<T> list) {
        return list == null ? List.of() : list;
    }
}
