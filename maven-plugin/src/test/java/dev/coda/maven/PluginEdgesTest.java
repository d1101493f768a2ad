package dev.coda.maven;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.coda.Async;
import dev.coda.Task;
import java.io.File;
import java.io.IOException;
import java.io.StringWriter;
import java.lang.reflect.Field;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import javax.tools.JavaCompiler;
import javax.tools.StandardJavaFileManager;
import javax.tools.ToolProvider;
import org.apache.maven.plugin.AbstractMojo;
import org.apache.maven.plugin.MojoExecutionException;
import org.apache.maven.plugin.MojoFailureException;
import org.apache.maven.plugin.logging.SystemStreamLog;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.objectweb.asm.ClassReader;
import org.objectweb.asm.ClassWriter;
import org.objectweb.asm.MethodVisitor;
import org.objectweb.asm.Opcodes;

/** The plugin as a user meets it: incremental builds, bad input, options, odd directories and class files. */
class PluginEdgesTest {
    private static final String HEADER = "package p;\nimport dev.coda.*;\n";
    private static final String HOST = HEADER + "public class Host {\n"
            + "  @Async public static Task<Integer> one(Task<Integer> t) { return Task.completed(Coda.await(t) + 1); }\n"
            + "}\n";
    private static final String OTHER = HEADER + "public class Other {\n"
            + "  @Async public static Task<String> s(Task<String> t) { return Task.completed(Coda.await(t)); }\n"
            + "}\n";
    private static final String NESTED = HEADER + "import java.util.function.Supplier;\n"
            + "public class Outer {\n"
            + "  public static class Nested {\n"
            + "    @Async public static Task<Integer> n(Task<Integer> t) { return Task.completed(Coda.await(t)); }\n"
            + "  }\n"
            + "  public class Inner {\n"
            + "    @Async public Task<Integer> i(Task<Integer> t) { return Task.completed(Coda.await(t) + 1); }\n"
            + "  }\n"
            + "  public interface Call { Task<Integer> call(Task<Integer> t); }\n"
            + "  public static Call anon() {\n"
            + "    return new Call() {\n"
            + "      public Task<Integer> call(Task<Integer> t) { return Task.completed(Coda.await(t) + 2); }\n"
            + "    };\n"
            + "  }\n"
            + "  public static Supplier<Task<Integer>> lambda(Task<Integer> t) {\n"
            + "    return () -> Task.completed(Coda.await(t) + 3);\n"
            + "  }\n"
            + "}\n";
    private static final String NO_CODA = "package p;\npublic class Plain {\n  public static int one(int t) { return t + 1; }\n}\n";
    private static final String HELD_LOCK = InstrumenterTest.HELD_LOCK;
    private static final Path JDK25 = Path.of("/usr/lib/jvm/temurin-25-jdk-amd64/bin/javac");

    @TempDir Path root;
    Workspace ws;

    @BeforeEach
    void setUp() throws IOException {
        ws = new Workspace(root.resolve("ws"));
    }

    // ------------------------------------------------------------------------------------------------ incremental

    /** Static nested, inner, anonymous classes and an async lambda in one run; a second run changes no byte. */
    @Test
    void nestedInnerAnonymousAndLambdaInOneRunThenASecondRunChangesNothing() throws Exception {
        ws.compile("p/Outer", NESTED);
        ws.run();
        assertEquals("Coda: 4 classes rewritten, 4 state machines generated", ws.lastInfo());
        assertEquals(List.of("p/Outer$$Coda$lambda$lambda$0.class", "p/Outer$1$$Coda$call.class", "p/Outer$1.class",
                "p/Outer$Call.class", "p/Outer$Inner$$Coda$i.class", "p/Outer$Inner.class",
                "p/Outer$Nested$$Coda$n.class", "p/Outer$Nested.class", "p/Outer.class"), ws.fileNames());
        Map<String, byte[]> first = ws.snapshot();

        ws.run();

        assertEquals("Coda: 0 classes rewritten (4 already instrumented)", ws.lastInfo());
        assertSame(first, ws.snapshot());
    }

    /** Recompiling one class of two: only it is rewritten, and the result is byte for byte a clean build's. */
    @Test
    void anIncrementalBuildRewritesOnlyTheRecompiledClassAndWritesWhatACleanBuildWrites() throws Exception {
        ws.compile("p/Host", HOST);
        ws.compile("p/Other", OTHER);
        ws.run();
        byte[] other = Files.readAllBytes(ws.classFile("p/Other"));

        ws.compile("p/Host", HOST.replace("+ 1", "+ 10"));
        ws.run();

        assertEquals("Coda: 1 class rewritten, 1 state machine generated (1 already instrumented)", ws.lastInfo());
        assertArrayEquals(other, Files.readAllBytes(ws.classFile("p/Other")));

        Workspace clean = new Workspace(root.resolve("clean"));
        clean.compile("p/Host", HOST.replace("+ 1", "+ 10"));
        clean.compile("p/Other", OTHER);
        clean.run();
        assertSame(clean.snapshot(), ws.snapshot());
    }

