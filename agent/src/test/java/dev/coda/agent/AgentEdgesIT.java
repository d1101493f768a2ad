package dev.coda.agent;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.jar.Attributes;
import java.util.jar.JarOutputStream;
import java.util.jar.Manifest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Edge cases of the agent's documented behaviour (docs/agent.md), each in a fresh JVM under the packaged agent jar:
 * options, dumps, repeated starts, concurrent loading, malformed and unsupported class files, skipped packages.
 */
class AgentEdgesIT {
    private static final String AGENT_JAR = Path.of(System.getProperty("coda.agent.jar", "target/coda-agent.jar"))
            .toAbsolutePath().toString();
    private static final String UNKNOWN = "Coda agent: unknown option '%s' ignored (known options: verbose, dump=DIR, probe)";
    private static final String HELLO = "Hello, agent pending=true class=demo.Greeter$$Coda$greet";

    @TempDir
    Path dir;


    private Path compile(String... sources) throws IOException {
        return compileTo(dir.resolve("classes"), sources);
    }

    private Path compileTo(Path out, String... sources) throws IOException {
        return AgentPrograms.compileTo(out, AGENT_JAR, sources);
    }

    private record Run(int exit, String out, String err) {
        long errCount(String s) {
            return err.lines().filter(l -> l.contains(s)).count();
        }
    }

