package dev.coda.maven;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import dev.coda.transformer.read.InstrumentedMarker;
import org.apache.maven.plugin.MojoFailureException;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.objectweb.asm.ClassReader;
import org.objectweb.asm.ClassWriter;
import org.objectweb.asm.tree.ClassNode;

class InstrumenterTest {
    private static final String HEADER = "package p;\nimport dev.coda.*;\n";
    private static final String TWO_ASYNC = HEADER + "public class Host {\n"
            + "  @Async public static Task<Integer> one(Task<Integer> t) { return Task.completed(Coda.await(t) + 1); }\n"
            + "  @Async public static Task<Integer> two(Task<Integer> t) { return Task.completed(Coda.await(t) + 2); }\n"
            + "}\n";
    private static final String ONE_ASYNC = HEADER + "public class Host {\n"
            + "  @Async public static Task<Integer> one(Task<Integer> t) { return Task.completed(Coda.await(t) + 1); }\n"
            + "  public static int two(int t) { return t + 2; }\n"
            + "}\n";
    private static final String NO_CODA = "package p;\npublic class Host {\n  public static int one(int t) { return t + 1; }\n}\n";

    @TempDir Path root;
    Workspace ws;

    @BeforeEach
    void setUp() throws IOException {
        ws = new Workspace(root);
    }

    @Test
    void rewritesAsyncClassesAndPassesOverTheRest() throws Exception {
        ws.compile("p/Host", TWO_ASYNC);
        ws.compile("p/Plain", "package p;\npublic class Plain { int x() { return 1; } }\n");
        ws.compile("p/UsesTasks", HEADER + "public class UsesTasks { Task<String> t() { return Task.completed(\"\"); } }\n");
        byte[] plain = Files.readAllBytes(ws.classFile("p/Plain"));
        byte[] usesTasks = Files.readAllBytes(ws.classFile("p/UsesTasks"));

        ws.run();

        assertEquals("Coda: 1 class rewritten, 2 state machines generated", ws.lastInfo());
        assertEquals(List.of("p/Host$$Coda$one.class", "p/Host$$Coda$two.class", "p/Host.class", "p/Plain.class",
                "p/UsesTasks.class"), ws.fileNames());
        assertTrue(InstrumentedProbe.isMarked(Files.readAllBytes(ws.classFile("p/Host"))));
        assertArrayEquals(plain, Files.readAllBytes(ws.classFile("p/Plain")));
        assertArrayEquals(usesTasks, Files.readAllBytes(ws.classFile("p/UsesTasks")));
        assertEquals(List.of(), ws.warnings);
    }

    @Test
    void printsOneSummaryLineAndTheDetailsAtDebugLevel() throws Exception {
        ws.compile("p/Host", TWO_ASYNC);
        ws.run();
        assertEquals(List.of("Coda: 1 class rewritten, 2 state machines generated"), ws.infos);
        String file = ws.classFile("p/Host").toString();
        assertEquals(List.of("Coda: rewrote " + file + ", state machines: [p/Host$$Coda$one, p/Host$$Coda$two]"),
                ws.debugs);
    }

    @Test
    void verbosePrintsTheDetailsAtInfo() throws Exception {
        ws.compile("p/Host", TWO_ASYNC);
        ws.verbose = true;
        ws.run();
        String file = ws.classFile("p/Host").toString();
        assertEquals(List.of("Coda: rewrote " + file + ", state machines: [p/Host$$Coda$one, p/Host$$Coda$two]",
                "Coda: 1 class rewritten, 2 state machines generated"), ws.infos);
    }

    @Test
    void aDirectoryWithoutAsyncCodePrintsNothing() throws Exception {
        ws.compile("p/Host", NO_CODA);
        ws.run();
        assertEquals(List.of(), ws.infos);
        assertEquals(List.of("Coda: 0 classes rewritten, 0 state machines generated"), ws.debugs);
    }

    @Test
    void aSecondRunRewritesNothing() throws Exception {
        ws.compile("p/Host", TWO_ASYNC);
        ws.compile("p/Other", HEADER + "public class Other {\n"
                + "  @Async static Task<String> s(Task<String> t) { return Task.completed(Coda.await(t)); }\n}\n");
        ws.run();
        Map<String, byte[]> first = ws.snapshot();

        ws.run();

        assertEquals("Coda: 0 classes rewritten (2 already instrumented)", ws.lastInfo());
        Map<String, byte[]> second = ws.snapshot();
        assertEquals(first.keySet(), second.keySet());
        for (String name : first.keySet()) assertArrayEquals(first.get(name), second.get(name), name);
    }

