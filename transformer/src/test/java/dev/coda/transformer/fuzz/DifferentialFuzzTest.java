package dev.coda.transformer.fuzz;

import static org.junit.jupiter.api.Assertions.fail;

import dev.coda.Task;
import dev.coda.transformer.fuzz.ProgramGenerator.Program;
import dev.coda.transformer.support.InMemoryCompiler;
import dev.coda.transformer.support.Instrumented;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/**
 * Differential fuzzing: each generated program runs (a) transformed, with a driver completing pending tasks in a
 * random order until the returned task is done, and (b) untransformed, with {@code Coda.await} replaced by a join
 * ({@link Ref}). Results, exceptions and event logs must be identical.
 *
 * <p>Properties: {@code coda.fuzz.programs} (default 300), {@code coda.fuzz.seed} (default 20261121),
 * {@code coda.fuzz.only} (comma-separated program indices to run alone), {@code coda.fuzz.print} (print the source
 * of every program run).
 */
class DifferentialFuzzTest {
    private static final int BATCH = 50;
    private static final int MAX_REPORTED = 5;

    private long awaits;
    private long blockedAwaits;
    private long resumptions;
    private long events;
    private long values;
    private long exceptions;
    private long compileNanos;
    private long transformNanos;
    private final List<String> failures = new ArrayList<>();
    private volatile Program running;
    private volatile long runningSince;

    @Test
    void transformedProgramsBehaveLikeJoiningOnes() throws Exception {
        int programs = Integer.getInteger("coda.fuzz.programs", 300);
        long seed = Long.getLong("coda.fuzz.seed", 20261121L);
        String only = System.getProperty("coda.fuzz.only", "").trim();
        boolean print = Boolean.getBoolean("coda.fuzz.print");
        ProgramGenerator generator = new ProgramGenerator(seed);
        List<Integer> indices = new ArrayList<>();
        if (only.isEmpty()) for (int i = 0; i < programs; i++) indices.add(i);
        else for (String s : only.split(",")) indices.add(Integer.parseInt(s.trim()));

        Thread watchdog = startWatchdog(seed);
        long started = System.nanoTime();
        try {
            for (int from = 0; from < indices.size(); from += BATCH) {
                List<Program> batch = new ArrayList<>();
                for (int i = from; i < Math.min(indices.size(), from + BATCH); i++) batch.add(generator.generate(indices.get(i)));
                if (print) batch.forEach(p -> System.out.println(p.source()));
                runBatch(seed, batch);
            }
        } finally {
            watchdog.interrupt();
        }
        double seconds = (System.nanoTime() - started) / 1e9;
        System.out.printf("[coda-fuzz] seed=%d programs=%d awaits=%d suspensions=%d (awaits finding a pending task: %d)"
                        + " events=%d outcomes: %d values, %d exceptions; failures=%d elapsed=%.1fs (javac %.1fs, transform+verify %.1fs)%n",
                seed, indices.size(), awaits, resumptions, blockedAwaits, events, values, exceptions, failures.size(),
                seconds, compileNanos / 1e9, transformNanos / 1e9);
        if (!failures.isEmpty()) {
            StringBuilder message = new StringBuilder(failures.size() + " of " + indices.size()
                    + " programs misbehaved (seed " + seed + "); rerun one with -Dcoda.fuzz.seed=" + seed
                    + " -Dcoda.fuzz.only=INDEX\n");
            failures.stream().limit(MAX_REPORTED).forEach(f -> message.append(f).append('\n'));
            fail(message.toString());
        }
    }