    /** A class recompiled with an error: the build fails and every file stays as the previous build left it. */
    @Test
    void aClassRecompiledWithAnErrorLeavesThePreviousOutputAsItWas() throws Exception {
        ws.compile("p/Host", HOST);
        ws.compile("p/Other", OTHER);
        ws.run();
        ws.compile("p/Host", HEADER + "public class Host {\n"
                + "  public static int one(Task<Integer> t) { return Coda.await(t); }\n"
                + "}\n");
        ws.compile("p/Other", OTHER.replace("Coda.await(t)", "Coda.await(t) + \"!\""));
        Map<String, byte[]> before = ws.snapshot();

        MojoFailureException e = assertThrows(MojoFailureException.class, ws::run);

        assertEquals("Coda: 1 error", e.getMessage());
        assertEquals(List.of(ws.sources.resolve("p/Host.java") + ":4: error: Coda.await in Host.one, which is neither "
                + "an @Async method nor an async lambda; annotate the method with @Async and make it return Task<T> (or "
                + "await inside a lambda that returns a Task)"), ws.errors);
        assertSame(before, ws.snapshot());
        assertTrue(ws.fileNames().contains("p/Host$$Coda$one.class"), "the old state machine is not deleted yet");

        ws.compile("p/Host", HOST);
        ws.run();
        assertEquals("Coda: 2 classes rewritten, 2 state machines generated", ws.lastInfo());
    }

    /** A nested class whose source is gone: its state machine goes with it, the outer class's stay. */
    @Test
    void aDeletedNestedClassLosesOnlyItsOwnStateMachine() throws Exception {
        ws.compile("p/Outer", NESTED);
        ws.run();
        Files.delete(ws.classFile("p/Outer$Inner"));
        ws.verbose = true;

        ws.run();

        Path stale = ws.classFile("p/Outer$Inner$$Coda$i");
        assertFalse(Files.exists(stale));
        assertEquals(List.of("Coda: deleted stale state machine " + stale,
                "Coda: 0 classes rewritten (3 already instrumented); 1 stale state machine deleted"), ws.infos.subList(
                ws.infos.size() - 2, ws.infos.size()));
        assertEquals(List.of("p/Outer$$Coda$lambda$lambda$0.class", "p/Outer$1$$Coda$call.class", "p/Outer$1.class",
                "p/Outer$Call.class", "p/Outer$Nested$$Coda$n.class", "p/Outer$Nested.class", "p/Outer.class"),
                ws.fileNames());
    }

    /**
     * Turning failOnHeldLock on for a build without clean: the class that holds a lock across an await is already
     * rewritten, and the documented check ("every class that awaits is checked") must still find it.
     */
    @Test
    void failOnHeldLockOnARerunStillFailsTheBuild() throws Exception {
        ws.compile("p/Locked", HELD_LOCK);
        ws.run();
        assertEquals(1, ws.warnings.size());

        MojoFailureException e = assertThrows(MojoFailureException.class, () -> ws.run(false, true));
        assertEquals("Coda: 1 error", e.getMessage());
    }

    /** The same for the warning: a re-run without clean still prints it, as it prints blocking closes again. */
    @Test
    void theHeldLockWarningIsRepeatedOnARerun() throws Exception {
        ws.compile("p/Locked", HELD_LOCK);
        ws.run();
        List<String> first = List.copyOf(ws.warnings);
        ws.warnings.clear();
        ws.run();
        assertEquals(first, ws.warnings);
    }

    // ------------------------------------------------------------------------------------------------ errors

    /** Errors in two files, one in a nested class: every one printed, sorted by file and line; nothing written. */
    @Test
    void errorsInSeveralFilesAreSortedByFileAndLineAndNothingIsWritten() throws Exception {
        ws.compile("p/Host", HOST);
        ws.compile("p/Z", HEADER + "public class Z {\n"
                + "  synchronized @Async Task<Integer> z(Task<Integer> t) { return Task.completed(Coda.await(t)); }\n"
                + "}\n");
        ws.compile("p/A", HEADER + "public class A {\n"
                + "  static class In {\n"
                + "    In(Task<Integer> t) { Coda.await(t); }\n"
                + "  }\n"
                + "}\n");
        Map<String, byte[]> before = ws.snapshot();

        MojoFailureException e = assertThrows(MojoFailureException.class, ws::run);

        assertEquals("Coda: 2 errors", e.getMessage());
        assertEquals(List.of(
                ws.sources.resolve("p/A.java") + ":5: error: Coda.await in a constructor of A$In cannot suspend; move "
                        + "the awaiting code into an @Async factory method or method",
                ws.sources.resolve("p/Z.java") + ":4: error: async method Z.z is synchronized; a monitor cannot be "
                        + "held across an await: remove 'synchronized' and guard the state with an async-aware lock or "
                        + "confine it to one task"), ws.errors);
        assertSame(before, ws.snapshot());
    }

