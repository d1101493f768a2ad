package dev.coda.agent;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.DataOutputStream;
import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import javax.tools.ToolProvider;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Corrupted class files that mention Coda, each defined in a fresh loader and run, once without the agent and once
 * under it. The agent must never change whether the JVM accepts a class: what the JVM refuses as written it still
 * refuses once rewritten, and what it accepts stays accepted. Beyond that, the JVM must not crash, no mutant may
 * make the transformer fail inside (every class left alone is left alone for a reason the log states), and every
 * class the agent leaves unchanged is logged.
 */
class AgentMutationIT {
    private static final String AGENT_JAR = System.getProperty("coda.agent.jar", "target/coda-agent.jar");
    private static final int MUTANTS = Integer.getInteger("coda.agent.mutants", 5_000);

    @TempDir
    Path dir;

    private static final String VICTIM = """
            package p;
            import dev.coda.*;
            import java.util.concurrent.CompletableFuture;
            import java.util.function.IntUnaryOperator;
            import static dev.coda.Coda.await;
            public class Victim {
                static final IntUnaryOperator TWICE = x -> x * 2;
                private final String label;
                Victim(String label) { this.label = label; }
                @Async static Task<String> go(Task<String> t, CompletableFuture<Integer> f) {
                    String s = await(t);
                    try (TaskScope scope = TaskScope.open()) {
                        int n = await(f);
                        Task<Integer> child = scope.spawn(() -> Task.completed(TWICE.applyAsInt(n)));
                        return Task.completed(new Victim(s).label + n + await(child));
                    }
                }
                public static String probe() {
                    return go(Task.completed("a"), CompletableFuture.completedFuture(21)).join();
                }
            }
            """;

    private static final String FUZZ = """
            package demo;
            import java.io.*;
            import java.lang.reflect.InvocationTargetException;
            import java.util.*;
            import java.util.concurrent.*;
            import java.util.logging.*;
            public class Fuzz {
                static final class Loader extends ClassLoader {
                    Loader() { super(Fuzz.class.getClassLoader()); }
                    Class<?> define(byte[] b) { return defineClass("p.Victim", b, 0, b.length); }
                }
                static final List<String> LOGGED = Collections.synchronizedList(new ArrayList<>());
                public static void main(String[] a) throws Exception {
                    Logger agent = Logger.getLogger("dev.coda.agent");
                    agent.setUseParentHandlers(false);
                    agent.addHandler(new Handler() {
                        @Override public void publish(LogRecord r) {
                            LOGGED.add(r.getLevel() + " " + r.getMessage()
                                    + (r.getThrown() == null ? "" : " THROWN " + r.getThrown()));
                        }
                        @Override public void flush() {}
                        @Override public void close() {}
                    });
                    ExecutorService runner = Executors.newCachedThreadPool(r -> {
                        Thread t = new Thread(r);
                        t.setDaemon(true);
                        return t;
                    });
                    try (DataInputStream in = new DataInputStream(new BufferedInputStream(new FileInputStream(a[0])))) {
                        int n = in.readInt();
                        for (int i = 0; i < n; i++) {
                            byte[] b = new byte[in.readInt()];
                            in.readFully(b);
                            LOGGED.clear();
                            String outcome = outcome(b, runner);
                            System.out.println(i + "\\t" + flat(outcome) + "\\t" + flat(String.join(" | ", LOGGED)));
                        }
                    }
                }
                static String flat(String s) {
                    return s.replaceAll("[\\t\\r\\n]", " ");
                }
                static String outcome(byte[] b, ExecutorService runner) {
                    Class<?> c;
                    try {
                        c = new Loader().define(b);
                    } catch (Throwable t) {
                        return "refused " + t.getClass().getName() + ": " + t.getMessage();
                    }
                    Future<String> run = runner.submit(() -> {
                        // Initialising links the class: the JVM verifies every method of it now.
                        try {
                            Class.forName("p.Victim", true, c.getClassLoader());
                        } catch (Throwable t) {
                            return "refused " + t.getClass().getName() + ": " + t.getMessage();
                        }
                        try {
                            return "ran " + c.getMethod("probe").invoke(null);
                        } catch (InvocationTargetException e) {
                            return verdict(e.getCause());
                        } catch (Throwable t) {
                            return verdict(t);
                        }
                    });
                    try {
                        return run.get(5, TimeUnit.SECONDS);
                    } catch (TimeoutException e) {
                        return "hung";
                    } catch (Exception e) {
                        return "harness " + e;
                    }
                }
                static String verdict(Throwable t) {
                    for (Throwable c = t; c != null; c = c.getCause()) {
                        if (c instanceof VerifyError || c instanceof ClassFormatError) {
                            return "broken " + c.getClass().getName() + ": " + c.getMessage();
                        }
                    }
                    return "threw " + t.getClass().getName() + ": " + t.getMessage();
                }
            }
            """;