    @Test
    void aRecompiledHostLosesTheStateMachinesItNoLongerNeeds() throws Exception {
        ws.compile("p/Host", TWO_ASYNC);
        ws.run();

        ws.compile("p/Host", ONE_ASYNC);
        ws.run();
        assertEquals("Coda: 1 class rewritten, 1 state machine generated; 1 stale state machine deleted", ws.lastInfo());
        assertEquals(List.of("p/Host$$Coda$one.class", "p/Host.class"), ws.fileNames());

        ws.compile("p/Host", NO_CODA);
        ws.run();
        assertEquals("Coda: 0 classes rewritten, 0 state machines generated; 1 stale state machine deleted",
                ws.lastInfo());
        assertEquals(List.of("p/Host.class"), ws.fileNames());
    }

    @Test
    void aStateMachineWhoseHostIsGoneIsDeleted() throws Exception {
        ws.compile("p/Host", TWO_ASYNC);
        ws.run();
        Files.delete(ws.classFile("p/Host"));

        ws.run();

        assertEquals(List.of(), ws.fileNames());
    }

    @Test
    void aUserClassNamedLikeAStateMachineIsAnOrdinaryClass() throws Exception {
        ws.compile("p/Odd$$Coda$name", HEADER + "public class Odd$$Coda$name {\n"
                + "  @Async static Task<String> s(Task<String> t) { return Task.completed(Coda.await(t)); }\n}\n");

        ws.run();
        ws.run();

        assertTrue(Files.isRegularFile(ws.classFile("p/Odd$$Coda$name")), "not deleted as a stale state machine");
        assertTrue(Files.isRegularFile(ws.classFile("p/Odd$$Coda$name$$Coda$s")));
        assertEquals("Coda: 0 classes rewritten (1 already instrumented)", ws.lastInfo());
    }

    /**
     * After an upgrade, a class a Coda of another protocol rewrote, left behind by a build without clean, fails the
     * build by name instead of failing with a NoSuchMethodError when it runs; nothing is written.
     */
    @Test
    void aClassRewrittenByAnotherVersionFailsTheBuildByName() throws Exception {
        ws.compile("p/Host", TWO_ASYNC);
        ws.run();
        Path host = ws.classFile("p/Host");
        Files.write(host, withMarkerFormat(Files.readAllBytes(host), 1));
        Map<String, byte[]> before = ws.snapshot();

        MojoFailureException e = assertThrows(MojoFailureException.class, ws::run);

        assertEquals("Coda: 1 error", e.getMessage());
        assertEquals(1, ws.errors.size(), String.join("\n", ws.errors));
        assertTrue(ws.errors.get(0).contains("class p.Host was rewritten by another version of Coda (format 1; this "
                + "one writes format 2)"), ws.errors.get(0));
        assertTrue(ws.errors.get(0).contains("(with Maven, mvn clean)"), ws.errors.get(0));
        Map<String, byte[]> after = ws.snapshot();
        assertEquals(before.keySet(), after.keySet(), "the state machines stay, nothing is added");
        for (String name : before.keySet()) assertArrayEquals(before.get(name), after.get(name), name);
    }

    /** {@code bytes} with its {@code dev.coda.Instrumented} attribute holding {@code format}. */
    private static byte[] withMarkerFormat(byte[] bytes, int format) {
        ClassNode node = new ClassNode();
        new ClassReader(bytes).accept(node, InstrumentedMarker.prototypes(), 0);
        assertTrue(node.attrs.removeIf(a -> a.type.equals(InstrumentedMarker.NAME)), "marked");
        node.attrs.add(new InstrumentedMarker(format));
        ClassWriter writer = new ClassWriter(0);
        node.accept(writer);
        return writer.toByteArray();
    }