    /** Without debug information: the file is the top-level class's name plus .java, and the line is 1. */
    @Test
    void anErrorInANestedClassCompiledWithoutDebugInformationNamesTheOuterFileAtLineOne() throws Exception {
        javac(ws.sources, ws.classes, "p/Outer", HEADER + "public class Outer {\n"
                + "  static class In {\n"
                + "    int plain(Task<Integer> t) { return Coda.await(t); }\n"
                + "  }\n"
                + "}\n", "-g:none");

        assertThrows(MojoFailureException.class, ws::run);

        assertEquals(List.of(ws.sources.resolve("p/Outer.java") + ":1: error: Coda.await in Outer$In.plain, which is "
                + "neither an @Async method nor an async lambda; annotate the method with @Async and make it return "
                + "Task<T> (or await inside a lambda that returns a Task)"), ws.errors);
    }

    /** A class whose compiled code fails the JVM's type checks: an error naming it, nothing written. */
    @Test
    void aClassThatDoesNotVerifyAsCompiledIsAnErrorAndNothingIsWritten() throws Exception {
        ws.compile("p/Host", HOST);
        ws.compile("p/Other", OTHER);
        Path host = ws.classFile("p/Host");
        Files.write(host, withMethodThatDoesNotVerify(Files.readAllBytes(host)));
        Map<String, byte[]> before = ws.snapshot();

        MojoFailureException e = assertThrows(MojoFailureException.class, ws::run);

        assertEquals("Coda: 1 error", e.getMessage());
        assertEquals(1, ws.errors.size(), String.join("\n", ws.errors));
        assertTrue(ws.errors.get(0).startsWith(ws.sources.resolve("p/Host.java") + ":3: error: p.Host does not verify "
                + "as it was compiled, so it is left unchanged (the JVM will refuse it too): [p.Host.bad()I"),
                ws.errors.get(0));
        assertSame(before, ws.snapshot());
    }

    // ------------------------------------------------------------------------------------------------ malformed

    /** A truncated class that names Coda: refused as malformed, naming the file, nothing written. */
    @Test
    void aTruncatedClassThatMentionsCodaIsMalformedNamingTheFile() throws Exception {
        ws.compile("p/Host", HOST);
        ws.compile("p/Other", OTHER);
        Path other = ws.classFile("p/Other");
        byte[] bytes = Files.readAllBytes(other);
        Files.write(other, Arrays.copyOf(bytes, bytes.length - 20));
        Map<String, byte[]> before = ws.snapshot();

        MojoFailureException e = assertThrows(MojoFailureException.class, ws::run);

        assertEquals("Coda: malformed class file " + other + ": truncated class file", e.getMessage());
        assertSame(before, ws.snapshot());
    }

    /** The same for a class that does not name Coda: docs promise the same message for any *.class file. */
    @Test
    void aTruncatedClassWithoutCodaIsMalformedNamingTheFile() throws Exception {
        ws.compile("p/Host", HOST);
        ws.compile("p/Plain", NO_CODA);
        Path plain = ws.classFile("p/Plain");
        byte[] bytes = Files.readAllBytes(plain);
        Files.write(plain, Arrays.copyOf(bytes, bytes.length - 20));
        Map<String, byte[]> before = ws.snapshot();

        MojoFailureException e = assertThrows(MojoFailureException.class, ws::run);

        assertTrue(e.getMessage().startsWith("Coda: malformed class file " + plain + ": "), e.getMessage());
        assertSame(before, ws.snapshot());
    }

    /** Resources, leftovers of a crashed run, a directory named like a class: passed over, untouched. */
    @Test
    void filesThatAreNotClassFilesArePassedOverUntouched() throws Exception {
        ws.compile("p/Host", HOST);
        Files.writeString(ws.classes.resolve("p/app.properties"), "a=b\n");
        Files.writeString(ws.classes.resolve("p/.Host.class.123.coda-tmp"), "half written");
        Files.writeString(ws.classes.resolve("p/Host.class.bak"), "backup");
        Files.createDirectories(ws.classes.resolve("p/Dir.class"));
        Files.writeString(ws.classes.resolve("p/Dir.class/readme.txt"), "text");
        Files.createDirectories(ws.classes.resolve("META-INF"));
        Files.writeString(ws.classes.resolve("META-INF/MANIFEST.MF"), "Manifest-Version: 1.0\n");

        ws.run();

        assertEquals("Coda: 1 class rewritten, 1 state machine generated", ws.lastInfo());
        assertEquals(List.of("META-INF/MANIFEST.MF", "p/.Host.class.123.coda-tmp", "p/Dir.class/readme.txt",
                "p/Host$$Coda$one.class", "p/Host.class", "p/Host.class.bak", "p/app.properties"), ws.fileNames());
        assertEquals("half written", Files.readString(ws.classes.resolve("p/.Host.class.123.coda-tmp")));
        assertEquals(List.of(), ws.warnings);
    }

