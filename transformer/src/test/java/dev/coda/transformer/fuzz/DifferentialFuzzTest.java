package dev.coda.transformer.fuzz;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

import dev.coda.Task;
import dev.coda.transformer.fuzz.ProgramGenerator.Program;
import dev.coda.transformer.support.InMemoryCompiler;
import dev.coda.transformer.support.MapLoader;
import dev.coda.transformer.support.Instrumented;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;

/**
 * Differential fuzzing of the transformer and runtime. Each program from {@link ProgramGenerator} is compiled twice
 * from the same text, in batches of 50 classes per javac call: as is (package {@code p}), then transformed by
 * {@link Instrumented} ({@code requireClean}: no error diagnostic, CheckClassAdapter, JVM verifier); and with
 * {@code Coda.await(} replaced by {@link Ref}{@code .await(} (package {@code r}), not transformed, where an await
 * drives pending tasks until its own is done and then returns its value or rethrows its exception (a join).
 * Each compiled program then runs {@value #RUNS} times with other inputs; in each run the transformed copy is
 * driven by completing pending tasks in a seeded random order (the last run: from two threads at once), and the
 * result or exception (type, message, suppressed, the source line that raised it) and the event log must equal
 * the reference's. A mismatch fails with the seed, the program index, the run and the numbered source.
 *
 * <p>Structured concurrency: programs start children they do not await at once, some of which
 * fail unobserved (see {@link ProgramGenerator}). In the reference copy every generated async body is a frame that
 * applies the parent's rules when it ends (see {@link Env} and {@link Ref}): a value waits for the children and
 * fails with the first unobserved failure in start order, the others suppressed; an exception gets them suppressed,
 * oldest first; a returned child is the outcome. Which children a transformed parent found still running, and
 * cancelled, when it threw depends on the order of completion, so the transformed copy runs first and the
 * reference learns, per kept task, whether it ended cancelled; it accepts that only for a child still unobserved
 * when its parent ended exceptionally, and then expects nothing reported for it. After each run every kept task
 * (child or detached) must also have ended as the reference predicts: the same value, the same failure, or
 * cancelled where allowed. The figures count kept tasks, those cancelled by their parent, and the child failures
 * a parent reported.
 *
 * <p>System properties: {@code coda.fuzz.programs} (default 300), {@code coda.fuzz.seed} (default 20261121),
 * {@code coda.fuzz.only} (comma-separated program indices, to rerun some alone), {@code coda.fuzz.runs} (runs per
 * program, default {@value #RUNS}), {@code coda.fuzz.threads} (workers, default the number of processors),
 * {@code coda.fuzz.print} (print every source), {@code coda.fuzz.verbose} (print every run's outcome and log).
 * The long run:
 * {@code mvn -B test -pl transformer -Dtest=DifferentialFuzzTest -Dcoda.fuzz.programs=20000 -Dcoda.forkTimeout=0}.
 */
class DifferentialFuzzTest {
    private static final int BATCH = 50;
    private static final int MAX_REPORTED = 5;
    private static final int RUNS = 4;

    /** Figures of one batch; batches run on a pool of workers and are summed at the end. */
    private static final class Stats {
        long runs;
        long awaits;
        long blockedAwaits;
        long resumptions;
        long events;
        long values;
        long exceptions;
        long tooLarge;
        /** Programs the compiler crashed on, or whose classes the JVM refuses as compiled: a compiler defect. */
        long miscompiled;
        long kept;
        long keptCancelled;
        long childFailuresReported;
        long compileNanos;
        long transformNanos;
        final List<String> failures = new ArrayList<>();

        void add(Stats o) {
            runs += o.runs;
            awaits += o.awaits;
            blockedAwaits += o.blockedAwaits;
            resumptions += o.resumptions;
            events += o.events;
            values += o.values;
            exceptions += o.exceptions;
            tooLarge += o.tooLarge;
            miscompiled += o.miscompiled;
            kept += o.kept;
            keptCancelled += o.keptCancelled;
            childFailuresReported += o.childFailuresReported;
            compileNanos += o.compileNanos;
            transformNanos += o.transformNanos;
            failures.addAll(o.failures);
        }
    }

