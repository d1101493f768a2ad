package dev.coda.agent;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Runs programs in fresh JVMs under the packaged, shaded agent jar. */
class AgentIT {
    private static final String AGENT_JAR = System.getProperty("coda.agent.jar", "target/coda-agent.jar");

    @TempDir
    Path dir;


    private Path compile(String... sources) throws IOException {
        return compileTo(dir.resolve("classes"), sources);
    }

    private Path compileTo(Path out, String... sources) throws IOException {
        return AgentPrograms.compileTo(out, AGENT_JAR, sources);
    }

    private record Run(int exit, String out, String err) {}

    private Run java(Path classes, String... args) throws Exception {
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString()));
        command.addAll(List.of(args));
        command.addAll(1, List.of("-cp", classes + File.pathSeparator + AgentPrograms.runtimeClassPath()));
        ProcessBuilder pb = new ProcessBuilder(command);
        Path stdout = dir.resolve("stdout.txt");
        Path stderr = dir.resolve("stderr.txt");
        pb.redirectOutput(stdout.toFile()).redirectError(stderr.toFile());
        Process p = pb.start();
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), "the program did not finish");
        return new Run(p.exitValue(), Files.readString(stdout), Files.readString(stderr));
    }


    @Test
    void rewritesAsyncCodeAsItLoads() throws Exception {
        Path classes = compile("demo/Greeter.java", AgentPrograms.GREETER, "demo/Main.java", """
                package demo;
                public class Main { public static void main(String[] a) throws Exception { System.out.println(Greeter.run()); } }
                """);
        Path dump = dir.resolve("dump");
        Run run = java(classes, "-javaagent:" + AGENT_JAR + "=verbose,dump=" + dump + ",bogus", "demo.Main");
        assertEquals(0, run.exit, run.err);
        assertEquals("Hello, agent pending=true class=demo.Greeter$$Coda$greet", run.out.strip());
        assertTrue(run.err.contains("Coda rewrote demo.Greeter (1 state machine)"), run.err);
        assertTrue(run.err.contains("Coda agent: unknown option 'bogus' ignored (known options: verbose, dump=DIR, probe)"), run.err);
        assertTrue(Files.isRegularFile(dump.resolve("demo/Greeter.class")), "rewritten host dumped");
        assertTrue(Files.isRegularFile(dump.resolve("demo/Greeter$$Coda$greet.class")), "state machine dumped");
        assertTrue(!Files.exists(dump.resolve("demo/Main.class")), "classes without async code are not dumped");
    }

    /** The {@code probe} option switches the live-coroutine probe on, as {@code -Dcoda.probe=true} does. */
    @Test
    void theProbeOptionSwitchesTheProbeOn() throws Exception {
        Path classes = compile("demo/Greeter.java", AgentPrograms.GREETER, "demo/Main.java", """
                package demo;
                import java.util.concurrent.CompletableFuture;
                public class Main {
                    public static void main(String[] a) throws Exception {
                        CompletableFuture<String> name = new CompletableFuture<>();
                        dev.coda.Task<String> t = Greeter.greet(name);
                        System.out.println(dev.coda.CoroutineProbe.isEnabled());
                        System.out.print(dev.coda.CoroutineProbe.dump());
                        name.complete("probe");
                        System.out.println(t.join());
                    }
                }
                """);
        Run run = java(classes, "-javaagent:" + AGENT_JAR + "=probe", "demo.Main");
        assertEquals(0, run.exit, run.err);
        assertEquals(List.of("true", "demo.Greeter.greet(Greeter.java:7) suspended, awaiting java.util.concurrent."
                + "CompletableFuture"), run.out.lines().toList().subList(0, 2).stream()
                .map(l -> l.replaceAll("@[0-9a-f]+\\[.*", "")).toList());
        assertEquals("Hello, probe", run.out.lines().toList().get(2));
    }

    /** An await at which a Lock may still be held is logged as a warning, in the plugin's format; the class runs. */
    @Test
    void aLockHeldAcrossAnAwaitIsLoggedAsAWarning() throws Exception {
        Path classes = compile("demo/Locked.java", """
                package demo;
                import dev.coda.*;
                import java.util.concurrent.locks.*;
                public class Locked {
                    @Async static Task<Integer> go(Lock lock, Task<Integer> t) {
                        lock.lock();
                        try {
                            return Task.completed(Coda.await(t));
                        } finally {
                            lock.unlock();
                        }
                    }
                    public static void main(String[] a) {
                        System.out.println(go(new ReentrantLock(), Task.completed(41)).join() + 1);
                    }
                }
                """);
        Run run = java(classes, "-javaagent:" + AGENT_JAR, "demo.Locked");
        assertEquals(0, run.exit, run.err);
        assertEquals("42", run.out.strip());
        assertTrue(run.err.contains("<source root>/demo/Locked.java:8: warning: Locked.go may still hold the "
                + "java.util.concurrent.locks.Lock it locked at line 6 when it reaches this await"), run.err);
    }

    /** A loader may define a class without giving its name ({@code defineClass(null, ...)}): it is rewritten too. */
    @Test
    void aClassDefinedWithoutANameIsRewrittenToo() throws Exception {
        Path classes = compile("demo/Greeter.java", AgentPrograms.GREETER, "demo/Main.java", """
                package demo;
                import java.nio.file.*;
                public class Main {
                    static final class Loader extends ClassLoader {
                        Loader() { super(Main.class.getClassLoader()); }
                        Class<?> define(byte[] b) { return defineClass(null, b, 0, b.length); }
                    }
                    public static void main(String[] a) throws Exception {
                        byte[] bytes = Files.readAllBytes(Path.of(a[0]));
                        Class<?> greeter = new Loader().define(bytes);
                        System.out.println(greeter.getMethod("run").invoke(null));
                    }
                }
                """);
        // Off the class path, so that only the nameless definition can load it.
        Path hidden = dir.resolve("Greeter.class");
        Files.move(classes.resolve("demo/Greeter.class"), hidden);
        Run run = java(classes, "-javaagent:" + AGENT_JAR, "demo.Main", hidden.toString());
        assertEquals(0, run.exit, run.err);
        assertEquals("Hello, agent pending=true class=demo.Greeter$$Coda$greet", run.out.strip());
    }

    /**
     * A parallel-capable loader that does not lock per class name lets two threads define one class at once. Each
     * thread's transform defines the state machine; the one that comes second must still hand back the rewritten
     * host, whichever thread's host definition the JVM takes.
     */
    @Test
    void twoThreadsDefiningOneClassAlwaysGetTheRewrittenClass() throws Exception {
        int rounds = Integer.getInteger("coda.agent.raceRounds", 10_000);
        Path classes = compile("demo/Greeter.java", AgentPrograms.GREETER, "demo/Main.java", """
                package demo;
                import java.nio.file.*;
                import java.util.concurrent.*;
                public class Main {
                    static final class Loader extends ClassLoader {
                        static { registerAsParallelCapable(); }
                        Loader() { super(Main.class.getClassLoader()); }
                        Class<?> define(byte[] b) {
                            try {
                                return defineClass("demo.Greeter", b, 0, b.length);
                            } catch (LinkageError duplicate) {
                                return findLoadedClass("demo.Greeter");
                            }
                        }
                    }
                    public static void main(String[] a) throws Exception {
                        byte[] bytes = Files.readAllBytes(Path.of(a[0]));
                        int rounds = Integer.parseInt(a[1]);
                        ExecutorService pool = Executors.newFixedThreadPool(2);
                        int original = 0;
                        for (int i = 0; i < rounds; i++) {
                            Loader loader = new Loader();
                            CyclicBarrier start = new CyclicBarrier(2);
                            Callable<Class<?>> define = () -> { start.await(); return loader.define(bytes); };
                            Future<Class<?>> first = pool.submit(define), second = pool.submit(define);
                            Class<?> greeter = first.get();
                            if (greeter != second.get()) throw new AssertionError("two classes of one name");
                            // The original's await throws: it was not rewritten.
                            try {
                                greeter.getMethod("greet", CompletableFuture.class)
                                        .invoke(null, CompletableFuture.completedFuture("x"));
                            } catch (java.lang.reflect.InvocationTargetException e) {
                                original++;
                            }
                            if (greeter.getClassLoader() != loader) throw new AssertionError("defined elsewhere");
                        }
                        pool.shutdown();
                        System.out.println("rounds=" + rounds + " original=" + original);
                    }
                }
                """);
        // Off the class path, so that only the racing definitions can load it.
        Path hidden = dir.resolve("Greeter.class");
        Files.move(classes.resolve("demo/Greeter.class"), hidden);
        Run run = java(classes, "-javaagent:" + AGENT_JAR, "demo.Main", hidden.toString(), String.valueOf(rounds));
        assertEquals(0, run.exit, run.err);
        assertEquals("rounds=" + rounds + " original=0", run.out.strip(), run.err);
        assertEquals("", run.err.strip(), "nothing logged");
    }

    /**
     * Two loaders define unrelated classes of one name, each with an await the agent rejects at the same line: each
     * await throws its own class's message, and both are logged.
     */
    @Test
    void rejectionsBelongToTheirClassLoader() throws Exception {
        String twin = """
                package demo;
                import dev.coda.*;
                public class Twin {
                    static final Object LOCK = new Object();
                    %s
                        %s
                    }
                }
                """;
        Path a = compileTo(dir.resolve("a"), "demo/Twin.java", twin.formatted(
                "@Async public static Task<Integer> go() {",
                "synchronized (LOCK) { return Task.completed(Coda.await(Task.completed(1))); }"));
        Path b = compileTo(dir.resolve("b"), "demo/Twin.java", twin.formatted(
                "public static Object go() {", "return Coda.await(Task.completed(2)); // not async"));
        Path classes = compile("demo/Main.java", """
                package demo;
                import java.net.*;
                import java.nio.file.*;
                public class Main {
                    public static void main(String[] args) throws Exception {
                        for (String dir : args) {
                            ClassLoader loader = new URLClassLoader(new URL[] {Path.of(dir).toUri().toURL()},
                                    Main.class.getClassLoader());
                            try {
                                Class.forName("demo.Twin", true, loader).getMethod("go").invoke(null);
                                System.out.println("no exception");
                            } catch (java.lang.reflect.InvocationTargetException e) {
                                System.out.println(e.getCause().getMessage());
                            }
                        }
                    }
                }
                """);
        Run run = java(classes, "-javaagent:" + AGENT_JAR, "demo.Main", a.toString(), b.toString());
        assertEquals(0, run.exit, run.err);
        List<String> lines = run.out.lines().toList();
        assertEquals(2, lines.size(), run.out);
        assertTrue(lines.get(0).contains("Coda.await inside a synchronized block in Twin.go"), lines.get(0));
        assertTrue(lines.get(1).contains("Coda.await in Twin.go, which is neither an @Async method"), lines.get(1));
        assertTrue(run.err.contains("Coda.await inside a synchronized block in Twin.go"), run.err);
        assertTrue(run.err.contains("Coda.await in Twin.go, which is neither an @Async method"), run.err);
    }

    @Test
    void rejectedAwaitIsLoggedOnceAndThrowsTheSameMessage() throws Exception {
        Path classes = compile("demo/Main.java", """
                package demo;
                import dev.coda.*;
                public class Main {
                    static final Object LOCK = new Object();
                    @Async static Task<Integer> locked(Task<Integer> t) {
                        synchronized (LOCK) {
                            return Task.completed(Coda.await(t));
                        }
                    }
                    public static void main(String[] a) {
                        for (int i = 0; i < 2; i++) {
                            try {
                                locked(Task.completed(1));
                                System.out.println("no exception");
                            } catch (IllegalStateException e) {
                                System.out.println(e.getMessage());
                            }
                        }
                    }
                }
                """);
        Run run = java(classes, "-javaagent:" + AGENT_JAR, "demo.Main");
        String expected = "<source root>/demo/Main.java:7: error: Coda.await inside a synchronized block in Main.locked; a monitor "
                + "cannot be held across a suspension: move the await out of the synchronized block";
        assertEquals(0, run.exit, run.err);
        assertEquals(List.of(expected, expected), run.out.lines().toList());
        assertEquals(1, run.err.lines().filter(l -> l.contains(expected)).count(), run.err);
    }

    @Test
    void aCorruptClassIsLeftAloneAndTheJvmKeepsRunning() throws Exception {
        Path classes = compile("demo/Greeter.java", AgentPrograms.GREETER, "demo/Main.java", """
                package demo;
                public class Main {
                    public static void main(String[] a) throws Exception {
                        try {
                            Class.forName("demo.Broken");
                            System.out.println("loaded?");
                        } catch (Throwable e) {
                            System.out.println("broken: " + e.getClass().getSimpleName());
                        }
                        System.out.println(Greeter.run());
                    }
                }
                """);
        // A class file cut short in its constant pool, after a mention of dev/coda/.
        byte[] greeter = Files.readAllBytes(classes.resolve("demo/Greeter.class"));
        Files.write(classes.resolve("demo/Broken.class"), Arrays.copyOf(greeter, greeter.length / 3));
        Run run = java(classes, "-javaagent:" + AGENT_JAR, "demo.Main");
        assertEquals(0, run.exit, run.err);
        List<String> lines = run.out.lines().toList();
        assertEquals("broken: ClassFormatError", lines.get(0));
        assertTrue(lines.get(1).startsWith("Hello, agent pending=true"), run.out);
        assertTrue(run.err.contains("Coda agent left demo.Broken unchanged: malformed class file"), run.err);
    }

    @Test
    void selfAttachRewritesClassesLoadedAfterwardsAndReportsEarlierOnes() throws Exception {
        Path classes = compile("demo/Greeter.java", AgentPrograms.GREETER, "demo/Early.java", """
                package demo;
                import dev.coda.*;
                public class Early {
                    @Async public static Task<Integer> one() { return Task.completed(Coda.await(Task.completed(1))); }
                }
                """, "demo/Main.java", """
                package demo;
                public class Main {
                    public static void main(String[] a) throws Exception {
                        Class.forName("demo.Early");
                        dev.coda.agent.CodaAgent.install();
                        dev.coda.agent.CodaAgent.install();
                        System.out.println(Greeter.run());
                        try {
                            Early.one();
                        } catch (IllegalStateException e) {
                            System.out.println(e.getMessage());
                        }
                    }
                }
                """);
        // Self-attach needs the agent's classes on the class path; the jar is also what -javaagent uses.
        Run run = java(Path.of(classes + File.pathSeparator + AGENT_JAR), "-Djdk.attach.allowAttachSelf=true", "demo.Main");
        assertEquals(0, run.exit, run.err);
        List<String> lines = run.out.lines().toList();
        assertTrue(lines.get(0).startsWith("Hello, agent pending=true class=demo.Greeter$$Coda$greet"), run.out);
        assertEquals("demo.Early was loaded before the Coda agent was installed, so its async code was not rewritten: "
                + "call CodaAgent.install() before the class loads (for example from a class without async code, or a "
                + "test extension), or run with -javaagent:coda-agent.jar", lines.get(1));
        assertTrue(run.err.contains("demo.Early was loaded before the Coda agent was installed"), run.err);
    }
}