    // ------------------------------------------------------------------------------------------------ versions

    /** A class compiled by JDK 25 (major 69) is rewritten by the plugin running on JDK 17, at its own version. */
    @Test
    void aJava25ClassIsRewrittenAtItsOwnVersion() throws Exception {
        assumeTrue(Files.isExecutable(JDK25), "JDK 25 not installed");
        javac25(ws.sources, ws.classes, "p/Host", HOST);
        assertEquals(69, major(Files.readAllBytes(ws.classFile("p/Host"))));

        ws.run();

        assertEquals("Coda: 1 class rewritten, 1 state machine generated", ws.lastInfo());
        assertTrue(InstrumentedProbe.isMarked(Files.readAllBytes(ws.classFile("p/Host"))));
        assertEquals(69, major(Files.readAllBytes(ws.classFile("p/Host"))));
        assertEquals(69, major(Files.readAllBytes(ws.classFile("p/Host$$Coda$one"))));
    }

    /** Major 60 (Java 16) with async code: the documented class-level error, at the class's first line. */
    @Test
    void aJava16ClassWithAsyncCodeIsAnErrorNamingItsVersion() throws Exception {
        ws.compile("p/Host", HOST);
        setMajor(ws.classFile("p/Host"), 60);
        Map<String, byte[]> before = ws.snapshot();

        MojoFailureException e = assertThrows(MojoFailureException.class, ws::run);

        assertEquals("Coda: 1 error", e.getMessage());
        assertEquals(List.of(ws.sources.resolve("p/Host.java") + ":3: error: class p.Host has class-file version 60 "
                + "(Java 16); Coda reads and writes versions 61 to 72 (Java 17 to 28): compile it with a supported "
                + "--release"), ws.errors);
        assertSame(before, ws.snapshot());
    }

    /** Major 73 (Java 29) with async code: the documented class-level error, not a crash. */
    @Test
    void aJava29ClassWithAsyncCodeIsAnErrorNamingItsVersion() throws Exception {
        ws.compile("p/Host", HOST);
        setMajor(ws.classFile("p/Host"), 73);
        Map<String, byte[]> before = ws.snapshot();

        MojoFailureException e = assertThrows(MojoFailureException.class, ws::run);

        assertEquals("Coda: 1 error", e.getMessage());
        assertEquals(List.of(ws.sources.resolve("p/Host.java") + ":3: error: class p.Host has class-file version 73 "
                + "(Java 29); Coda reads and writes versions 61 to 72 (Java 17 to 28): compile it with a supported "
                + "--release"), ws.errors);
        assertSame(before, ws.snapshot());
    }

    /**
     * Major 73 without async code: left alone, as every class without async code is (a Java 8 one too), and not
     * checked for blocking closes, which only code Coda can read could be; the class with async code beside it is
     * rewritten.
     */
    @Test
    void aJava29ClassWithoutAsyncCodeIsLeftAlone() throws Exception {
        ws.compile("p/Host", HOST);
        ws.compile("p/Plain", NO_CODA);
        setMajor(ws.classFile("p/Plain"), 73);
        byte[] plain = Files.readAllBytes(ws.classFile("p/Plain"));

        ws.run();

        assertEquals("Coda: 1 class rewritten, 1 state machine generated", ws.lastInfo());
        assertArrayEquals(plain, Files.readAllBytes(ws.classFile("p/Plain")));
        assertEquals(List.of(), ws.warnings);
        assertEquals(List.of(), ws.errors);
    }

    /** A Java 8 class without async code (a shaded dependency, say) is passed over, as any class without Coda. */
    @Test
    void aJava8ClassWithoutAsyncCodeIsPassedOver() throws Exception {
        ws.compile("p/Host", HOST);
        javac(ws.sources, ws.classes, "p/Plain", NO_CODA, "--release", "8");
        assertEquals(52, major(Files.readAllBytes(ws.classFile("p/Plain"))));
        byte[] plain = Files.readAllBytes(ws.classFile("p/Plain"));

        ws.run();

        assertEquals("Coda: 1 class rewritten, 1 state machine generated", ws.lastInfo());
        assertArrayEquals(plain, Files.readAllBytes(ws.classFile("p/Plain")));
    }

    // ------------------------------------------------------------------------------------------------ modules

