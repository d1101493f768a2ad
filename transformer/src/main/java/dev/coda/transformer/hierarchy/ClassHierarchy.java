package dev.coda.transformer.hierarchy;

import dev.coda.transformer.ClassFileLocator;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.objectweb.asm.ClassReader;
import org.objectweb.asm.Opcodes;

/**
 * Superclass and interface facts for internal names, read from class-file headers through a
 * {@link ClassFileLocator}. Classes being written right now (the host, generated state machines) are declared up
 * front, since no locator can find them. Thread-safe; the cache is shared across the classes of one build.
 */
public final class ClassHierarchy {

    /** A class the frame computation needs but the locator cannot find. */
    public static final class MissingClassException extends RuntimeException {
        public final String internalName;

        public MissingClassException(String internalName) {
            super("cannot find class " + internalName.replace('/', '.')
                    + " (the rewrite needs its superclass and interfaces); is it on the classpath?");
            this.internalName = internalName;
        }
    }

    private record Info(String superName, boolean isInterface, String[] interfaces) {}

    private final ClassFileLocator locator;
    private final Map<String, Info> cache = new ConcurrentHashMap<>();

    public ClassHierarchy(ClassFileLocator locator) {
        this.locator = locator;
    }

    /** Records a class that exists only in memory. */
    public void declare(String internalName, String superName, boolean isInterface, String... interfaces) {
        cache.put(internalName, new Info(superName, isInterface, interfaces));
    }

    public boolean isInterface(String internalName) {
        return info(internalName).isInterface;
    }

    /** The superclass, or null for java/lang/Object. Interfaces report java/lang/Object. */
    public String superName(String internalName) {
        return info(internalName).superName;
    }

    /** Whether a value of class {@code sub} is assignable to class {@code sup}, walking superclasses only. */
    public boolean isSubclass(String sub, String sup) {
        for (String c = sub; c != null; c = superName(c)) if (c.equals(sup)) return true;
        return false;
    }

    /** Whether class or interface {@code type} is, extends or implements interface {@code itf}. */
    public boolean isSubtypeOf(String type, String itf) {
        if (type.equals(itf)) return true;
        Info info = info(type);
        for (String i : info.interfaces) if (isSubtypeOf(i, itf)) return true;
        return info.superName != null && isSubtypeOf(info.superName, itf);
    }

    /** The nearest common superclass, as the JVM verifier merges two class types (interfaces merge to Object). */
    public String commonSuperClass(String a, String b) {
        if (a.equals(b)) return a;
        if (isInterface(a) || isInterface(b)) return "java/lang/Object";
        Set<String> supersOfA = new LinkedHashSet<>();
        for (String c = a; c != null; c = superName(c)) supersOfA.add(c);
        for (String c = b; c != null; c = superName(c)) if (supersOfA.contains(c)) return c;
        return "java/lang/Object";
    }

    private Info info(String internalName) {
        if (internalName.equals("java/lang/Object")) return new Info(null, false, new String[0]);
        Info known = cache.get(internalName);
        if (known != null) return known;
        byte[] bytes = locator.locate(internalName);
        if (bytes == null) throw new MissingClassException(internalName);
        ClassReader reader = new ClassReader(bytes);
        Info info = new Info(reader.getSuperName(), (reader.getAccess() & Opcodes.ACC_INTERFACE) != 0,
                reader.getInterfaces());
        cache.put(internalName, info);
        return info;
    }
}