    /** What each worker runs, for the watchdog. */
    private final Map<Thread, Program> running = new ConcurrentHashMap<>();
    private final Map<Thread, Long> runningSince = new ConcurrentHashMap<>();

    /**
     * Programs that once failed, by seed and index, run on every build. Seed 20261208: with ECJ's output, #160 and
     * #1031 exceeded ASM's default budget for computing stack map frames, and #97 and #1338 did once the rewritten
     * body had a handler covering all its code while frames were computed.
     */
    @Test
    void programsThatOnceFailedBehaveLikeJoiningOnes() {
        long seed = 20261208L;
        ProgramGenerator generator = new ProgramGenerator(seed);
        List<Program> programs = new ArrayList<>();
        for (int i : new int[] {97, 160, 1031, 1338}) programs.add(generator.generate(i));
        Stats stats = new Stats();
        runBatch(seed, programs, stats);
        if (!stats.failures.isEmpty()) fail(String.join("\n", stats.failures));
        assertEquals(programs.size() * (long) runsPerProgram(), stats.runs, "every program ran, none was refused");
    }

    private static int runsPerProgram() {
        return Integer.getInteger("coda.fuzz.runs", RUNS);
    }

    @Test
    void transformedProgramsBehaveLikeJoiningOnes() throws Exception {
        int programs = Integer.getInteger("coda.fuzz.programs", 300);
        long seed = Long.getLong("coda.fuzz.seed", 20261121L);
        String only = System.getProperty("coda.fuzz.only", "").trim();
        boolean print = Boolean.getBoolean("coda.fuzz.print");
        int threads = Integer.getInteger("coda.fuzz.threads", Runtime.getRuntime().availableProcessors());
        ProgramGenerator generator = new ProgramGenerator(seed);
        List<Integer> indices = new ArrayList<>();
        if (only.isEmpty()) for (int i = 0; i < programs; i++) indices.add(i);
        else for (String s : only.split(",")) indices.add(Integer.parseInt(s.trim()));

        Thread watchdog = startWatchdog(seed);
        ExecutorService pool = Executors.newFixedThreadPool(Math.max(1, threads), r -> {
            Thread t = new Thread(r, "coda-fuzz-worker");
            t.setDaemon(true);
            return t;
        });
        long started = System.nanoTime();
        Stats total = new Stats();
        try {
            List<Future<Stats>> results = new ArrayList<>();
            for (int from = 0; from < indices.size(); from += BATCH) {
                List<Integer> slice = indices.subList(from, Math.min(indices.size(), from + BATCH));
                results.add(pool.submit(() -> {
                    List<Program> batch = new ArrayList<>();
                    for (int i : slice) batch.add(generator.generate(i));
                    if (print) batch.forEach(p -> System.out.println(p.source()));
                    Stats stats = new Stats();
                    runBatch(seed, batch, stats);
                    return stats;
                }));
            }
            int done = 0;
            for (Future<Stats> f : results) {
                total.add(f.get());
                done += BATCH;
                if (done % 2000 == 0 && done < indices.size()) {
                    System.out.printf("[coda-fuzz] %d programs, %d awaits, %d failures, %.0fs%n", done, total.awaits,
                            total.failures.size(), (System.nanoTime() - started) / 1e9);
                }
            }
        } finally {
            pool.shutdownNow();
            watchdog.interrupt();
        }
        double seconds = (System.nanoTime() - started) / 1e9;
        System.out.printf("[coda-fuzz] seed=%d programs=%d runs=%d awaits=%d suspensions=%d failures=%d elapsed=%.1fs"
                        + " | awaits finding a pending task=%d events=%d outcomes: %d values, %d exceptions;"
                        + " kept children=%d (cancelled by their parent %d, failures a parent reported %d);"
                        + " too large (javac or rewriting)=%d; crashed the compiler or refused by the JVM as compiled (compiler defects)=%d;"
                        + " compiler=%s; threads=%d, compile %.1fs, transform+verify %.1fs%n",
                seed, indices.size(), total.runs, total.awaits, total.resumptions, total.failures.size(), seconds,
                total.blockedAwaits, total.events, total.values, total.exceptions, total.kept, total.keptCancelled,
                total.childFailuresReported, total.tooLarge, total.miscompiled, InMemoryCompiler.COMPILER, threads,
                total.compileNanos / 1e9,
                total.transformNanos / 1e9);
        if (!total.failures.isEmpty()) {
            StringBuilder message = new StringBuilder(total.failures.size() + " of " + indices.size()
                    + " programs misbehaved (seed " + seed + "); rerun one with -Dcoda.fuzz.seed=" + seed
                    + " -Dcoda.fuzz.only=INDEX\n");
            total.failures.stream().limit(MAX_REPORTED).forEach(f -> message.append(f).append('\n'));
            fail(message.toString());
        }
    }

