package dev.coda.agent;

import dev.coda.transformer.ClassFileLocator;
import dev.coda.transformer.Diagnostic;
import dev.coda.transformer.TransformResult;
import dev.coda.transformer.Transformer;
import dev.coda.transformer.read.ClassFileFacts;
import java.lang.instrument.ClassFileTransformer;
import java.io.IOException;
import java.lang.ref.WeakReference;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.ProtectionDomain;
import java.util.Map;
import java.util.WeakHashMap;

/**
 * The agent's {@link ClassFileTransformer}. Classes of the JDK, of the bootstrap loader and of Coda itself are
 * passed over by name; every other class is passed over after a constant-pool scan unless it names
 * {@code dev/coda/}, so the common case costs one pass over the constant pool and no parsing. Nothing is ever
 * thrown out of {@link #transform}: a class that cannot be rewritten is left unchanged and the reason logged.
 */
final class AsyncClassTransformer implements ClassFileTransformer {
    private final ClassDefiner definer;
    private final Rejections rejections;
    private final AgentLog log;
    private final Path dump;
    /** One transformer (and so one class-hierarchy cache) per loader; a loader's classes may shadow another's. */
    private final Map<ClassLoader, Transformer> transformers = new WeakHashMap<>();

    AsyncClassTransformer(ClassDefiner definer, Rejections rejections, AgentLog log, Path dump) {
        this.definer = definer;
        this.rejections = rejections;
        this.log = log;
        this.dump = dump;
    }

    @Override
    public byte[] transform(Module module, ClassLoader loader, String className, Class<?> redefined,
                            ProtectionDomain domain, byte[] bytes) {
        if (loader == null || redefined != null || (className != null && isSkipped(className))) return null;
        try {
            if (!ClassFileFacts.mentionsCoda(bytes)) return null;
            // defineClass(null, ...) may leave the name out: the bytes say it.
            if (className == null) className = ClassFileFacts.className(bytes);
            if (isSkipped(className)) return null;
            TransformResult result = transformerFor(loader).transform(bytes);
            for (Diagnostic d : result.diagnostics()) report(loader, className, d);
            for (Diagnostic d : result.heldLocks()) report(loader, className, d);
            if (!result.changed()) return null;
            definer.define(loader, domain, result.generated());
            log.rewritten(className, result.generated().size());
            if (dump != null) dump(className, result);
            return result.bytes();
        } catch (ClassFileFacts.MalformedClassException e) {
            log.problem("Coda agent left " + named(className) + " unchanged: malformed class file: " + e.getMessage(),
                    null);
            return null;
        } catch (Throwable t) {
            log.problem("Coda agent left " + named(className) + " unchanged: " + t, t);
            return null;
        }
    }

    /** A class by its binary name; one defined without a name, whose bytes could not be read, says so. */
    private static String named(String className) {
        return className == null ? "a class defined without a name" : className.replace('/', '.');
    }

    private void dump(String className, TransformResult result) {
        try {
            write(className, result.bytes());
            for (Map.Entry<String, byte[]> g : result.generated().entrySet()) write(g.getKey(), g.getValue());
        } catch (IOException e) {
            log.problem("Coda agent could not dump " + className.replace('/', '.') + " to " + dump + ": " + e, null);
        }
    }

    private void write(String internalName, byte[] bytes) throws IOException {
        Path file = dump.resolve(internalName + ".class");
        Files.createDirectories(file.getParent());
        Files.write(file, bytes);
    }

    /** Logs {@code d}; an error is also recorded for the awaits it concerns to throw. */
    private void report(ClassLoader loader, String className, Diagnostic d) {
        // A loading class says nothing of where its source is: the path is relative to a source root unknown here.
        String line = d.underUnknownSourceRoot().toString();
        String binaryName = className.replace('/', '.');
        if (d.isError()) {
            if (rejections.record(loader, binaryName, d.line(), line)) log.rejected(line);
        } else {
            log.warning(line);
        }
    }

    /** JDK classes, and Coda's own runtime, annotations, transformer and agent. User code under dev/coda/x/ is not skipped. */
    static boolean isSkipped(String className) {
        if (className.startsWith("java/") || className.startsWith("javax/") || className.startsWith("jdk/")
                || className.startsWith("sun/") || className.startsWith("com/sun/")) {
            return true;
        }
        if (className.startsWith("dev/coda/")) {
            String rest = className.substring("dev/coda/".length());
            return rest.indexOf('/') < 0 || rest.startsWith("agent/") || rest.startsWith("transformer/");
        }
        return false;
    }

    private synchronized Transformer transformerFor(ClassLoader loader) {
        Transformer t = transformers.get(loader);
        if (t == null) {
            t = new Transformer(new LoaderLocator(loader));
            transformers.put(loader, t);
        }
        return t;
    }

    /** Finds class bytes through a loader without keeping it alive (it is a key of a WeakHashMap). */
    private static final class LoaderLocator implements ClassFileLocator {
        private final WeakReference<ClassLoader> loader;

        LoaderLocator(ClassLoader loader) {
            this.loader = new WeakReference<>(loader);
        }

        @Override
        public byte[] locate(String internalName) {
            ClassLoader l = loader.get();
            return l == null ? null : ClassFileLocator.of(l).locate(internalName);
        }
    }
}
