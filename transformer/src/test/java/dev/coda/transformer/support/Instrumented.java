package dev.coda.transformer.support;

import dev.coda.transformer.ClassFileLocator;
import dev.coda.transformer.Diagnostic;
import dev.coda.transformer.TransformResult;
import dev.coda.transformer.Transformer;
import dev.coda.transformer.read.ClassFileFacts;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.objectweb.asm.ClassReader;
import org.objectweb.asm.util.CheckClassAdapter;

/**
 * Compiled test sources, run through the transformer and defined by a class loader (so the JVM verifier checks
 * them). Every class the transformer writes is checked with ASM's {@link CheckClassAdapter} first.
 */
public final class Instrumented {
    public final Map<String, byte[]> original;
    public final Map<String, byte[]> output = new TreeMap<>();
    public final List<Diagnostic> diagnostics = new ArrayList<>();
    public final Map<String, TransformResult> results = new TreeMap<>();
    private final Loader loader;

    private Instrumented(Map<String, byte[]> original) {
        this.original = original;
        ClassFileLocator parent = ClassFileLocator.of(Instrumented.class.getClassLoader());
        Transformer transformer = new Transformer(name -> original.containsKey(name) ? original.get(name) : parent.locate(name));
        for (Map.Entry<String, byte[]> e : original.entrySet()) {
            TransformResult r;
            try {
                r = transformer.transform(e.getValue());
            } catch (ClassFileFacts.MalformedClassException malformed) {
                throw new AssertionError(e.getKey() + ": " + malformed.getMessage(), malformed);
            }
            results.put(e.getKey(), r);
            diagnostics.addAll(r.diagnostics());
            output.put(e.getKey(), r.changed() ? r.bytes() : e.getValue());
            output.putAll(r.generated());
        }
        this.loader = new Loader(output);
    }

    /** Compiles one source file; the file name is derived from its public class. */
    public static Instrumented compile(String fileName, String source) {
        return of(InMemoryCompiler.compile(Map.of(fileName, source)));
    }

    public static Instrumented of(Map<String, byte[]> classes) {
        return new Instrumented(classes);
    }

    /** Fails unless no errors were reported and every written class passes CheckClassAdapter. */
    public Instrumented requireClean() {
        List<Diagnostic> errors = diagnostics.stream().filter(Diagnostic::isError).toList();
        if (!errors.isEmpty()) throw new AssertionError("unexpected diagnostics: " + errors);
        for (Map.Entry<String, TransformResult> e : results.entrySet()) {
            if (e.getValue().changed()) check(e.getValue().bytes());
            e.getValue().generated().values().forEach(this::check);
        }
        return this;
    }

    private void check(byte[] bytes) {
        StringWriter problems = new StringWriter();
        CheckClassAdapter.verify(new ClassReader(bytes), loader, false, new PrintWriter(problems));
        if (!problems.toString().isEmpty()) {
            throw new AssertionError("CheckClassAdapter rejected " + new ClassReader(bytes).getClassName() + ":\n" + problems);
        }
    }

    public Class<?> load(String binaryName) {
        try {
            return Class.forName(binaryName, true, loader);
        } catch (ClassNotFoundException e) {
            throw new AssertionError(e);
        }
    }

    /** Calls a static method by name (the first with that name); exceptions are rethrown unwrapped. */
    public Object call(String className, String method, Object... args) throws Throwable {
        for (Method m : load(className).getDeclaredMethods()) {
            if (m.getName().equals(method) && !m.isSynthetic() && m.getParameterCount() == args.length) {
                m.setAccessible(true);
                try {
                    return m.invoke(null, args);
                } catch (InvocationTargetException e) {
                    throw e.getCause();
                }
            }
        }
        throw new AssertionError("no method " + className + "." + method);
    }

    public ClassLoader loader() {
        return loader;
    }

    private static final class Loader extends ClassLoader {
        private final Map<String, byte[]> classes;

        Loader(Map<String, byte[]> classes) {
            super(Instrumented.class.getClassLoader());
            this.classes = classes;
        }

        @Override
        protected Class<?> loadClass(String name, boolean resolve) throws ClassNotFoundException {
            synchronized (getClassLoadingLock(name)) {
                Class<?> c = findLoadedClass(name);
                if (c == null) {
                    byte[] bytes = classes.get(name.replace('.', '/'));
                    if (bytes == null) return super.loadClass(name, resolve);
                    c = defineClass(name, bytes, 0, bytes.length);
                }
                if (resolve) resolveClass(c);
                return c;
            }
        }
    }
}