    private void runBatch(long seed, List<Program> batch, Stats stats) {
        Map<String, String> sources = new LinkedHashMap<>();
        for (Program p : batch) {
            sources.put(p.fileName(), p.source());
            sources.put("r/" + p.fileName().substring(2), p.reference());
        }
        Map<String, byte[]> classes;
        long t0 = System.nanoTime();
        try {
            classes = InMemoryCompiler.compile(sources);
            stats.compileNanos += System.nanoTime() - t0;
        } catch (IllegalArgumentException batchFailed) {
            // A generator bug: find the programs javac rejects, report them, run the rest.
            List<Program> good = new ArrayList<>();
            for (Program p : batch) {
                try {
                    InMemoryCompiler.compile(Map.of(p.fileName(), p.source(), "r/" + p.fileName().substring(2),
                            p.reference()));
                    good.add(p);
                } catch (IllegalArgumentException e) {
                    if (e.getMessage().contains("code too large")) stats.tooLarge++; // javac's 64 KB limit
                    else if (InMemoryCompiler.ecj() && e.getMessage().contains("Internal compiler error")) {
                        stats.miscompiled++; // ECJ crashed on a valid program
                    }
                    else failure(stats, seed, p, "GENERATOR BUG: javac rejected the program or its reference copy\n"
                            + e.getMessage() + "\n--- reference copy ---\n" + numbered(p.reference()));
                }
            }
            if (good.size() < batch.size() && !good.isEmpty()) runBatch(seed, good, stats);
            else if (!good.isEmpty()) throw batchFailed;
            return;
        }
        Map<String, byte[]> references = new TreeMap<>();
        classes.forEach((name, bytes) -> {
            if (name.startsWith("r/")) references.put(name, bytes);
        });
        ClassLoader referenceLoader = new MapLoader(references);
        referenceLoader.setDefaultAssertionStatus(true);
        Thread me = Thread.currentThread();
        for (Program p : batch) {
            running.put(me, p);
            runningSince.put(me, System.nanoTime());
            String internal = p.className().replace('.', '/');
            Map<String, byte[]> mine = new TreeMap<>();
            classes.forEach((name, bytes) -> {
                if (name.equals(internal) || name.startsWith(internal + "$")) mine.put(name, bytes);
            });
            try {
                runOne(seed, p, mine, referenceLoader, stats);
            } catch (Throwable t) {
                failure(stats, seed, p, "HARNESS: " + stackTrace(t));
            }
        }
        running.remove(me);
    }