    /** module-info.class of a module that requires dev.coda: left as compiled, its classes rewritten. */
    @Test
    void moduleInfoIsLeftAsCompiled() throws Exception {
        Path src = Files.createDirectories(root.resolve("mod/src"));
        Path out = Files.createDirectories(root.resolve("mod/classes"));
        Files.createDirectories(src.resolve("demo"));
        Files.writeString(src.resolve("module-info.java"), "module demo { requires dev.coda; exports demo; }\n");
        Files.writeString(src.resolve("demo/Host.java"), HOST.replace("package p;", "package demo;"));
        javacFiles(out, List.of(src.resolve("module-info.java"), src.resolve("demo/Host.java")),
                "-g", "--release", "17", "--module-path", codeSource(Task.class));
        byte[] moduleInfo = Files.readAllBytes(out.resolve("module-info.class"));

        new Instrumenter(out, List.of(codeSource(Task.class)), new SourcePaths(List.of(src.toString())), log(),
                false, false, false).run();

        assertEquals("Coda: 1 class rewritten, 1 state machine generated", lastInfo);
        assertArrayEquals(moduleInfo, Files.readAllBytes(out.resolve("module-info.class")));
        assertTrue(Files.exists(out.resolve("demo/Host$$Coda$one.class")));
    }

    /** A module-info that names a Coda type (uses dev.coda.AsyncCloseable) has no code: it is not a rewrite error. */
    @Test
    void aModuleInfoThatNamesACodaTypeIsLeftAsCompiled() throws Exception {
        Path src = Files.createDirectories(root.resolve("mod/src"));
        Path out = Files.createDirectories(root.resolve("mod/classes"));
        Files.createDirectories(src.resolve("demo"));
        Files.writeString(src.resolve("module-info.java"),
                "module demo { requires dev.coda; exports demo; uses dev.coda.AsyncCloseable; }\n");
        Files.writeString(src.resolve("demo/Host.java"), HOST.replace("package p;", "package demo;"));
        javacFiles(out, List.of(src.resolve("module-info.java"), src.resolve("demo/Host.java")),
                "-g", "--release", "17", "--module-path", codeSource(Task.class));
        byte[] moduleInfo = Files.readAllBytes(out.resolve("module-info.class"));

        new Instrumenter(out, List.of(codeSource(Task.class)), new SourcePaths(List.of(src.toString())), log(),
                false, false, false).run();

        assertEquals(List.of(), errors);
        assertEquals("Coda: 1 class rewritten, 1 state machine generated", lastInfo);
        assertArrayEquals(moduleInfo, Files.readAllBytes(out.resolve("module-info.class")));
    }

    /**
     * A multi-release layout (classes/META-INF/versions/21/p/Host.class): the docs say each state machine is
     * written next to its host. Multi-release output is not documented; this records what a user would meet.
     */
    @Test
    void aVersionedHostGetsItsStateMachineNextToIt() throws Exception {
        ws.compile("p/Host", HOST);
        Path versioned = ws.classes.resolve("META-INF/versions/21");
        javac(ws.sources, versioned, "p/Host", HOST.replace("+ 1", "+ 21"), "-g");
        ws.compile("p/Host", HOST); // the base source back in place

        ws.run();

        assertTrue(Files.exists(versioned.resolve("p/Host$$Coda$one.class")), ws.fileNames().toString());
    }

    // ------------------------------------------------------------------------------------------------ names

    /** A method whose (legal) name contains $$Coda$: its state machine must survive a second run. */
    @Test
    void aStateMachineOfAMethodNamedWithTheInfixSurvivesARerun() throws Exception {
        ws.compile("p/Host", HEADER + "public class Host {\n"
                + "  @Async public static Task<Integer> a$$Coda$b(Task<Integer> t) { return Task.completed(Coda.await(t)); }\n"
                + "}\n");
        ws.run();
        List<String> first = ws.fileNames();
        assertEquals(List.of("p/Host$$Coda$a$$Coda$b.class", "p/Host.class"), first);

        ws.run();

        assertEquals(first, ws.fileNames(), "a re-run deletes nothing");
    }

    /** A host name javac writes without trouble must not be too long for the plugin's temporary file. */
    @Test
    void aLongClassNameJavacAcceptsCanBeRewritten() throws Exception {
        String name = "H" + "x".repeat(210);
        ws.compile("p/" + name, HOST.replace("class Host", "class " + name));
        assertTrue(Files.exists(ws.classFile("p/" + name)));

        ws.run();

        assertEquals("Coda: 1 class rewritten, 1 state machine generated", ws.lastInfo());
    }

    // ------------------------------------------------------------------------------------------------ writing

    /**
     * A write that fails midway (a directory where a state machine goes): the error names the directory and the
     * file; what was written is consistent (a host with its state machines), the rest is as compiled, and no
     * temporary file is left.
     */
    @Test
    void aWriteThatFailsMidwayNamesTheFileAndLeavesEveryHostConsistent() throws Exception {
        ws.compile("p/Host", HOST);
        ws.compile("p/Other", OTHER);
        byte[] other = Files.readAllBytes(ws.classFile("p/Other"));
        Path blocked = Files.createDirectories(ws.classFile("p/Other$$Coda$s"));
        Files.writeString(blocked.resolve("x"), "x");

        MojoExecutionException e = assertThrows(MojoExecutionException.class, ws::run);

        assertTrue(e.getMessage().startsWith("Coda: cannot write the rewritten classes in " + ws.classes + ": "),
                e.getMessage());
        assertTrue(e.getMessage().contains(blocked.toString()), e.getMessage());
        assertTrue(InstrumentedProbe.isMarked(Files.readAllBytes(ws.classFile("p/Host"))));
        assertTrue(Files.exists(ws.classFile("p/Host$$Coda$one")));
        assertArrayEquals(other, Files.readAllBytes(ws.classFile("p/Other")));
        assertEquals(List.of("p/Host$$Coda$one.class", "p/Host.class", "p/Other$$Coda$s.class/x", "p/Other.class"),
                ws.fileNames(), "no temporary file");

        // The obstacle gone, the next run finishes the job.
        Files.delete(blocked.resolve("x"));
        Files.delete(blocked);
        ws.run();
        assertEquals("Coda: 1 class rewritten, 1 state machine generated (1 already instrumented)", ws.lastInfo());
    }

