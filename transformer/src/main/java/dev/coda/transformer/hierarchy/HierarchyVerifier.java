package dev.coda.transformer.hierarchy;

import java.util.List;
import org.objectweb.asm.Opcodes;
import org.objectweb.asm.Type;
import org.objectweb.asm.tree.analysis.BasicValue;
import org.objectweb.asm.tree.analysis.SimpleVerifier;

/**
 * ASM's {@link SimpleVerifier} with its class questions answered by a {@link ClassHierarchy}, so verification
 * needs no class loading. Interface types are treated as the JVM verifier treats them: anything is assignable.
 */
public final class HierarchyVerifier extends SimpleVerifier {
    private final ClassHierarchy hierarchy;

    public HierarchyVerifier(ClassHierarchy hierarchy, Type currentClass, Type superClass, List<Type> interfaces,
                             boolean isInterface) {
        super(Opcodes.ASM9, currentClass, superClass, interfaces, isInterface);
        this.hierarchy = hierarchy;
    }

    @Override
    protected boolean isInterface(Type type) {
        return type.getSort() == Type.OBJECT && hierarchy.isInterface(type.getInternalName());
    }

    @Override
    protected Type getSuperClass(Type type) {
        if (type.getSort() != Type.OBJECT) return Type.getObjectType("java/lang/Object");
        String superName = hierarchy.superName(type.getInternalName());
        return superName == null ? null : Type.getObjectType(superName);
    }

    @Override
    protected boolean isAssignableFrom(Type target, Type source) {
        if (target.equals(source)) return true;
        if (target.getSort() == Type.OBJECT) {
            String t = target.getInternalName();
            if (t.equals("java/lang/Object")) return true;
            if (hierarchy.isInterface(t)) return true;
            if (source.getSort() == Type.ARRAY) return false;
            if (source.getSort() != Type.OBJECT) return false;
            return hierarchy.isSubclass(source.getInternalName(), t);
        }
        if (target.getSort() == Type.ARRAY && source.getSort() == Type.ARRAY) {
            Type te = target.getElementType();
            Type se = source.getElementType();
            int td = target.getDimensions();
            int sd = source.getDimensions();
            if (td == sd) {
                if (te.getSort() != Type.OBJECT || se.getSort() != Type.OBJECT) return te.equals(se);
                return isAssignableFrom(te, se);
            }
            if (td < sd && te.getSort() == Type.OBJECT) {
                String t = te.getInternalName();
                return t.equals("java/lang/Object") || t.equals("java/lang/Cloneable")
                        || t.equals("java/io/Serializable");
            }
            return false;
        }
        return false;
    }

    /**
     * ASM asks for a {@code Class} only once {@link #isAssignableFrom} said no, to see whether the expected type is
     * an interface; isAssignableFrom already says yes to every interface, so the answer is no.
     */
    @Override
    protected boolean isSubTypeOf(BasicValue value, BasicValue expected) {
        try {
            return super.isSubTypeOf(value, expected);
        } catch (NeverLoaded e) {
            return false;
        }
    }

    /** Whether {@code value} may stand where {@code expected} is declared, as the JVM's type checker decides. */
    public boolean isAssignable(BasicValue value, BasicValue expected) {
        if (expected == BasicValue.UNINITIALIZED_VALUE) return true;
        return value != null && value != BasicValue.UNINITIALIZED_VALUE
                && (value.equals(expected) || isSubTypeOf(value, expected));
    }

    @Override
    protected Class<?> getClass(Type type) {
        throw NeverLoaded.INSTANCE;
    }

    /** Thrown where ASM would load a class; see {@link #isSubTypeOf}. */
    private static final class NeverLoaded extends RuntimeException {
        static final NeverLoaded INSTANCE = new NeverLoaded();

        private NeverLoaded() {
            super("the transformer never loads classes", null, false, false);
        }
    }
}