    private void runBatch(long seed, List<Program> batch) {
        Map<String, String> sources = new LinkedHashMap<>();
        for (Program p : batch) {
            sources.put(p.fileName(), p.source());
            sources.put("r/" + p.fileName().substring(2), ProgramGenerator.reference(p.source()));
        }
        Map<String, byte[]> classes;
        long t0 = System.nanoTime();
        try {
            classes = InMemoryCompiler.compile(sources);
            compileNanos += System.nanoTime() - t0;
        } catch (IllegalArgumentException batchFailed) {
            // A generator bug: find the programs javac rejects, report them, run the rest.
            List<Program> good = new ArrayList<>();
            for (Program p : batch) {
                try {
                    InMemoryCompiler.compile(Map.of(p.fileName(), p.source()));
                    good.add(p);
                } catch (IllegalArgumentException e) {
                    failure(seed, p, "GENERATOR BUG: javac rejected the program\n" + e.getMessage());
                }
            }
            if (good.size() < batch.size() && !good.isEmpty()) runBatch(seed, good);
            else if (!good.isEmpty()) throw batchFailed;
            return;
        }
        Map<String, byte[]> references = new TreeMap<>();
        classes.forEach((name, bytes) -> {
            if (name.startsWith("r/")) references.put(name, bytes);
        });
        ClassLoader referenceLoader = new MapLoader(references);
        for (Program p : batch) {
            running = p;
            runningSince = System.nanoTime();
            String internal = p.className().replace('.', '/');
            Map<String, byte[]> mine = new TreeMap<>();
            classes.forEach((name, bytes) -> {
                if (name.equals(internal) || name.startsWith(internal + "$")) mine.put(name, bytes);
            });
            try {
                runOne(seed, p, mine, referenceLoader);
            } catch (Throwable t) {
                failure(seed, p, "HARNESS: " + stackTrace(t));
            }
        }
        running = null;
    }

    private void runOne(long seed, Program p, Map<String, byte[]> classes, ClassLoader referenceLoader) throws Exception {
        // (b) the reference: untransformed, await joins.
        Env refEnv = new Env(seed ^ (p.index() * 0x632BE59BD9B4E019L) ^ 1);
        Method refRun = referenceLoader.loadClass("r" + p.className().substring(1)).getMethod("run", Env.class);
        Outcome expected;
        Ref.current = refEnv;
        try {
            Task<?> task = (Task<?>) refRun.invoke(null, refEnv);
            expected = task.isDone() ? Outcome.of(task) : Outcome.stuck("reference returned a pending task");
        } catch (InvocationTargetException e) {
            expected = Outcome.thrown(e.getCause());
        } finally {
            Ref.current = null;
        }

        // (a) the transformed program, driven in a random order.
        Instrumented code;
        Class<?> host;
        long t0 = System.nanoTime();
        try {
            code = Instrumented.of(classes).requireClean();
            host = code.load(p.className());
            transformNanos += System.nanoTime() - t0;
        } catch (Throwable t) {
            failure(seed, p, "TRANSFORM/VERIFY FAILED: " + stackTrace(t));
            return;
        }
        Env env = new Env(seed ^ (p.index() * 0x9E3779B97F4A7C15L) ^ 2);
        Outcome actual;
        try {
            Task<?> task = (Task<?>) host.getMethod("run", Env.class).invoke(null, env);
            while (!task.isDone() && env.hasPending()) env.completeOne();
            actual = task.isDone() ? Outcome.of(task)
                    : Outcome.stuck("returned task still pending and nothing left to complete");
        } catch (InvocationTargetException e) {
            actual = Outcome.stuck("the async function threw synchronously instead of failing its task: "
                    + stackTrace(e.getCause()));
        }

        if (Boolean.getBoolean("coda.fuzz.verbose")) {
            System.out.println("program " + p.index() + ": " + expected.describe() + " after " + refEnv.awaits
                    + " awaits, events " + refEnv.events);
        }
        awaits += refEnv.awaits;
        blockedAwaits += refEnv.blockedAwaits;
        resumptions += env.resumptions;
        events += refEnv.events.size();
        if (expected.error == null) values++;
        else exceptions++;

        List<String> problems = new ArrayList<>();
        if (!Objects.equals(expected.describe(), actual.describe())) {
            problems.add("outcome differs\n  expected (reference): " + expected.describe()
                    + "\n  actual (transformed): " + actual.describe());
        } else if (!Objects.equals(expected.where, actual.where)) {
            problems.add("exception raised at a different source position\n  expected: " + expected.where
                    + "\n  actual:   " + actual.where);
        }
        if (!refEnv.events.equals(env.events)) problems.add("event logs differ\n" + diff(refEnv.events, env.events));
        if (!problems.isEmpty()) {
            if (actual.error != null && actual.error != expected.error) problems.add("transformed exception: " + stackTrace(actual.error));
            failure(seed, p, String.join("\n", problems));
        }
    }

