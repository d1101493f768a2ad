package dev.coda.transformer.constructs;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.coda.Task;
import dev.coda.transformer.ClassFileLocator;
import dev.coda.transformer.Diagnostic;
import dev.coda.transformer.TransformResult;
import dev.coda.transformer.read.ClassFileFacts;
import dev.coda.transformer.Transformer;
import dev.coda.transformer.support.InMemoryCompiler;
import dev.coda.transformer.support.Instrumented;
import dev.coda.transformer.support.MapLoader;
import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Class files of Java 17 to 28 are read and written at their own version; other versions are a clear error naming
 * the class and the version; bytes that are not a class file never crash the transformer.
 */
class ClassVersionTest {
    static final String SRC = """
            package p;
            import dev.coda.*;
            import java.util.concurrent.*;
            public class V {
                @Async public static Task<String> go(CompletableFuture<String> f, long n) {
                    String s = Coda.await(f);
                    return Task.completed(s + n);
                }
            }
            """;
    static byte[] v61;

    @BeforeAll
    static void compile() {
        // --release 17 whatever JDK runs the suite: the versions below are patched from a Java 17 class file.
        v61 = InMemoryCompiler.compile(Map.of("p/V.java", SRC), "--release", "17").get("p/V");
        assertEquals(61, major(v61), "--release 17 writes Java 17 class files");
    }

    static int major(byte[] b) {
        return ((b[6] & 0xFF) << 8) | (b[7] & 0xFF);
    }

    static byte[] withMajor(byte[] b, int major) {
        byte[] c = b.clone();
        c[6] = (byte) (major >> 8);
        c[7] = (byte) major;
        return c;
    }

    static Transformer transformer() {
        return new Transformer(ClassFileLocator.of(ClassVersionTest.class.getClassLoader()));
    }

    @ParameterizedTest(name = "major {0}")
    @ValueSource(ints = {61, 62, 63, 64, 65, 66, 67, 68, 69, 70, 71, 72})
    void supportedVersionsAreRewrittenAtTheirOwnVersion(int version) throws Exception {
        TransformResult r = transformer().transform(withMajor(v61, version));
        assertEquals(List.of(), r.diagnostics());
        assertTrue(r.changed());
        assertEquals(version, major(r.bytes()));
        assertEquals(List.of("p/V$$Coda$go"), List.copyOf(r.generated().keySet()));
        for (byte[] g : r.generated().values()) assertEquals(version, major(g));
        // The transformer's own verify stage passed; ASM's checking verifier must agree on every written class.
        // No JVM here loads majors above 69, so the classes it consults are loaded at Java 17's version.
        Map<String, byte[]> loadable = new TreeMap<>();
        loadable.put("p/V", withMajor(r.bytes(), 61));
        r.generated().forEach((name, bytes) -> loadable.put(name, withMajor(bytes, 61)));
        ClassLoader loader = new MapLoader(loadable);
        assertEquals("", checked(r.bytes(), loader), "host verifies");
        for (byte[] g : r.generated().values()) assertEquals("", checked(g, loader), "state machine verifies");
    }

    /** What ASM's checking verifier finds wrong with a class, with its classes resolved here; empty when nothing. */
    static String checked(byte[] bytes, ClassLoader loader) {
        java.io.StringWriter problems = new java.io.StringWriter();
        org.objectweb.asm.util.CheckClassAdapter.verify(new org.objectweb.asm.ClassReader(bytes), loader, false,
                new java.io.PrintWriter(problems));
        return problems.toString();
    }

    @Test
    void java17OutputRunsOnThisJvm() throws Throwable {
        Instrumented code = Instrumented.of(Map.of("p/V", v61)).requireClean();
        assertEquals(61, major(code.output.get("p/V")));
        assertEquals(61, major(code.output.get("p/V$$Coda$go")));
        CompletableFuture<String> f = new CompletableFuture<>();
        Task<?> t = (Task<?>) code.call("p.V", "go", f, 7L);
        assertFalse(t.isDone());
        f.complete("x");
        assertEquals("x7", t.join());
    }