    @Test
    void theAgentNeverChangesWhetherTheJvmAcceptsAClass() throws Exception {
        Path classes = compile();
        byte[] original = Files.readAllBytes(classes.resolve("p/Victim.class"));
        Files.delete(classes.resolve("p/Victim.class")); // only the mutants define it
        Path mutants = outcomes().resolve("mutants.bin");
        SplittableRandom random = new SplittableRandom(20261206);
        try (DataOutputStream out = new DataOutputStream(Files.newOutputStream(mutants))) {
            out.writeInt(MUTANTS);
            for (int i = 0; i < MUTANTS; i++) {
                byte[] mutant = original.clone();
                int flips = 1 + random.nextInt(3);
                for (int f = 0; f < flips; f++) mutant[random.nextInt(mutant.length)] = (byte) random.nextInt(256);
                out.writeInt(mutant.length);
                out.write(mutant);
            }
        }
        List<String[]> plain = run(classes, mutants, false);
        List<String[]> agent = run(classes, mutants, true);

        List<String> changed = new ArrayList<>(), broken = new ArrayList<>(), internal = new ArrayList<>(),
                silent = new ArrayList<>();
        int refusedByTheJvm = 0, rewritten = 0, leftAsMalformed = 0;
        for (int i = 0; i < MUTANTS; i++) {
            String[] p = plain.get(i), g = agent.get(i);
            boolean plainRefused = refused(p[1]), agentRefused = refused(g[1]);
            if (plainRefused) refusedByTheJvm++;
            // Left unchanged, the class is the same bytes: the JVM may still word its refusal otherwise with an agent
            // attached (a class with two defects is refused for either), which is not the agent's doing.
            boolean leftUnchanged = g[2].contains("unchanged: malformed class file");
            if (plainRefused != agentRefused && !leftUnchanged) changed.add("mutant " + i + ": as written " + p[1] + "; rewritten " + g[1] + "; logged: " + g[2]);
            // The host linked, so its async methods verified: their state machines must verify too.
            if (g[1].startsWith("broken")) broken.add("mutant " + i + ": " + g[1] + "; logged: " + g[2]);
            if (g[2].contains("THROWN") || g[2].contains("internal error")) internal.add("mutant " + i + ": " + g[2]);
            // Left unchanged under the agent means its await throws "not rewritten": that must have been logged.
            if (g[1].contains("was not rewritten") && g[2].isEmpty()) silent.add("mutant " + i + ": " + g[1]);
            if (g[1].startsWith("ran ")) rewritten++;
            if (g[2].contains("unchanged: malformed class file")) leftAsMalformed++;
        }
        System.out.printf("%d mutants: %d refused by the JVM as written, %d left unchanged by the agent as malformed "
                + "(logged), %d ran rewritten%n", MUTANTS, refusedByTheJvm, leftAsMalformed, rewritten);
        assertEquals(List.of(), head(changed), changed.size() + " mutants changed acceptance under the agent");
        assertEquals(List.of(), head(broken), broken.size() + " mutants were rewritten into classes the JVM refuses");
        assertEquals(List.of(), head(internal), internal.size() + " mutants made the transformer fail inside");
        assertEquals(List.of(), head(silent), silent.size() + " mutants were left unchanged without a word");
        assertTrue(refusedByTheJvm > MUTANTS / 10 && rewritten > MUTANTS / 50, "the mutants exercise both outcomes");
    }

    /**
     * Refused for what the class file itself says: its format or its code. A class it names that cannot be found
     * while verifying (a mangled name) is a failure of the environment, met as written at link time and once
     * rewritten when the state machine first runs.
     */
    private static boolean refused(String outcome) {
        return outcome.startsWith("refused java.lang.ClassFormatError")
                || outcome.startsWith("refused java.lang.UnsupportedClassVersionError")
                || outcome.startsWith("refused java.lang.VerifyError");
    }

    private static List<String> head(List<String> l) {
        return l.subList(0, Math.min(5, l.size()));
    }

    private List<String[]> run(Path classes, Path mutants, boolean underAgent) throws Exception {
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xss1m", "-cp", classes + File.pathSeparator + AgentPrograms.runtimeClassPath()));
        if (underAgent) command.add("-javaagent:" + AGENT_JAR);
        command.addAll(List.of("demo.Fuzz", mutants.toString()));
        Path outcomes = outcomes();
        Path stdout = outcomes.resolve(underAgent ? "agent.txt" : "plain.txt");
        Path stderr = outcomes.resolve(underAgent ? "agent.err" : "plain.err");
        Process process = new ProcessBuilder(command).redirectOutput(stdout.toFile()).redirectError(stderr.toFile()).start();
        assertTrue(process.waitFor(15, TimeUnit.MINUTES), "the fuzz run finished");
        assertEquals(0, process.exitValue(), "the JVM " + (underAgent ? "under the agent " : "") + "exited normally: "
                + Files.readString(stderr));
        List<String[]> lines = Files.readAllLines(stdout).stream().map(l -> l.split("\t", -1)).toList();
        assertEquals(MUTANTS, lines.size(), "one outcome per mutant");
        return lines;
    }

    /** Beside the agent jar, where the mutants and both runs' outcomes stay for a look after a failure. */
    private static Path outcomes() throws java.io.IOException {
        return Files.createDirectories(Path.of(AGENT_JAR).toAbsolutePath().resolveSibling("agent-mutation"));
    }


    private Path compile() throws Exception {
        Path out = dir.resolve("classes"), src = dir.resolve("src");
        List<String> args = new ArrayList<>(List.of("-g", "-d", out.toString(), "-cp", AgentPrograms.runtimeClassPath()));
        for (String[] s : List.of(new String[] {"p/Victim.java", VICTIM}, new String[] {"demo/Fuzz.java", FUZZ})) {
            Path file = src.resolve(s[0]);
            Files.createDirectories(file.getParent());
            Files.writeString(file, s[1]);
            args.add(file.toString());
        }
        Files.createDirectories(out);
        assertEquals(0, ToolProvider.getSystemJavaCompiler().run(null, null, null, args.toArray(new String[0])));
        return out;
    }
}