    @Test
    void errorsAreReportedInJavacFormatAndNothingIsWritten() throws Exception {
        ws.compile("p/Host", TWO_ASYNC);
        ws.compile("p/Bad", HEADER + "public class Bad {\n"
                + "  int plain(Task<Integer> t) {\n"
                + "    return Coda.await(t);\n"
                + "  }\n"
                + "  synchronized @Async Task<Integer> locked(Task<Integer> t) { return Task.completed(Coda.await(t)); }\n"
                + "}\n");
        Map<String, byte[]> before = ws.snapshot();

        MojoFailureException e = assertThrows(MojoFailureException.class, ws::run);

        assertEquals("Coda: 2 errors", e.getMessage());
        String source = ws.sources.resolve("p/Bad.java").toAbsolutePath().toString();
        assertEquals(2, ws.errors.size(), String.join("\n", ws.errors));
        assertTrue(ws.errors.get(0).startsWith(source + ":5: error: Coda.await in Bad.plain"), ws.errors.get(0));
        assertTrue(ws.errors.get(1).startsWith(source + ":7: error: async method Bad.locked is synchronized"), ws.errors.get(1));
        Map<String, byte[]> after = ws.snapshot();
        assertEquals(before.keySet(), after.keySet(), "no state machine, no temporary file");
        for (String name : before.keySet()) assertArrayEquals(before.get(name), after.get(name), name);
    }

    /** A path relative to a source root must not pass for one relative to the working directory. */
    @Test
    void aSourceUnderNoSourceRootIsNamedUnderAnUnknownSourceRoot() throws Exception {
        ws.compile("p/Bad", HEADER + "public class Bad {\n"
                + "  int plain(Task<Integer> t) {\n"
                + "    return Coda.await(t);\n"
                + "  }\n"
                + "}\n");
        Files.delete(ws.sources.resolve("p/Bad.java"));

        assertThrows(MojoFailureException.class, ws::run);

        assertEquals(List.of("<source root>/p/Bad.java:5: error: Coda.await in Bad.plain, which is neither an @Async "
                + "method nor an async lambda; annotate the method with @Async and make it return Task<T> (or await "
                + "inside a lambda that returns a Task)"), ws.errors);
    }

    @Test
    void aMalformedClassFileThatMentionsCodaFailsTheBuildNamingTheFile() throws Exception {
        Path broken = Files.createDirectories(ws.classes.resolve("p")).resolve("Broken.class");
        byte[] bytes = new byte[64];
        byte[] header = {(byte) 0xCA, (byte) 0xFE, (byte) 0xBA, (byte) 0xBE, 0, 0, 0, 61, 0, 5, 1, 0, 12};
        System.arraycopy(header, 0, bytes, 0, header.length);
        byte[] name = "dev/coda/Task".getBytes(StandardCharsets.US_ASCII);
        System.arraycopy(name, 0, bytes, 13, name.length);
        bytes[26] = 99; // a constant-pool tag that does not exist
        Files.write(broken, bytes);

        MojoFailureException e = assertThrows(MojoFailureException.class, ws::run);

        assertTrue(e.getMessage().startsWith("Coda: malformed class file " + broken + ": "), e.getMessage());
    }

    @Test
    void aFileThatIsNoClassFailsTheBuildNamingItAndNothingIsWritten() throws Exception {
        ws.compile("p/Host", TWO_ASYNC);
        byte[] host = Files.readAllBytes(ws.classes.resolve("p/Host.class"));
        Path junk = ws.classes.resolve("p/Junk.class");
        Files.writeString(junk, "not a class");

        MojoFailureException e = assertThrows(MojoFailureException.class, ws::run);

        assertEquals("Coda: malformed class file " + junk + ": not a class file (bad magic number)", e.getMessage());
        assertArrayEquals(host, Files.readAllBytes(ws.classes.resolve("p/Host.class")), "nothing rewritten");
        assertEquals("not a class", Files.readString(junk));
    }

    @Test
    void theAtomicWriterReplacesWholeFilesAndLeavesNoTemporaryFile() throws Exception {
        Path target = root.resolve("out/a/B.class");
        AtomicWriter.write(target, new byte[] {1, 2, 3});
        AtomicWriter.write(target, new byte[] {4, 5});
        assertArrayEquals(new byte[] {4, 5}, Files.readAllBytes(target));
        try (var files = Files.list(target.getParent())) {
            assertEquals(List.of(target), files.collect(java.util.stream.Collectors.toList()));
        }
        assertFalse(Files.exists(root.resolve("out/a/B.class.coda-tmp")));
    }
    private static final String CONN = "package p;\npublic class Conn implements dev.coda.AsyncCloseable {\n"
            + "  public dev.coda.Task<Void> closeAsync() { return dev.coda.Task.done(); }\n}\n";
    private static final String BLOCKING = "package p;\npublic class Client {\n"
            + "  static void use(Conn c) {\n"
            + "    try (Conn d = new Conn()) { System.out.println(d); }\n" // line 4
            + "    c.close();\n"                                          // line 5
            + "  }\n"
            + "  @dev.coda.Async static dev.coda.Task<Void> async() {\n"
            + "    try (Conn d = new Conn()) { System.out.println(d); }\n" // awaited: no warning
            + "    return dev.coda.Task.done();\n"
            + "  }\n}\n";