    private void runOne(long seed, Program p, Map<String, byte[]> classes, ClassLoader referenceLoader, Stats stats)
            throws Exception {
        // The program as the compiler wrote it, untouched by Coda, may not verify: ECJ writes stack map frames that
        // disagree with its code for a few generated programs (javac never has). There is nothing to rewrite then.
        if (InMemoryCompiler.ecj() && refusedByTheJvm(classes)) {
            stats.miscompiled++;
            return;
        }
        Method reference = referenceLoader.loadClass("r" + p.className().substring(1)).getMethod("run", Env.class);
        Method transformed;
        long t0 = System.nanoTime();
        try {
            Instrumented code = Instrumented.of(classes);
            if (code.diagnostics.stream().anyMatch(d -> d.isError() && String.valueOf(d).contains("is too large once rewritten"))) {
                // Rewriting can grow a method past the JVM's 64 KB limit; the transformer says so, and the
                // generator keeps methods small enough that this is rare. Counted, not a failure.
                stats.tooLarge++;
                return;
            }
            code.requireClean();
            code.loader().setDefaultAssertionStatus(true);
            transformed = code.load(p.className()).getMethod("run", Env.class);
            stats.transformNanos += System.nanoTime() - t0;
        } catch (Throwable t) {
            failure(stats, seed, p, "TRANSFORM/VERIFY FAILED: " + stackTrace(t));
            return;
        }
        // Each compiled program runs several times: other inputs take other paths, other orders of completion
        // suspend at other awaits. Compiling costs far more than running.
        int runs = runsPerProgram();
        SplittableRandom inputs = new SplittableRandom(seed * 31 + p.index());
        for (int run = 0; run < runs; run++) {
            int input = run == 0 ? 0 : inputs.nextInt(-50, 1000);
            long order = inputs.nextLong();
            // The last run completes tasks from two other threads at once.
            boolean concurrent = run == RUNS - 1;
            if (!compare(seed, p, run, input, order, concurrent, reference, transformed, stats)) return;
        }
    }

    /**
     * Runs the transformed and the reference program once each on {@code input}; false on a mismatch. The
     * transformed one runs first: the reference learns from it which kept children ended cancelled (see {@link Env}).
     */
    /** Whether the JVM refuses any of {@code classes} as they are: each is loaded, linked and initialised apart. */
    private static boolean refusedByTheJvm(Map<String, byte[]> classes) {
        ClassLoader apart = new MapLoader(classes);
        for (String name : classes.keySet()) {
            try {
                Class.forName(name.replace('/', '.'), true, apart);
            } catch (VerifyError e) {
                return true;
            } catch (Throwable e) {
                // An initialiser that fails here fails in the real runs too, where it is compared.
            }
        }
        return false;
    }

