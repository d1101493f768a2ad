package dev.coda.transformer.support;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import javax.tools.Diagnostic;
import javax.tools.DiagnosticCollector;
import javax.tools.FileObject;
import javax.tools.ForwardingJavaFileManager;
import javax.tools.JavaCompiler;
import javax.tools.JavaFileObject;
import javax.tools.SimpleJavaFileObject;
import javax.tools.StandardJavaFileManager;
import javax.tools.StandardLocation;
import javax.tools.ToolProvider;

/**
 * Compiles Java sources in memory; the classpath is the test's own (runtime and annotations). The compiler is javac,
 * or Eclipse's (ECJ, as Eclipse and VS Code use) when the system property {@code coda.compiler} is {@code ecj}: the
 * build runs the transformer's tests once with each.
 */
public final class InMemoryCompiler {
    /** "javac" or "ecj": the compiler of this run. */
    public static final String COMPILER = System.getProperty("coda.compiler", "javac");
    /** A test that must use one compiler whatever the run's (see {@link #using}). */
    private static final ThreadLocal<String> CHOSEN = new ThreadLocal<>();

    private static String compiler() {
        String chosen = CHOSEN.get();
        return chosen != null ? chosen : COMPILER;
    }

    private static JavaCompiler tool() {
        return compiler().equals("ecj") ? new org.eclipse.jdt.internal.compiler.tool.EclipseCompiler()
                : ToolProvider.getSystemJavaCompiler();
    }

    /** Whether compilations on this thread use ECJ. */
    public static boolean ecj() {
        return compiler().equals("ecj");
    }

    /** Code run by {@link #using}. */
    public interface Body<T> {
        T call() throws Throwable;
    }

    /** Runs {@code body} with every compilation on this thread done by {@code compiler} ("javac" or "ecj"). */
    public static <T> T using(String compiler, Body<T> body) throws Throwable {
        String outer = CHOSEN.get();
        CHOSEN.set(compiler);
        try {
            return body.call();
        } finally {
            CHOSEN.set(outer);
        }
    }

    private InMemoryCompiler() {}

    /**
     * The name the compiler gives the {@code n}th lambda (from 0) of a class, in method {@code method}: javac's
     * {@code lambda$method$n}, counted per method; ECJ's {@code lambda$n}, counted per class.
     */
    public static String lambda(String method, int n) {
        return compiler().equals("ecj") ? "lambda$" + n : "lambda$" + method + "$" + n;
    }

    /** Compiles {@code sources} (file name, e.g. {@code p/Foo.java}, to text); returns internal name to bytes. */
    public static Map<String, byte[]> compile(Map<String, String> sources, String... extraOptions) {
        return compiler().equals("ecj") ? compileOnDisk(sources, extraOptions) : compileInMemory(sources, extraOptions);
    }