    @Test
    void aBlockingCloseOfAnAsyncCloseableIsAWarningWithFileAndLine() throws Exception {
        ws.compile("p/Conn", CONN);
        ws.compile("p/Client", BLOCKING);
        ws.compile("p/Plain", "package p;\npublic class Plain {\n"
                + "  static void use(Conn c) {\n    c.close();\n  }\n}\n"); // never names dev/coda: checked too

        ws.run();

        String client = ws.sources.resolve("p/Client.java").toString();
        String plain = ws.sources.resolve("p/Plain.java").toString();
        String why = " closes an AsyncCloseable (p.Conn) synchronously, blocking until its closeAsync() completes "
                + "(and throwing on a thread that runs a coroutine): close it in an @Async method, where "
                + "try-with-resources awaits closeAsync(), or await closeAsync() yourself";
        assertEquals(List.of(client + ":4: warning: Client.use" + why, client + ":5: warning: Client.use" + why,
                plain + ":4: warning: Plain.use" + why), ws.warnings);
        assertEquals(List.of(), ws.errors);
        assertTrue(InstrumentedProbe.isMarked(Files.readAllBytes(ws.classFile("p/Client"))), "the build goes on");
    }

    @Test
    void failOnBlockingCloseMakesItAnErrorAndWritesNothing() throws Exception {
        ws.compile("p/Conn", CONN);
        ws.compile("p/Client", BLOCKING);
        byte[] before = Files.readAllBytes(ws.classFile("p/Client"));

        MojoFailureException e = assertThrows(MojoFailureException.class, () -> ws.run(true));

        assertEquals("Coda: 2 errors", e.getMessage());
        assertEquals(2, ws.errors.size());
        assertTrue(ws.errors.get(0).endsWith("Client.java:4: error: Client.use closes an AsyncCloseable (p.Conn) "
                + "synchronously, blocking until its closeAsync() completes (and throwing on a thread that runs a "
                + "coroutine): close it in an @Async method, where try-with-resources awaits closeAsync(), or await "
                + "closeAsync() yourself"), ws.errors.get(0));
        assertArrayEquals(before, Files.readAllBytes(ws.classFile("p/Client")), "nothing written");
    }

    static final String HELD_LOCK = """
            package p;
            import dev.coda.*;
            import java.util.concurrent.locks.Lock;
            public class Locked {
                @Async static Task<Integer> go(Lock lock, Task<Integer> t) {
                    lock.lock();
                    try {
                        return Task.completed(Coda.await(t));
                    } finally {
                        lock.unlock();
                    }
                }
            }
            """;

    @Test
    void aLockHeldAcrossAnAwaitIsAWarningOrWithFailOnHeldLockAnError() throws Exception {
        ws.compile("p/Locked", HELD_LOCK);
        byte[] before = Files.readAllBytes(ws.classFile("p/Locked"));
        String expected = ws.sources.resolve("p/Locked.java") + ":8: %s: Locked.go may still hold the "
                + "java.util.concurrent.locks.Lock it locked at line 6 when it reaches this await; a Lock belongs to "
                + "the thread that locked it and the method may resume on another, where unlock() throws "
                + "IllegalMonitorStateException and the lock stays held: unlock before the await";

        MojoFailureException e = assertThrows(MojoFailureException.class, () -> ws.run(false, true));
        assertEquals("Coda: 1 error", e.getMessage());
        assertEquals(List.of(expected.formatted("error")), ws.errors);
        assertArrayEquals(before, Files.readAllBytes(ws.classFile("p/Locked")), "nothing written");

        ws.errors.clear();
        ws.run();
        assertEquals(List.of(expected.formatted("warning")), ws.warnings);
        assertTrue(InstrumentedProbe.isMarked(Files.readAllBytes(ws.classFile("p/Locked"))), "the build goes on");
    }
}