    @Test
    void versionAboveJava28IsAClearError() throws Exception {
        TransformResult r = assertDoesNotThrow(() -> transformer().transform(withMajor(v61, 73)));
        assertFalse(r.changed());
        assertEquals(List.of("p/V.java:4: error: class p.V has class-file version 73 (Java 29); Coda reads and writes "
                + "versions 61 to 72 (Java 17 to 28): compile it with a supported --release"),
                r.diagnostics().stream().map(Diagnostic::toString).toList());
    }

    @Test
    void versionBelowJava17IsAClearError() throws Exception {
        TransformResult r = assertDoesNotThrow(() -> transformer().transform(withMajor(v61, 60)));
        assertFalse(r.changed());
        assertEquals(List.of("p/V.java:4: error: class p.V has class-file version 60 (Java 16); Coda reads and writes "
                + "versions 61 to 72 (Java 17 to 28): compile it with a supported --release"),
                r.diagnostics().stream().map(Diagnostic::toString).toList());
    }

    /**
     * Bytes that are not a well-formed class file are either an error diagnostic (class left unchanged) or the
     * transformer's typed {@link ClassFileFacts.MalformedClassException} with a message; never any other exception.
     * Returns the message.
     */
    static String rejectMalformed(Transformer t, byte[] bytes, String what) {
        TransformResult r;
        try {
            r = t.transform(bytes);
        } catch (ClassFileFacts.MalformedClassException e) {
            assertNotNull(e.getMessage(), what);
            assertFalse(e.getMessage().isBlank(), what);
            return e.getMessage();
        } catch (Throwable e) {
            throw new AssertionError(what + ": the transformer crashed with " + e, e);
        }
        assertFalse(r.changed(), what + " was accepted");
        assertTrue(r.hasErrors(), what + " was accepted without an error: " + r.diagnostics());
        return r.diagnostics().get(0).message();
    }

    @Test
    void badMagicNumberIsRejected() {
        byte[] b = v61.clone();
        b[0] = 0x00;
        assertTrue(rejectMalformed(transformer(), b, "bad magic").contains("magic"));
    }

    @Test
    void emptyAndTinyInputsAreRejected() {
        assertTrue(rejectMalformed(transformer(), new byte[0], "empty").contains("truncated"));
        assertTrue(rejectMalformed(transformer(), java.util.Arrays.copyOf(v61, 9), "9 bytes").contains("truncated"));
    }

    @Test
    void everyTruncationIsRejectedWithoutACrash() {
        Transformer t = transformer();
        for (int len = 0; len < v61.length; len += 3) {
            rejectMalformed(t, java.util.Arrays.copyOf(v61, len), "truncated to " + len + " of " + v61.length + " bytes");
        }
    }

    @Test
    void corruptedConstantPoolTagIsRejected() {
        byte[] b = v61.clone();
        b[10] = (byte) 99; // tag of constant-pool entry #1
        assertTrue(rejectMalformed(transformer(), b, "bad tag").contains("99"));
    }

    @Test
    void corruptedBytesAnywhereNeverCrashTheTransformer() {
        Transformer t = transformer();
        for (int i = 8; i < v61.length; i++) {
            byte[] b = v61.clone();
            b[i] = (byte) ~b[i];
            try {
                TransformResult r = t.transform(b);
                if (r.changed()) {
                    // Whatever was accepted and rewritten must still be a readable class.
                    new org.objectweb.asm.ClassReader(r.bytes()).accept(new org.objectweb.asm.tree.ClassNode(), 0);
                }
            } catch (ClassFileFacts.MalformedClassException expected) {
                // the typed rejection
            } catch (Throwable e) {
                throw new AssertionError("byte " + i + " inverted: the transformer crashed with " + e, e);
            }
        }
    }