    /** failOnBlockingClose on a re-run without clean: the rewritten class is checked again and fails the build. */
    @Test
    void failOnBlockingCloseOnARerunStillFailsTheBuild() throws Exception {
        ws.compile("p/Conn", "package p;\npublic class Conn implements dev.coda.AsyncCloseable {\n"
                + "  public dev.coda.Task<Void> closeAsync() { return dev.coda.Task.done(); }\n}\n");
        ws.compile("p/Client", HEADER + "public class Client {\n"
                + "  static void use(Conn c) { c.close(); }\n"
                + "  @Async static Task<Integer> a(Task<Integer> t) { return Task.completed(Coda.await(t)); }\n"
                + "}\n");
        ws.run();
        assertEquals(1, ws.warnings.size());
        Map<String, byte[]> before = ws.snapshot();

        MojoFailureException e = assertThrows(MojoFailureException.class, () -> ws.run(true));

        assertEquals("Coda: 1 error", e.getMessage());
        assertEquals(List.of(ws.sources.resolve("p/Client.java") + ":4: error: Client.use closes an AsyncCloseable "
                + "(p.Conn) synchronously, blocking until its closeAsync() completes (and throwing on a thread that runs "
                + "a coroutine): close it in an @Async method, where try-with-resources awaits closeAsync(), or await "
                + "closeAsync() yourself"), ws.errors);
        assertSame(before, ws.snapshot());
    }

    /** A source under the second source root (generated sources, say) is named by its absolute path there. */
    @Test
    void aSourceUnderASecondSourceRootIsNamedThere() throws Exception {
        Path generated = Files.createDirectories(root.resolve("generated"));
        javac(generated, ws.classes, "p/Gen", HEADER + "public class Gen {\n"
                + "  int plain(Task<Integer> t) { return Coda.await(t); }\n"
                + "}\n", "-g");

        assertThrows(MojoFailureException.class, () -> new Instrumenter(ws.classes, List.of(codeSource(Task.class)),
                new SourcePaths(List.of(ws.sources.toString(), generated.toString())), log(), false, false, false)
                .run());

        assertEquals(List.of(generated.resolve("p/Gen.java") + ":4: error: Coda.await in Gen.plain, which is neither "
                + "an @Async method nor an async lambda; annotate the method with @Async and make it return Task<T> (or "
                + "await inside a lambda that returns a Task)"), errors);
    }

    // ------------------------------------------------------------------------------------------------ goals, options

    /** skip: the documented line, and no file touched. */
    @Test
    void skipLeavesTheClassesAsCompiledAndSaysSo() throws Exception {
        ws.compile("p/Host", HOST);
        Map<String, byte[]> before = ws.snapshot();
        InstrumentMojo mojo = mainMojo(ws.classes.toFile());
        set(mojo, "skip", true);

        mojo.execute();

        assertEquals(List.of("Coda: skipped (coda.skip=true), the classes are left as compiled"), infos);
        assertSame(before, ws.snapshot());
    }

    /** A classes directory that does not exist (a pom module): said at INFO, nothing done. */
    @Test
    void aMissingClassesDirectoryIsSaidAndNothingIsDone() throws Exception {
        File missing = root.resolve("nowhere/classes").toFile();
        InstrumentMojo mojo = mainMojo(missing);

        mojo.execute();

        assertEquals(List.of("Coda: nothing to instrument, " + missing + " does not exist"), infos);
        assertFalse(missing.exists(), "not created");
    }

    /** classesDirectory set to a file: the message must not claim that an existing path does not exist. */
    @Test
    void aClassesDirectoryThatIsAFileIsNotSaidToBeMissing() throws Exception {
        Path file = Files.writeString(root.resolve("classes.jar"), "x");
        InstrumentMojo mojo = mainMojo(file.toFile());

        try {
            mojo.execute();
        } catch (MojoExecutionException | MojoFailureException e) {
            assertTrue(e.getMessage().contains(file.toString()), e.getMessage());
            return;
        }
        assertFalse(infos.stream().anyMatch(l -> l.contains("does not exist")), infos.toString());
    }

