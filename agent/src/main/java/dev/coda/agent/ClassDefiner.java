package dev.coda.agent;

import java.lang.instrument.Instrumentation;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.security.ProtectionDomain;
import java.util.Map;
import java.util.Set;

/**
 * Defines generated state-machine classes in the class loader of their host, with the host's protection domain,
 * while the host itself is being transformed. {@code ClassLoader.defineClass} is protected; the agent opens
 * {@code java.lang} to its own module through {@link Instrumentation#redefineModule}, which is exactly what that
 * API is for, rather than relying on {@code --add-opens} on the command line. See the package documentation of
 * {@code dev.coda.transformer} for why classes are defined this way.
 */
final class ClassDefiner {
    private final Instrumentation instrumentation;
    /** Opened on first use: a JVM whose classes never need Coda pays nothing for it. */
    private volatile Method defineClass;
    private volatile Method findLoadedClass;

    ClassDefiner(Instrumentation instrumentation) {
        this.instrumentation = instrumentation;
    }

    private Method defineClass() throws ReflectiveOperationException {
        Method m = defineClass;
        if (m != null) return m;
        synchronized (this) {
            if (defineClass == null) {
                Module javaBase = Object.class.getModule();
                Module self = ClassDefiner.class.getModule();
                if (!javaBase.isOpen("java.lang", self)) {
                    instrumentation.redefineModule(javaBase, Set.of(), Map.of(), Map.of("java.lang", Set.of(self)),
                            Set.of(), Map.of());
                }
                Method find = ClassLoader.class.getDeclaredMethod("findLoadedClass", String.class);
                find.setAccessible(true);
                findLoadedClass = find;
                m = ClassLoader.class.getDeclaredMethod("defineClass", String.class, byte[].class, int.class,
                        int.class, ProtectionDomain.class);
                m.setAccessible(true);
                defineClass = m;
            }
            return defineClass;
        }
    }

    /**
     * Defines {@code classes} (internal name to bytes) in {@code loader}, in order, skipping any the loader already
     * holds. A loader that lets two threads define one host at once runs two transforms, and both define the same
     * state machines: the second must not fail, or it would hand back the original host, and the JVM may take that
     * one. The bytes are the same either way, because the transform is deterministic.
     */
    void define(ClassLoader loader, ProtectionDomain domain, Map<String, byte[]> classes) throws Throwable {
        if (classes.isEmpty()) return;
        Method defineClass = defineClass();
        for (Map.Entry<String, byte[]> c : classes.entrySet()) {
            String name = c.getKey().replace('/', '.');
            byte[] bytes = c.getValue();
            try {
                defineClass.invoke(loader, name, bytes, 0, bytes.length, domain);
            } catch (InvocationTargetException e) {
                if (!(e.getCause() instanceof LinkageError) || findLoadedClass.invoke(loader, name) == null) {
                    throw e.getCause();
                }
                // Another thread's transform of the same host defined it first.
            }
        }
    }
}