    /** A class file really written by javac 25 (--release 25) is rewritten, and runs on a Java 25 JVM. */
    @Test
    void realJava25ClassFileIsRewrittenAndRunsOnJava25() throws Exception {
        Path jdk25 = Paths.get("/usr/lib/jvm/temurin-25-jdk-amd64");
        assumeTrue(Files.isExecutable(jdk25.resolve("bin/javac")), "no JDK 25 on this machine");
        Path dir = Files.createTempDirectory("coda-v69");
        Path src = dir.resolve("src/p/Main25.java");
        Files.createDirectories(src.getParent());
        Files.writeString(src, """
                package p;
                import dev.coda.*;
                import java.util.concurrent.*;
                public class Main25 {
                    record R(int a, String b) {}
                    @Async static Task<String> go(CompletableFuture<Integer> f) {
                        Object o = new R(Coda.await(f), "b");
                        String s = switch (o) {
                            case R(int a, String b) when a > 1 -> b + a + Coda.await(f);
                            case R r -> "small";
                            default -> "other";
                        };
                        return Task.completed(s);
                    }
                    public static void main(String[] args) throws Exception {
                        CompletableFuture<Integer> f = new CompletableFuture<>();
                        Task<String> t = go(f);
                        Thread th = new Thread(() -> f.complete(5), "completer");
                        th.start(); th.join();
                        System.out.println(t.getClass().getName() + " " + t.join());
                    }
                }
                """);
        String cp = System.getProperty("java.class.path");
        Path classes = dir.resolve("classes");
        run(List.of(jdk25.resolve("bin/javac").toString(), "--release", "25", "-g", "-proc:none", "-cp", cp,
                "-d", classes.toString(), src.toString()));
        Map<String, byte[]> in = new TreeMap<>();
        try (Stream<Path> files = Files.walk(classes)) {
            for (Path f : files.filter(f -> f.toString().endsWith(".class")).toList()) {
                String name = classes.relativize(f).toString().replace(File.separatorChar, '/').replace(".class", "");
                in.put(name, Files.readAllBytes(f));
            }
        }
        assertEquals(69, major(in.get("p/Main25")));
        ClassFileLocator parent = ClassFileLocator.of(ClassVersionTest.class.getClassLoader());
        Transformer t = new Transformer(n -> in.containsKey(n) ? in.get(n) : parent.locate(n));
        TransformResult r = t.transform(in.get("p/Main25"));
        assertEquals(List.of(), r.diagnostics());
        assertTrue(r.changed());
        assertEquals(69, major(r.bytes()));
        Files.write(classes.resolve("p/Main25.class"), r.bytes());
        for (Map.Entry<String, byte[]> g : r.generated().entrySet()) {
            assertEquals(69, major(g.getValue()));
            Files.write(classes.resolve(g.getKey() + ".class"), g.getValue());
        }
        String out = run(List.of(jdk25.resolve("bin/java").toString(), "-cp",
                classes + File.pathSeparator + cp, "p.Main25"));
        assertEquals("p.Main25$$Coda$go b55", out.strip());

        // Java 26 to 28: the same class file with its major raised is rewritten at that version and verifies.
        // The JVM running this test may be 17: the classes the verifier consults are loaded at Java 17's version.
        Map<String, byte[]> loadable = new TreeMap<>();
        in.forEach((name, bytes) -> loadable.put(name, withMajor(bytes, 61)));
        loadable.put("p/Main25", withMajor(r.bytes(), 61));
        r.generated().forEach((name, bytes) -> loadable.put(name, withMajor(bytes, 61)));
        ClassLoader loader = new MapLoader(loadable);
        for (int raised = 70; raised <= 72; raised++) {
            TransformResult newer = t.transform(withMajor(in.get("p/Main25"), raised));
            assertEquals(List.of(), newer.diagnostics());
            assertEquals(raised, major(newer.bytes()));
            assertEquals("", checked(newer.bytes(), loader), "host at major " + raised);
            for (byte[] g : newer.generated().values()) {
                assertEquals(raised, major(g));
                assertEquals("", checked(g, loader), "state machine at major " + raised);
            }
        }
    }

    private static String run(List<String> command) throws Exception {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(60, TimeUnit.SECONDS));
        assertEquals(0, p.exitValue(), String.join(" ", command) + "\n" + out);
        return out;
    }
}