    /** verbose through the goal: the rewrite of each class at INFO, before the summary. */
    @Test
    void verboseThroughTheGoalLogsEachClassAtInfo() throws Exception {
        ws.compile("p/Host", HOST);
        InstrumentMojo mojo = mainMojo(ws.classes.toFile());
        set(mojo, "verbose", true);

        mojo.execute();

        assertEquals(List.of("Coda: rewrote " + ws.classFile("p/Host") + ", state machines: [p/Host$$Coda$one]",
                "Coda: 1 class rewritten, 1 state machine generated"), infos);
    }

    /**
     * instrument-tests: a test class that extends a main class is rewritten with the test classpath, which holds
     * the main classes; its diagnostics name files under the test source roots.
     */
    @Test
    void instrumentTestsUsesTheTestClasspathAndTestSourceRoots() throws Exception {
        Path mainSrc = Files.createDirectories(root.resolve("t/src/main/java"));
        Path mainOut = Files.createDirectories(root.resolve("t/target/classes"));
        Path testSrc = Files.createDirectories(root.resolve("t/src/test/java"));
        Path testOut = Files.createDirectories(root.resolve("t/target/test-classes"));
        javac(mainSrc, mainOut, "p/Base", "package p;\npublic class Base { public int base() { return 1; } }\n", "-g");
        javac(testSrc, testOut, "p/BaseTest", HEADER + "public class BaseTest extends Base {\n"
                + "  @Async Task<Base> self(Task<Integer> t) {\n"
                + "    Base b = Coda.await(t) > 0 ? this : new Base();\n"
                + "    Coda.await(t);\n"
                + "    return Task.completed(b);\n"
                + "  }\n"
                + "  int bad(Task<Integer> t) { return Coda.await(t); }\n"
                + "}\n", "-g", "-classpath", mainOut.toString());
        Map<String, byte[]> before = snapshot(testOut);
        InstrumentTestsMojo mojo = new InstrumentTestsMojo();
        mojo.setLog(log());
        set(mojo, "testClassesDirectory", testOut.toFile());
        set(mojo, "testClasspathElements", List.of(testOut.toString(), mainOut.toString(), codeSource(Task.class)));
        set(mojo, "testSourceRoots", List.of(testSrc.toString()));

        MojoFailureException e = assertThrows(MojoFailureException.class, mojo::execute);

        assertEquals("Coda: 1 error", e.getMessage());
        assertEquals(List.of(testSrc.resolve("p/BaseTest.java") + ":9: error: Coda.await in BaseTest.bad, which is "
                + "neither an @Async method nor an async lambda; annotate the method with @Async and make it return "
                + "Task<T> (or await inside a lambda that returns a Task)"), errors);
        assertSame(before, snapshot(testOut));

        // Fixed: rewritten, with Base found on the test classpath.
        errors.clear();
        javac(testSrc, testOut, "p/BaseTest", HEADER + "public class BaseTest extends Base {\n"
                + "  @Async Task<Base> self(Task<Integer> t) {\n"
                + "    Base b = Coda.await(t) > 0 ? this : new Base();\n"
                + "    Coda.await(t);\n"
                + "    return Task.completed(b);\n"
                + "  }\n"
                + "}\n", "-g", "-classpath", mainOut.toString());
        mojo.execute();
        assertEquals(List.of(), errors);
        assertEquals("Coda: 1 class rewritten, 1 state machine generated", lastInfo);
    }

    /** A supertype missing from the classpath: the documented class-level error, naming the class. */
    @Test
    void aSupertypeMissingFromTheClasspathIsTheDocumentedError() throws Exception {
        Path mainOut = Files.createDirectories(root.resolve("t/target/classes"));
        javac(root.resolve("t/src/main/java"), mainOut, "p/Base", "package p;\npublic class Base {}\n", "-g");
        javac(ws.sources, ws.classes, "p/BaseTest", HEADER + "public class BaseTest extends Base {\n"
                + "  @Async Task<Object> self(Task<Integer> t) {\n"
                + "    Object b = Coda.await(t) > 0 ? this : \"x\";\n"
                + "    Coda.await(t);\n"
                + "    return Task.completed(b);\n"
                + "  }\n"
                + "}\n", "-g", "-classpath", mainOut.toString());
        Map<String, byte[]> before = ws.snapshot();

        MojoFailureException e = assertThrows(MojoFailureException.class, ws::run);

        assertEquals("Coda: 1 error", e.getMessage());
        assertEquals(List.of(ws.sources.resolve("p/BaseTest.java") + ":3: error: cannot rewrite p.BaseTest: cannot find "
                + "class p.Base (the rewrite needs its superclass and interfaces); is it on the classpath?"), ws.errors);
        assertSame(before, ws.snapshot());
    }

    // ------------------------------------------------------------------------------------------------ helpers

    private final List<String> infos = new ArrayList<>();
    private final List<String> errors = new ArrayList<>();
    private String lastInfo;

