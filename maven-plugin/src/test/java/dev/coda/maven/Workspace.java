package dev.coda.maven;

import dev.coda.Async;
import dev.coda.Task;
import java.io.File;
import java.io.IOException;
import java.io.StringWriter;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import javax.tools.JavaCompiler;
import javax.tools.StandardJavaFileManager;
import javax.tools.ToolProvider;
import org.apache.maven.plugin.MojoExecutionException;
import org.apache.maven.plugin.MojoFailureException;
import org.apache.maven.plugin.logging.SystemStreamLog;

/** A throwaway project: sources, a classes directory, javac, and the instrumenter with a log that records. */
final class Workspace {
    final Path sources;
    final Path classes;
    final List<String> infos = new ArrayList<>();
    final List<String> debugs = new ArrayList<>();
    /** The goal's {@code verbose} parameter for the next run. */
    boolean verbose;
    final List<String> warnings = new ArrayList<>();
    final List<String> errors = new ArrayList<>();

    Workspace(Path root) throws IOException {
        this.sources = Files.createDirectories(root.resolve("src"));
        this.classes = Files.createDirectories(root.resolve("classes"));
    }

    /** Writes {@code p/Name.java} and compiles it into the classes directory, as maven-compiler-plugin would. */
    void compile(String internalName, String source) throws IOException {
        Path file = sources.resolve(internalName + ".java");
        Files.createDirectories(file.getParent());
        Files.writeString(file, source);
        JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
        StringWriter out = new StringWriter();
        try (StandardJavaFileManager files = javac.getStandardFileManager(null, null, null)) {
            List<String> options = List.of("-g", "--release", "17", "-d", classes.toString(),
                    "-classpath", codeSource(Task.class) + File.pathSeparator + codeSource(Async.class)
                            + File.pathSeparator + classes);
            boolean ok = javac.getTask(out, files, null, options, null, files.getJavaFileObjects(file.toFile())).call();
            if (!ok) throw new IllegalStateException("javac failed:\n" + out);
        }
    }

    void run() throws MojoExecutionException, MojoFailureException {
        run(false);
    }

    void run(boolean failOnBlockingClose) throws MojoExecutionException, MojoFailureException {
        run(failOnBlockingClose, false);
    }

    void run(boolean failOnBlockingClose, boolean failOnHeldLock) throws MojoExecutionException, MojoFailureException {
        new Instrumenter(classes, List.of(codeSource(Task.class), codeSource(Async.class)),
                new SourcePaths(List.of(sources.toString())), new RecordingLog(), verbose,
                failOnBlockingClose, failOnHeldLock).run();
    }

    Path classFile(String internalName) {
        return classes.resolve(internalName + ".class");
    }

    /** Every file in the classes directory, relative path to content. */
    Map<String, byte[]> snapshot() throws IOException {
        try (Stream<Path> files = Files.walk(classes)) {
            Map<String, byte[]> all = new TreeMap<>();
            for (Path p : files.filter(Files::isRegularFile).collect(Collectors.toList())) {
                all.put(classes.relativize(p).toString().replace(File.separatorChar, '/'), Files.readAllBytes(p));
            }
            return all;
        }
    }

    List<String> fileNames() throws IOException {
        return List.copyOf(snapshot().keySet());
    }

    String lastInfo() {
        return infos.get(infos.size() - 1);
    }

    private static String codeSource(Class<?> c) {
        try {
            return Path.of(c.getProtectionDomain().getCodeSource().getLocation().toURI()).toString();
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    private final class RecordingLog extends SystemStreamLog {
        @Override
        public void debug(CharSequence content) {
            debugs.add(content.toString());
        }

        @Override
        public void info(CharSequence content) {
            infos.add(content.toString());
        }

        @Override
        public void warn(CharSequence content) {
            warnings.add(content.toString());
        }

        @Override
        public void error(CharSequence content) {
            errors.add(content.toString());
        }
    }
}