    /** ECJ reads its sources from files (its javax.tools front end refuses sources that are not on disk). */
    private static Map<String, byte[]> compileOnDisk(Map<String, String> sources, String... extraOptions) {
        try {
            Path root = Files.createTempDirectory("coda-ecj-");
            try {
                Path src = Files.createDirectories(root.resolve("src"));
                Path classes = Files.createDirectories(root.resolve("classes"));
                List<java.io.File> files = new ArrayList<>();
                for (Map.Entry<String, String> s : sources.entrySet()) {
                    Path file = src.resolve(s.getKey());
                    Files.createDirectories(file.getParent());
                    Files.writeString(file, s.getValue());
                    files.add(file.toFile());
                }
                DiagnosticCollector<JavaFileObject> diagnostics = new DiagnosticCollector<>();
                JavaCompiler ecj = tool();
                StandardJavaFileManager manager = ecj.getStandardFileManager(diagnostics, null, null);
                // -preserveAllLocals is what Eclipse and VS Code compile with (the batch compiler's default drops a
                // local that is never read, and an @Owned one with it: see the README).
                List<String> options = new ArrayList<>(List.of(debugInfo(), "-preserveAllLocals", "-proc:none", "-nowarn",
                        "-d", classes.toString(), "-classpath", System.getProperty("java.class.path")));
                options.addAll(List.of(extraOptions));
                // ECJ targets its newest release by default; javac, the running JDK's. Do as javac does.
                if (!options.contains("--release") && !options.contains("-source")) {
                    options.addAll(List.of("--release", String.valueOf(Runtime.version().feature())));
                }
                boolean ok = ecj.getTask(null, manager, diagnostics, options, null,
                        manager.getJavaFileObjectsFromFiles(files)).call();
                if (!ok) throw failure(diagnostics);
                Map<String, byte[]> out = new TreeMap<>();
                try (java.util.stream.Stream<Path> walk = Files.walk(classes)) {
                    for (Path c : (Iterable<Path>) walk.filter(f -> f.toString().endsWith(".class"))::iterator) {
                        String name = classes.relativize(c).toString().replace(java.io.File.separatorChar, '/');
                        out.put(name.substring(0, name.length() - ".class".length()), Files.readAllBytes(c));
                    }
                }
                return out;
            } finally {
                try (java.util.stream.Stream<Path> walk = Files.walk(root)) {
                    walk.sorted(java.util.Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * {@code -g}, or {@code -g:none} with {@code -Dcoda.debugInfo=none}: class files without line numbers or local
     * variable tables, which a build may ask for, are rewritten too (the fuzzers run both ways).
     */
    private static String debugInfo() {
        return "none".equals(System.getProperty("coda.debugInfo")) ? "-g:none" : "-g";
    }

    private static IllegalArgumentException failure(DiagnosticCollector<JavaFileObject> diagnostics) {
        StringBuilder message = new StringBuilder("compilation failed:\n");
        for (Diagnostic<? extends JavaFileObject> d : diagnostics.getDiagnostics()) {
            message.append(d.getSource() == null ? "" : d.getSource().getName() + ":" + d.getLineNumber() + ": ")
                    .append(d.getKind()).append(": ").append(d.getMessage(null)).append('\n');
        }
        return new IllegalArgumentException(message.toString());
    }

    private static Map<String, byte[]> compileInMemory(Map<String, String> sources, String... extraOptions) {
        DiagnosticCollector<JavaFileObject> diagnostics = new DiagnosticCollector<>();
        JavaCompiler javac = tool();
        StandardJavaFileManager standard = javac.getStandardFileManager(diagnostics, null, null);
        Map<String, ByteArrayOutputStream> out = new TreeMap<>();
        ForwardingJavaFileManager<StandardJavaFileManager> manager = new ForwardingJavaFileManager<>(standard) {
            @Override
            public JavaFileObject getJavaFileForOutput(Location location, String className, JavaFileObject.Kind kind,
                                                       FileObject sibling) {
                return new SimpleJavaFileObject(URI.create("mem:///" + className.replace('.', '/') + ".class"), kind) {
                    @Override
                    public OutputStream openOutputStream() {
                        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
                        out.put(className.replace('.', '/'), bytes);
                        return bytes;
                    }
                };
            }
        };
        List<JavaFileObject> units = new ArrayList<>();
        for (Map.Entry<String, String> s : sources.entrySet()) {
            units.add(new SimpleJavaFileObject(URI.create("string:///" + s.getKey()), JavaFileObject.Kind.SOURCE) {
                @Override
                public CharSequence getCharContent(boolean ignoreEncodingErrors) {
                    return s.getValue();
                }
            });
        }
        List<String> options = new ArrayList<>(List.of(debugInfo(), "-proc:none", "-classpath", System.getProperty("java.class.path")));
        options.addAll(List.of(extraOptions));
        boolean ok = javac.getTask(null, manager, diagnostics, options, null, units).call();
        if (!ok) throw failure(diagnostics);
        Map<String, byte[]> classes = new TreeMap<>();
        out.forEach((name, bytes) -> classes.put(name, bytes.toByteArray()));
        return classes;
    }
}