    private SystemStreamLog log() {
        return new SystemStreamLog() {
            @Override public void debug(CharSequence c) {}
            @Override public void info(CharSequence c) { infos.add(c.toString()); lastInfo = c.toString(); }
            @Override public void warn(CharSequence c) {}
            @Override public void error(CharSequence c) { errors.add(c.toString()); }
        };
    }

    private InstrumentMojo mainMojo(File classes) throws Exception {
        InstrumentMojo mojo = new InstrumentMojo();
        mojo.setLog(log());
        set(mojo, "classesDirectory", classes);
        set(mojo, "classpathElements", List.of(codeSource(Task.class), codeSource(Async.class)));
        set(mojo, "sourceRoots", List.of(ws.sources.toString()));
        return mojo;
    }

    private static void set(AbstractMojo mojo, String name, Object value) throws Exception {
        for (Class<?> c = mojo.getClass(); c != null; c = c.getSuperclass()) {
            try {
                Field f = c.getDeclaredField(name);
                f.setAccessible(true);
                f.set(mojo, value);
                return;
            } catch (NoSuchFieldException e) {
                // the superclass, then
            }
        }
        throw new IllegalArgumentException(name);
    }

    private static void assertSame(Map<String, byte[]> expected, Map<String, byte[]> actual) {
        assertEquals(expected.keySet(), actual.keySet());
        for (String name : expected.keySet()) assertArrayEquals(expected.get(name), actual.get(name), name);
    }

    private static Map<String, byte[]> snapshot(Path dir) throws IOException {
        Map<String, byte[]> all = new java.util.TreeMap<>();
        try (Stream<Path> files = Files.walk(dir)) {
            for (Path p : files.filter(Files::isRegularFile).collect(Collectors.toList())) {
                all.put(dir.relativize(p).toString(), Files.readAllBytes(p));
            }
        }
        return all;
    }

    /** Writes {@code src/name.java} and compiles it into {@code out} with the given options plus the Coda jars. */
    private static void javac(Path src, Path out, String name, String source, String... options) throws IOException {
        Path file = src.resolve(name + ".java");
        Files.createDirectories(file.getParent());
        Files.writeString(file, source);
        List<String> all = new ArrayList<>(List.of(options));
        int cp = all.indexOf("-classpath");
        String coda = codeSource(Task.class) + File.pathSeparator + codeSource(Async.class);
        if (cp >= 0) all.set(cp + 1, all.get(cp + 1) + File.pathSeparator + coda);
        else all.addAll(List.of("-classpath", coda));
        javacFiles(out, List.of(file), all.toArray(new String[0]));
    }

    private static void javacFiles(Path out, List<Path> files, String... options) throws IOException {
        Files.createDirectories(out);
        JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
        StringWriter log = new StringWriter();
        try (StandardJavaFileManager fm = javac.getStandardFileManager(null, null, null)) {
            List<String> all = new ArrayList<>(List.of(options));
            all.addAll(List.of("-d", out.toString()));
            boolean ok = javac.getTask(log, fm, null, all, null,
                    fm.getJavaFileObjectsFromPaths(files)).call();
            if (!ok) throw new IllegalStateException("javac failed:\n" + log);
        }
    }

    private static void javac25(Path src, Path out, String name, String source) throws Exception {
        Path file = src.resolve(name + ".java");
        Files.createDirectories(file.getParent());
        Files.writeString(file, source);
        Process p = new ProcessBuilder(JDK25.toString(), "-g", "--release", "25", "-d", out.toString(),
                "-classpath", codeSource(Task.class) + File.pathSeparator + codeSource(Async.class), file.toString())
                .redirectErrorStream(true).start();
        String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(2, TimeUnit.MINUTES));
        assertEquals(0, p.exitValue(), output);
    }

    private static int major(byte[] b) {
        return ((b[6] & 0xFF) << 8) | (b[7] & 0xFF);
    }

    private static void setMajor(Path file, int major) throws IOException {
        byte[] b = Files.readAllBytes(file);
        b[6] = (byte) (major >> 8);
        b[7] = (byte) major;
        Files.write(file, b);
    }

    /** The class with {@code static int bad()} that returns null as an int: fails the type checks, no frames needed. */
    private static byte[] withMethodThatDoesNotVerify(byte[] bytes) {
        ClassReader reader = new ClassReader(bytes);
        ClassWriter writer = new ClassWriter(reader, 0);
        reader.accept(writer, 0);
        MethodVisitor m = writer.visitMethod(Opcodes.ACC_STATIC, "bad", "()I", null, null);
        m.visitCode();
        m.visitInsn(Opcodes.ACONST_NULL);
        m.visitInsn(Opcodes.IRETURN);
        m.visitMaxs(1, 0);
        m.visitEnd();
        writer.visitEnd();
        return writer.toByteArray();
    }

    private static String codeSource(Class<?> c) {
        try {
            return Path.of(c.getProtectionDomain().getCodeSource().getLocation().toURI()).toString();
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }
}