    private Run java(String classPath, String... args) throws Exception {
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString()));
        if (classPath != null) command.addAll(List.of("-cp", classPath));
        command.addAll(List.of(args));
        Path stdout = Files.createTempFile(dir, "out", ".txt");
        Path stderr = Files.createTempFile(dir, "err", ".txt");
        Process p = new ProcessBuilder(command).redirectOutput(stdout.toFile()).redirectError(stderr.toFile()).start();
        try {
            if (!p.waitFor(18, TimeUnit.SECONDS)) {
                p.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
                throw new AssertionError("timed out: " + command + "\n" + Files.readString(stderr));
            }
        } finally {
            if (p.isAlive()) p.destroyForcibly();
        }
        return new Run(p.exitValue(), Files.readString(stdout), Files.readString(stderr));
    }

    private Run java(Path classes, String... args) throws Exception {
        return java(classes + File.pathSeparator + AgentPrograms.runtimeClassPath(), args);
    }

    private static String greeter(String pkg) {
        return AgentPrograms.GREETER.replace("package demo;", "package " + pkg + ";");
    }


    private static final String MAIN = """
            package demo;
            public class Main {
                public static void main(String[] a) throws Exception {
                    System.out.println(Greeter.run());
                    System.out.println("probe=" + dev.coda.CoroutineProbe.isEnabled());
                }
            }
            """;

    // ---------------------------------------------------------------- options

    @Test
    void unknownAndHalfWrittenOptionsAreNamedAndIgnored() throws Exception {
        Path classes = compile("demo/Greeter.java", AgentPrograms.GREETER, "demo/Main.java", MAIN);
        Run run = java(classes, "-javaagent:" + AGENT_JAR + "=bogus,verbose,dump=,probe=yes,VERBOSE", "demo.Main");
        assertEquals(0, run.exit, run.err);
        assertEquals(List.of(HELLO, "probe=false"), run.out.lines().toList(), run.err);
        for (String o : List.of("bogus", "dump=", "probe=yes", "VERBOSE")) {
            assertEquals(1, run.errCount(UNKNOWN.formatted(o)), o + " in\n" + run.err);
        }
        assertEquals(1, run.errCount("Coda rewrote demo.Greeter (1 state machine)"), run.err);
    }

    @Test
    void spacesAroundOptionsAreTrimmedAndProbeWorks() throws Exception {
        Path classes = compile("demo/Greeter.java", AgentPrograms.GREETER, "demo/Main.java", MAIN);
        Run run = java(classes, "-javaagent:" + AGENT_JAR + "= verbose , probe ", "demo.Main");
        assertEquals(0, run.exit, run.err);
        assertEquals(List.of(HELLO, "probe=true"), run.out.lines().toList(), run.err);
        assertFalse(run.err.contains("unknown option"), run.err);
        assertEquals(1, run.errCount("Coda rewrote demo.Greeter (1 state machine)"), run.err);
    }

    @Test
    void dumpDirThatIsAFileIsReportedAndTheClassStillRuns() throws Exception {
        Path classes = compile("demo/Greeter.java", AgentPrograms.GREETER, "demo/Main.java", MAIN);
        Path file = Files.writeString(dir.resolve("not-a-dir"), "x");
        Run run = java(classes, "-javaagent:" + AGENT_JAR + "=dump=" + file, "demo.Main");
        assertEquals(0, run.exit, run.err);
        assertEquals(HELLO, run.out.lines().findFirst().orElse(""), run.err);
        assertEquals(1, run.errCount("Coda agent could not dump demo.Greeter to " + file + ": "), run.err);
        assertEquals("x", Files.readString(file));
    }

    @Test
    void unwritableDumpDirIsReportedAndTheClassStillRuns() throws Exception {
        Path classes = compile("demo/Greeter.java", AgentPrograms.GREETER, "demo/Main.java", MAIN);
        String unwritable = "/proc/coda-dump-" + ProcessHandle.current().pid();
        Run run = java(classes, "-javaagent:" + AGENT_JAR + "=dump=" + unwritable, "demo.Main");
        assertEquals(0, run.exit, run.err);
        assertEquals(HELLO, run.out.lines().findFirst().orElse(""), run.err);
        assertEquals(1, run.errCount("Coda agent could not dump demo.Greeter to " + unwritable + ": "), run.err);
    }

    @Test
    void repeatedOptionsDoNotRepeatTheirEffect() throws Exception {
        Path classes = compile("demo/Greeter.java", AgentPrograms.GREETER, "demo/Main.java", MAIN);
        Path a = dir.resolve("dumpA"), b = dir.resolve("dumpB");
        Run run = java(classes, "-javaagent:" + AGENT_JAR + "=verbose,verbose,probe,probe,dump=" + a + ",dump=" + b,
                "demo.Main");
        assertEquals(0, run.exit, run.err);
        assertEquals(List.of(HELLO, "probe=true"), run.out.lines().toList(), run.err);
        assertEquals(1, run.errCount("Coda rewrote demo.Greeter"), run.err);
        boolean inA = Files.exists(a.resolve("demo/Greeter.class")), inB = Files.exists(b.resolve("demo/Greeter.class"));
        assertTrue(inA ^ inB, "dumped to exactly one dir: a=" + inA + " b=" + inB);
    }

    // ---------------------------------------------------------------- starting more than once

    @Test
    void twoJavaagentsTheFirstStartWins() throws Exception {
        Path classes = compile("demo/Greeter.java", AgentPrograms.GREETER, "demo/Main.java", MAIN);
        Run run = java(classes, "-javaagent:" + AGENT_JAR + "=verbose", "-javaagent:" + AGENT_JAR + "=probe,bogus2",
                "demo.Main");
        assertEquals(0, run.exit, run.err);
        // The second start is ignored: its probe is not switched on; the class is rewritten once.
        assertEquals(List.of(HELLO, "probe=false"), run.out.lines().toList(), run.err);
        assertEquals(1, run.errCount("Coda rewrote demo.Greeter (1 state machine)"), run.err);
    }

    @Test
    void installUnderJavaagentDoesNothing() throws Exception {
        Path classes = compile("demo/Greeter.java", AgentPrograms.GREETER, "demo/Main.java", """
                package demo;
                public class Main {
                    public static void main(String[] a) throws Exception {
                        boolean before = dev.coda.agent.CodaAgent.isInstalled();
                        long t0 = System.nanoTime();
                        dev.coda.agent.CodaAgent.install();
                        long ms = (System.nanoTime() - t0) / 1_000_000;
                        System.out.println(Greeter.run());
                        System.out.println(before + " " + dev.coda.agent.CodaAgent.isInstalled() + " fast=" + (ms < 300));
                    }
                }
                """);
        Run run = java(classes + File.pathSeparator + AGENT_JAR + File.pathSeparator + AgentPrograms.runtimeClassPath(),
                "-javaagent:" + AGENT_JAR + "=verbose", "demo.Main");
        assertEquals(0, run.exit, run.err);
        assertEquals(List.of(HELLO, "true true fast=true"), run.out.lines().toList(), run.err);
        assertEquals(1, run.errCount("Coda rewrote demo.Greeter"), run.err);
        assertFalse(run.err.contains("loaded before"), run.err);
        assertFalse(run.err.contains("loaded dynamically"), run.err);
    }

    @Test
    void installFromManyThreadsAtOnce() throws Exception {
        Path classes = compile("demo/Greeter.java", AgentPrograms.GREETER, "demo/Main.java", """
                package demo;
                import java.util.*;
                import java.util.concurrent.*;
                public class Main {
                    public static void main(String[] a) throws Exception {
                        int n = 8;
                        CyclicBarrier start = new CyclicBarrier(n);
                        ExecutorService pool = Executors.newFixedThreadPool(n);
                        List<Future<Boolean>> fs = new ArrayList<>();
                        for (int i = 0; i < n; i++) fs.add(pool.submit(() -> {
                            start.await();
                            dev.coda.agent.CodaAgent.install();
                            return dev.coda.agent.CodaAgent.isInstalled();
                        }));
                        int ok = 0;
                        for (Future<Boolean> f : fs) if (f.get(15, TimeUnit.SECONDS)) ok++;
                        pool.shutdown();
                        dev.coda.agent.CodaAgent.install();
                        System.out.println("installed=" + ok);
                        System.out.println(Greeter.run());
                    }
                }
                """);
        Run run = java(classes + File.pathSeparator + AGENT_JAR + File.pathSeparator + AgentPrograms.runtimeClassPath(),
                "-Djdk.attach.allowAttachSelf=true", "demo.Main");
        assertEquals(0, run.exit, run.err);
        assertEquals(List.of("installed=8", HELLO), run.out.lines().toList(), run.err);
        assertFalse(run.err.contains("loaded before"), run.err);
        assertFalse(run.err.contains("Coda agent left"), run.err);
    }

    /** The Launcher-Agent-Class of an executable JAR (documented on agentmain). */
    @Test
    void launcherAgentClassOfAnExecutableJar() throws Exception {
        Path classes = compile("demo/Greeter.java", AgentPrograms.GREETER, "demo/Main.java", MAIN);
        Path app = dir.resolve("app");
        Files.createDirectories(app);
        List<String> cp = new ArrayList<>();
        Files.copy(Path.of(AGENT_JAR), app.resolve("coda-agent.jar"));
        cp.add("coda-agent.jar");
        int i = 0;
        for (String entry : AgentPrograms.runtimeClassPath().split(File.pathSeparator)) {
            assertTrue(entry.endsWith(".jar"), entry);
            String name = "lib" + (i++) + ".jar";
            Files.copy(Path.of(entry), app.resolve(name));
            cp.add(name);
        }
        Manifest mf = new Manifest();
        mf.getMainAttributes().put(Attributes.Name.MANIFEST_VERSION, "1.0");
        mf.getMainAttributes().put(Attributes.Name.MAIN_CLASS, "demo.Main");
        mf.getMainAttributes().put(new Attributes.Name("Launcher-Agent-Class"), "dev.coda.agent.CodaAgent");
        mf.getMainAttributes().put(Attributes.Name.CLASS_PATH, String.join(" ", cp));
        Path jar = app.resolve("app.jar");
        try (JarOutputStream out = new JarOutputStream(Files.newOutputStream(jar), mf)) {
            for (String c : List.of("demo/Main.class", "demo/Greeter.class")) {
                out.putNextEntry(new java.util.jar.JarEntry(c));
                out.write(Files.readAllBytes(classes.resolve(c)));
                out.closeEntry();
            }
        }
        Run run = java((String) null, "-jar", jar.toString());
        assertEquals(0, run.exit, run.err);
        assertEquals(List.of(HELLO, "probe=false"), run.out.lines().toList(), run.err);
        assertFalse(run.err.contains("loaded before"), run.err);
    }

    // ---------------------------------------------------------------- concurrency

    @Test
    void oneAsyncClassInManyLoadersLoadedByManyThreads() throws Exception {
        Path hidden = compileTo(dir.resolve("hidden"), "demo/Greeter.java", AgentPrograms.GREETER);
        Path classes = compile("demo/Main.java", """
                package demo;
                import java.net.*;
                import java.util.*;
                import java.util.concurrent.*;
                public class Main {
                    public static void main(String[] a) throws Exception {
                        URL url = java.nio.file.Path.of(a[0]).toUri().toURL();
                        int loaders = 12, perLoader = 4;
                        List<ClassLoader> ls = new ArrayList<>();
                        for (int i = 0; i < loaders; i++) ls.add(new URLClassLoader(new URL[] {url}, Main.class.getClassLoader()));
                        CyclicBarrier start = new CyclicBarrier(loaders * perLoader);
                        ExecutorService pool = Executors.newFixedThreadPool(loaders * perLoader);
                        List<Future<String>> fs = new ArrayList<>();
                        for (ClassLoader l : ls) for (int j = 0; j < perLoader; j++) fs.add(pool.submit(() -> {
                            start.await();
                            Class<?> g = Class.forName("demo.Greeter", true, l);
                            String r = (String) g.getMethod("run").invoke(null);
                            Class<?> sm = Class.forName("demo.Greeter$$Coda$greet", false, l);
                            if (g.getClassLoader() != l || sm.getClassLoader() != l) return "wrong loader";
                            return r;
                        }));
                        Map<String, Integer> counts = new TreeMap<>();
                        for (Future<String> f : fs) counts.merge(f.get(15, TimeUnit.SECONDS), 1, Integer::sum);
                        pool.shutdown();
                        System.out.println(counts);
                    }
                }
                """);
        Run run = java(classes, "-javaagent:" + AGENT_JAR + "=verbose", "demo.Main", hidden.toString());
        assertEquals(0, run.exit, run.err);
        assertEquals("{" + HELLO + "=48}", run.out.strip(), run.err);
        assertEquals(12, run.errCount("Coda rewrote demo.Greeter (1 state machine)"), run.err);
        assertFalse(run.err.contains("Coda agent left"), run.err);
    }

    @Test
    void anAsyncClassLoadedFromInsideACoroutine() throws Exception {
        Path hidden = compileTo(dir.resolve("hidden"), "demo/Later.java", """
                package demo;
                import dev.coda.*;
                import java.util.concurrent.CompletableFuture;
                public class Later {
                    @Async public static Task<Integer> twice(CompletableFuture<Integer> f) {
                        int x = Coda.await(f);
                        return Task.completed(2 * x);
                    }
                }
                """);
        Path classes = compile("demo/Main.java", """
                package demo;
                import dev.coda.*;
                import java.lang.reflect.Method;
                import java.net.*;
                import java.util.concurrent.*;
                public class Main {
                    static ClassLoader loader;
                    @SuppressWarnings("unchecked")
                    @Async static Task<String> outer(CompletableFuture<Integer> first) throws Exception {
                        int a = Coda.await(first);                     // resumes on the completer thread
                        String thread = Thread.currentThread().getName();
                        // Demo.Later loads here, inside the coroutine, on the completer thread.
                        Method twice = Class.forName("demo.Later", true, loader).getMethod("twice", CompletableFuture.class);
                        CompletableFuture<Integer> second = new CompletableFuture<>();
                        Task<Integer> t = (Task<Integer>) twice.invoke(null, second);
                        boolean pending = !t.isDone();
                        new Thread(() -> second.complete(a + 1), "completer-2").start();
                        int b = Coda.await(t);
                        return Task.completed(thread + " " + pending + " " + b + " " + t.getClass().getName());
                    }
                    public static void main(String[] args) throws Exception {
                        loader = new URLClassLoader(new URL[] {java.nio.file.Path.of(args[0]).toUri().toURL()},
                                Main.class.getClassLoader());
                        CompletableFuture<Integer> first = new CompletableFuture<>();
                        Task<String> t = outer(first);
                        new Thread(() -> first.complete(20), "completer-1").start();
                        System.out.println(t.join());
                    }
                }
                """);
        Run run = java(classes, "-javaagent:" + AGENT_JAR + "=verbose", "demo.Main", hidden.toString());
        assertEquals(0, run.exit, run.err);
        assertEquals("completer-1 true 42 demo.Later$$Coda$twice", run.out.strip(), run.err);
        assertEquals(1, run.errCount("Coda rewrote demo.Later (1 state machine)"), run.err);
        assertEquals(1, run.errCount("Coda rewrote demo.Main (1 state machine)"), run.err);
    }

    // ---------------------------------------------------------------- malformed and unsupported class files

    private static final String DEFINER = """
            package demo;
            import java.nio.file.*;
            public class Main {
                static final class Loader extends ClassLoader {
                    Loader() { super(Main.class.getClassLoader()); }
                    Class<?> define(String name, byte[] b) { return defineClass(name, b, 0, b.length); }
                }
                public static void main(String[] a) throws Exception {
                    for (int i = 0; i < a.length; i += 2) {
                        String name = a[i].equals("-") ? null : a[i];
                        byte[] bytes = Files.readAllBytes(Path.of(a[i + 1]));
                        try {
                            Class<?> c = new Loader().define(name, bytes);
                            System.out.println("loaded " + c.getName());
                        } catch (Throwable e) {
                            System.out.println(e.getClass().getName() + ": " + e.getMessage());
                        }
                    }
                    System.out.println(Greeter.run());
                }
            }
            """;

    @Test
    void malformedBytesFromACustomLoaderGetTheJvmsOwnError() throws Exception {
        Path classes = compile("demo/Greeter.java", AgentPrograms.GREETER, "demo/Main.java", DEFINER);
        byte[] greeter = Files.readAllBytes(classes.resolve("demo/Greeter.class"));
        Path truncated = Files.write(dir.resolve("truncated"), Arrays.copyOf(greeter, greeter.length / 3));
        byte[] magic = greeter.clone();
        magic[0] = 0x12;
        Path badMagic = Files.write(dir.resolve("magic"), magic);
        Path tiny = Files.write(dir.resolve("tiny"), new byte[] {(byte) 0xCA, (byte) 0xFE});
        byte[] tagged = greeter.clone();
        tagged[10] = 99; // the first constant-pool entry's tag
        Path badTag = Files.write(dir.resolve("tag"), tagged);
        Run run = java(classes, "-javaagent:" + AGENT_JAR, "demo.Main",
                "demo.Greeter", truncated.toString(), "demo.Greeter", badMagic.toString(),
                "demo.Greeter", tiny.toString(), "demo.Greeter", badTag.toString());
        assertEquals(0, run.exit, run.err);
        List<String> lines = run.out.lines().toList();
        assertEquals(5, lines.size(), run.out);
        for (int i = 0; i < 4; i++) assertTrue(lines.get(i).startsWith("java.lang.ClassFormatError: "), lines.get(i));
        assertTrue(lines.get(1).contains("Incompatible magic value"), lines.get(1));
        assertEquals(HELLO, lines.get(4));
        assertEquals(4, run.errCount("Coda agent left demo.Greeter unchanged: malformed class file: "), run.err);
        assertEquals(1, run.errCount("not a class file (bad magic number)"), run.err);
        assertEquals(1, run.errCount("truncated class file header"), run.err);
        assertEquals(1, run.errCount("bad constant pool tag 99"), run.err);
    }

    /** defineClass(null, bad bytes): the loader still sees the JVM's error, and the agent still logs why it left it. */
    @Test
    void malformedBytesDefinedWithoutANameAreLoggedToo() throws Exception {
        Path classes = compile("demo/Greeter.java", AgentPrograms.GREETER, "demo/Main.java", DEFINER);
        byte[] greeter = Files.readAllBytes(classes.resolve("demo/Greeter.class"));
        Path truncated = Files.write(dir.resolve("truncated"), Arrays.copyOf(greeter, greeter.length / 3));
        Run run = java(classes, "-javaagent:" + AGENT_JAR, "demo.Main", "-", truncated.toString());
        assertEquals(0, run.exit, run.err);
        List<String> lines = run.out.lines().toList();
        assertEquals(2, lines.size(), run.out);
        assertTrue(lines.get(0).startsWith("java.lang.ClassFormatError: "), lines.get(0));
        assertEquals(HELLO, lines.get(1));
        assertEquals(1, run.errCount("Coda agent left a class defined without a name unchanged: malformed class file: "),
                run.err);
    }

    @Test
    void aNewerClassFileVersionIsLeftToTheJvmAndTheReasonLogged() throws Exception {
        Path classes = compile("demo/Greeter.java", AgentPrograms.GREETER, "demo/Main.java", DEFINER);
        byte[] greeter = Files.readAllBytes(classes.resolve("demo/Greeter.class"));
        byte[] v73 = greeter.clone();
        v73[6] = 0;
        v73[7] = 73;
        Path newer = Files.write(dir.resolve("v73"), v73);
        byte[] v65535 = greeter.clone();
        v65535[6] = (byte) 0xFF;
        v65535[7] = (byte) 0xFF;
        Path newest = Files.write(dir.resolve("v65535"), v65535);
        Run run = java(classes, "-javaagent:" + AGENT_JAR, "demo.Main",
                "demo.Greeter", newer.toString(), "demo.Greeter", newest.toString());
        assertEquals(0, run.exit, run.err);
        List<String> lines = run.out.lines().toList();
        assertEquals(3, lines.size(), run.out);
        assertTrue(lines.get(0).startsWith("java.lang.UnsupportedClassVersionError: "), lines.get(0));
        assertTrue(lines.get(1).startsWith("java.lang.UnsupportedClassVersionError: "), lines.get(1));
        assertEquals(HELLO, lines.get(2));
        assertEquals(1, run.errCount("class demo.Greeter has class-file version 73 (Java 29); Coda reads and writes "
                + "versions 61 to 72"), run.err);
        assertEquals(1, run.errCount("class demo.Greeter has class-file version 65535"), run.err);
    }

    /**
     * A class the agent cannot rewrite (version 60, older than Coda supports, but one this JVM runs) loads unchanged,
     * the reason is logged, and its await throws IllegalStateException with that very line.
     */
    @Test
    void aClassThatCannotBeRewrittenLoadsUnchangedWithTheReason() throws Exception {
        Path classes = compile("demo/Greeter.java", AgentPrograms.GREETER, "demo/Main.java", """
                package demo;
                import java.nio.file.*;
                import java.util.concurrent.CompletableFuture;
                public class Main {
                    static final class Loader extends ClassLoader {
                        Loader() { super(Main.class.getClassLoader()); }
                        Class<?> define(byte[] b) { return defineClass("demo.Greeter", b, 0, b.length); }
                    }
                    public static void main(String[] a) throws Exception {
                        Class<?> g = new Loader().define(Files.readAllBytes(Path.of(a[0])));
                        System.out.println("loaded");
                        try {
                            g.getMethod("greet", CompletableFuture.class).invoke(null, CompletableFuture.completedFuture("x"));
                            System.out.println("no exception");
                        } catch (java.lang.reflect.InvocationTargetException e) {
                            System.out.println(e.getCause().getClass().getName() + ": " + e.getCause().getMessage());
                        }
                    }
                }
                """);
        byte[] v60 = Files.readAllBytes(classes.resolve("demo/Greeter.class"));
        v60[7] = 60;
        Path old = Files.write(dir.resolve("v60"), v60);
        Files.delete(classes.resolve("demo/Greeter.class"));
        Run run = java(classes, "-javaagent:" + AGENT_JAR, "demo.Main", old.toString());
        assertEquals(0, run.exit, run.err);
        List<String> lines = run.out.lines().toList();
        assertEquals(2, lines.size(), run.out);
        assertEquals("loaded", lines.get(0));
        String prefix = "java.lang.IllegalStateException: ";
        assertTrue(lines.get(1).startsWith(prefix), lines.get(1));
        String message = lines.get(1).substring(prefix.length());
        assertTrue(message.contains("class demo.Greeter has class-file version 60 (Java 16)"), message);
        assertTrue(message.startsWith("<source root>/demo/Greeter.java"), message);
        assertEquals(1, run.errCount(message), run.err);
        assertTrue(run.err.contains("SEVERE: " + message), run.err);
    }

    // ---------------------------------------------------------------- what it skips

    @Test
    void jdkAndCodaPackagesAreSkippedOthersUnderDevCodaAreNot() throws Exception {
        List<String> skipped = List.of("jdk.demo", "javax.demo", "sun.demo", "com.sun.demo", "dev.coda",
                "dev.coda.agent", "dev.coda.transformer");
        List<String> rewritten = List.of("dev.coda.samples", "dev.coda.agentx", "sunny.demo", "javaapp.demo", "demo");
        List<String> sources = new ArrayList<>();
        List<String> all = new ArrayList<>(skipped);
        all.addAll(rewritten);
        for (String p : all) {
            sources.add(p.replace('.', '/') + "/Greeter.java");
            sources.add(greeter(p));
        }
        Path hidden = compileTo(dir.resolve("hidden"), sources.toArray(new String[0]));
        Path classes = compile("launch/Main.java", """
                package launch;
                import java.net.*;
                public class Main {
                    public static void main(String[] a) throws Exception {
                        ClassLoader l = new URLClassLoader(new URL[] {java.nio.file.Path.of(a[0]).toUri().toURL()},
                                Main.class.getClassLoader());
                        for (int i = 1; i < a.length; i++) {
                            try {
                                String r = (String) Class.forName(a[i] + ".Greeter", true, l).getMethod("run").invoke(null);
                                System.out.println(a[i] + " rewritten " + r.substring(r.indexOf("class=") + 6));
                            } catch (java.lang.reflect.InvocationTargetException e) {
                                System.out.println(a[i] + " skipped " + e.getCause().getClass().getSimpleName());
                            }
                        }
                    }
                }
                """);
        List<String> args = new ArrayList<>(List.of("-javaagent:" + AGENT_JAR + "=verbose", "launch.Main", hidden.toString()));
        args.addAll(all);
        Run run = java(classes, args.toArray(new String[0]));
        assertEquals(0, run.exit, run.err);
        List<String> expected = new ArrayList<>();
        for (String p : skipped) expected.add(p + " skipped IllegalStateException");
        for (String p : rewritten) expected.add(p + " rewritten " + p + ".Greeter$$Coda$greet");
        assertEquals(expected, run.out.lines().toList(), run.err);
        for (String p : skipped) assertEquals(0, run.errCount("Coda rewrote " + p + ".Greeter"), run.err);
    }
}