    private boolean compare(long seed, Program p, int run, int input, long order, boolean concurrent,
                            Method reference, Method transformed, Stats stats) throws Exception {
        // (a) the transformed program, the driver completing pending tasks in a random order.
        Env env = new Env(order, input);
        Outcome actual;
        try {
            Task<?> task = (Task<?>) transformed.invoke(null, env);
            if (concurrent) {
                actual = env.driveConcurrently(task, 2, 20_000) ? Outcome.of(task)
                        : Outcome.stuck("returned task still pending after 20 s of completing tasks from two threads");
            } else {
                while (!task.isDone() && env.hasPending()) env.completeOne();
                actual = task.isDone() ? Outcome.of(task)
                        : Outcome.stuck("returned task still pending and nothing left to complete");
            }
        } catch (InvocationTargetException e) {
            actual = Outcome.stuck("the async function threw synchronously instead of failing its task: "
                    + stackTrace(e.getCause()));
        }
        // A detached child may still run: finish it, so that its outcome can be compared.
        env.settleKept();
        List<String> keptActual = env.keptOutcomes();

        // (b) the reference: untransformed, await joins, kept children accounted for by the frames.
        Env refEnv = Env.reference(order ^ 1, input, env.keptCancelled());
        Outcome expected;
        Ref.current.set(refEnv);
        try {
            Task<?> task = (Task<?>) reference.invoke(null, refEnv);
            expected = task.isDone() ? Outcome.of(task) : Outcome.stuck("reference returned a pending task");
        } catch (InvocationTargetException e) {
            expected = Outcome.thrown(e.getCause());
        } finally {
            Ref.current.remove();
        }
        List<String> keptExpected = refEnv.keptOutcomes();

        if (Boolean.getBoolean("coda.fuzz.verbose")) {
            System.out.println("program " + p.index() + " run " + run + " input " + input + ": " + expected.describe()
                    + " after " + refEnv.awaits + " awaits, events " + refEnv.events
                    + (keptExpected.isEmpty() ? "" : ", kept " + keptExpected));
        }
        stats.awaits += refEnv.awaits;
        stats.blockedAwaits += refEnv.blockedAwaits;
        stats.resumptions += env.resumptions;
        stats.events += refEnv.events.size();
        stats.kept += refEnv.keptCount();
        stats.keptCancelled += refEnv.childrenCancelled;
        stats.childFailuresReported += refEnv.childFailuresReported;
        stats.runs++;
        if (expected.error == null) stats.values++;
        else stats.exceptions++;

        List<String> problems = new ArrayList<>();
        if (!Objects.equals(expected.describe(), actual.describe())) {
            problems.add("outcome differs\n  expected (reference): " + expected.describe()
                    + "\n  actual (transformed): " + actual.describe());
        } else if (!Objects.equals(expected.where, actual.where)) {
            problems.add("exception raised at a different source position\n  expected: " + expected.where
                    + "\n  actual:   " + actual.where);
        }
        if (!refEnv.events.equals(env.events)) problems.add("event logs differ\n" + diff(refEnv.events, env.events));
        else if (!keptExpected.equals(keptActual)) {
            problems.add("kept tasks ended otherwise\n" + diff(keptExpected, keptActual));
        }
        if (problems.isEmpty()) return true;
        if (actual.error != null) problems.add("transformed exception: " + stackTrace(actual.error));
        failure(stats, seed, p, "run " + run + (concurrent ? " (driven from two threads)" : "") + " with input "
                + input + " (-Dcoda.fuzz.runs=" + (run + 1) + "): "
                + String.join("\n", problems));
        return false;
    }

    private static final java.util.concurrent.atomic.AtomicInteger PRINTED = new java.util.concurrent.atomic.AtomicInteger();

    private static void failure(Stats stats, long seed, Program p, String what) {
        String report = "=== program " + p.index() + " (seed " + seed + ") ===\n" + what + "\n--- source "
                + p.fileName() + " ---\n" + numbered(p.source());
        // The first failures in full; after that one line each, so a broken build does not flood the log.
        if (PRINTED.incrementAndGet() <= 20) System.out.println(report);
        else System.out.println("=== program " + p.index() + " (seed " + seed + "): " + what.lines().findFirst().orElse(""));
        stats.failures.add(report);
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
                if ((c.startsWith("p.F") || c.startsWith("r.F")) && !c.contains("$$Coda")) {
                    return c.substring(2) + "." + f.getMethodName() + ":" + f.getLineNumber();
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

    /** Prints a program that runs for more than a minute, so a hang can be reproduced. */
    private Thread startWatchdog(long seed) {
        Thread t = new Thread(() -> {
            Map<Thread, Program> reported = new HashMap<>();
            try {
                while (true) {
                    Thread.sleep(5_000);
                    for (Map.Entry<Thread, Program> e : running.entrySet()) {
                        Program p = e.getValue();
                        Long since = runningSince.get(e.getKey());
                        if (since != null && reported.get(e.getKey()) != p && System.nanoTime() - since > 60_000_000_000L) {
                            reported.put(e.getKey(), p);
                            System.out.println("[coda-fuzz] program " + p.index() + " (seed " + seed
                                    + ") runs for more than a minute:\n" + numbered(p.source()) + "\nat:\n"
                                    + Arrays.toString(e.getKey().getStackTrace()));
                        }
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
}