    private void failure(long seed, Program p, String what) {
        String report = "=== program " + p.index() + " (seed " + seed + ") ===\n" + what + "\n--- source "
                + p.fileName() + " ---\n" + numbered(p.source());
        System.out.println(report);
        failures.add(report);
    }

    // ---- outcomes ----------------------------------------------------------------------------------------------

    private static final class Outcome {
        final Object value;
        final Throwable error;
        final String stuck;
        /** Where the escaping exception was raised: the first frame in the program's class (method:line). */
        final String where;

        private Outcome(Object value, Throwable error, String stuck) {
            this.value = value;
            this.error = error;
            this.stuck = stuck;
            this.where = error == null ? null : firstProgramFrame(error);
        }

        static Outcome of(Task<?> done) {
            try {
                return new Outcome(Env.outcome(done), null, null);
            } catch (Throwable t) {
                return new Outcome(null, t, null);
            }
        }

        static Outcome thrown(Throwable t) {
            return new Outcome(null, t, null);
        }

        static Outcome stuck(String why) {
            return new Outcome(null, null, why);
        }

        String describe() {
            if (stuck != null) return "STUCK: " + stuck;
            if (error == null) return "value " + value;
            StringBuilder s = new StringBuilder("exception " + error);
            for (Throwable x : error.getSuppressed()) s.append(" [suppressed ").append(x).append(']');
            return s.toString();
        }

        private static String firstProgramFrame(Throwable t) {
            for (StackTraceElement f : t.getStackTrace()) {
                String c = f.getClassName();
                if ((c.startsWith("p.F") || c.startsWith("r.F")) && !c.contains("$")) {
                    return f.getMethodName() + ":" + f.getLineNumber();
                }
            }
            return "-";
        }
    }

    private static String diff(List<String> expected, List<String> actual) {
        int i = 0;
        while (i < expected.size() && i < actual.size() && expected.get(i).equals(actual.get(i))) i++;
        StringBuilder s = new StringBuilder("  first difference at event " + i + " (reference has " + expected.size()
                + " events, transformed " + actual.size() + ")\n");
        for (int j = Math.max(0, i - 3); j < i; j++) s.append("    same: ").append(expected.get(j)).append('\n');
        s.append("    expected: ").append(i < expected.size() ? expected.get(i) : "<end>").append('\n');
        s.append("    actual:   ").append(i < actual.size() ? actual.get(i) : "<end>");
        return s.toString();
    }

    private static String numbered(String source) {
        String[] lines = source.split("\n", -1);
        StringBuilder s = new StringBuilder();
        for (int i = 0; i < lines.length; i++) s.append(String.format("%4d  %s%n", i + 1, lines[i]));
        return s.toString();
    }

    private static String stackTrace(Throwable t) {
        java.io.StringWriter w = new java.io.StringWriter();
        t.printStackTrace(new java.io.PrintWriter(w));
        String s = w.toString();
        return s.length() > 6000 ? s.substring(0, 6000) + "..." : s;
    }

    /** Prints the program that runs for more than a minute, so a hang can be reproduced. */
    private Thread startWatchdog(long seed) {
        Thread test = Thread.currentThread();
        Thread t = new Thread(() -> {
            Program reported = null;
            try {
                while (true) {
                    Thread.sleep(5_000);
                    Program p = running;
                    if (p != null && p != reported && System.nanoTime() - runningSince > 60_000_000_000L) {
                        reported = p;
                        System.out.println("[coda-fuzz] program " + p.index() + " (seed " + seed
                                + ") runs for more than a minute:\n" + numbered(p.source()) + "\nat:\n"
                                + Arrays.toString(test.getStackTrace()));
                    }
                }
            } catch (InterruptedException done) {
                // finished
            }
        }, "coda-fuzz-watchdog");
        t.setDaemon(true);
        t.start();
        return t;
    }

    private static final class MapLoader extends ClassLoader {
        private final Map<String, byte[]> classes;

        MapLoader(Map<String, byte[]> classes) {
            super(DifferentialFuzzTest.class.getClassLoader());
            this.classes = classes;
        }

        @Override
        protected Class<?> findClass(String name) throws ClassNotFoundException {
            byte[] bytes = classes.get(name.replace('.', '/'));
            if (bytes == null) throw new ClassNotFoundException(name);
            return defineClass(name, bytes, 0, bytes.length);
        }
    }
}
