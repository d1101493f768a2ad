package dev.coda.transformer.fuzz;

import static org.junit.jupiter.api.Assertions.fail;

import dev.coda.Task;
import dev.coda.transformer.fuzz.OwnershipGenerator.Program;
import dev.coda.transformer.support.InMemoryCompiler;
import dev.coda.transformer.support.MapLoader;
import dev.coda.transformer.support.Instrumented;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/**
 * Differential fuzzing of ownership, cancellation and structured concurrency. Each program of
 * {@link OwnershipGenerator} is compiled with its reference copy; the program is transformed, the reference is not.
 * Each runs with several inputs, first to completion, then cancelled after {@code k} completed pending items for
 * every {@code k} up to {@value #MAX_POINTS} points (a seeded sample beyond that). The transformed copy is driven by
 * completing pending items oldest first and cancelling its task when {@code k} are done; the reference is driven the
 * same way by {@link OwnRef}, which models async calls as frames that run concurrently (children started and not
 * awaited, waited for or cancelled when their parent ends, their unobserved failures reported by it). Both must log
 * the same events, in the same order (opens, closes, awaits, finally blocks, in whichever function they happen) and
 * end the same way: the value, the exception's type and message, or cancelled; the same close failures and program
 * failures (a child's, reported by its parent) reachable from the outcome; the same tree of suppressed exceptions,
 * in order (children's failures are reported oldest first); and {@code cancel()} must return the same. Every
 * resource is closed exactly once.
 *
 * <p>System properties: {@code coda.ownfuzz.programs} (default 300), {@code coda.fuzz.seed}, {@code coda.fuzz.only}
 * (comma-separated indices), {@code coda.fuzz.print} (print every source). The summary also counts what the model saw
 * happen (children started, ends that found children running, children cancelled, unobserved failures reported,
 * cleanup-work children, returned children), so a generator that stops producing them shows. The long run:
 * {@code mvn -B test -pl transformer -Dtest=OwnershipFuzzTest -Dcoda.ownfuzz.programs=20000 -Dcoda.forkTimeout=0}.
 */
class OwnershipFuzzTest {
    private static final int BATCH = 50;
    private static final int INPUTS = 3;
    private static final int MAX_POINTS = 12;

    private final AtomicLong runs = new AtomicLong();
    private final AtomicLong cancelledRuns = new AtomicLong();
    private final AtomicLong closes = new AtomicLong();
    private final List<String> failures = Collections.synchronizedList(new ArrayList<>());

    /**
     * Seed 20261212, program 11874: a parent that ended with a value, cancelled, whose child awaited a grandchild
     * that was cancelled with a cleanup failure. The parent failed with the grandchild's cancelled outcome, not its
     * failure.
     */
    @Test
    void programsThatOnceFailedBehaveLikeTheReferenceModel() throws Exception {
        run(20261212L, List.of(11874));
    }

    @Test
    void ownershipAndCancellationBehaveLikeTheReferenceModel() throws Exception {
        int programs = Integer.getInteger("coda.ownfuzz.programs", 300);
        long seed = Long.getLong("coda.fuzz.seed", 20261121L);
        String only = System.getProperty("coda.fuzz.only", "").trim();
        List<Integer> indices = new ArrayList<>();
        if (only.isEmpty()) for (int i = 0; i < programs; i++) indices.add(i);
        else for (String s : only.split(",")) indices.add(Integer.parseInt(s.trim()));
        run(seed, indices);
    }

    private void run(long seed, List<Integer> indices) throws Exception {
        OwnershipGenerator generator = new OwnershipGenerator(seed);
        long started = System.nanoTime();
        ExecutorService pool = Executors.newFixedThreadPool(Runtime.getRuntime().availableProcessors());
        try {
            List<Future<?>> batches = new ArrayList<>();
            for (int from = 0; from < indices.size(); from += BATCH) {
                List<Integer> slice = indices.subList(from, Math.min(indices.size(), from + BATCH));
                batches.add(pool.submit(() -> {
                    List<Program> batch = new ArrayList<>();
                    for (int i : slice) batch.add(generator.generate(i));
                    if (Boolean.getBoolean("coda.fuzz.print")) batch.forEach(p -> System.out.println(p.source()));
                    runBatch(seed, batch);
                    return null;
                }));
            }
            for (Future<?> f : batches) f.get();
        } finally {
            pool.shutdownNow();
        }
        System.out.printf("[coda-ownfuzz] seed=%d programs=%d runs=%d (cancelled %d) closes=%d failures=%d elapsed=%.1fs%n",
                seed, indices.size(), runs.get(), cancelledRuns.get(), closes.get(), failures.size(),
                (System.nanoTime() - started) / 1e9);
        System.out.printf("[coda-ownfuzz] model: children started %d, ends with children running %d, children cancelled"
                        + " at an end %d, children cancelled while awaited %d, unobserved child failures reported %d,"
                        + " cleanup-work children %d, returned children %d%n",
                OwnRef.childrenStarted.get(), OwnRef.endsWithChildrenRunning.get(), OwnRef.childrenCancelledAtEnd.get(),
                OwnRef.childrenCancelledWhileWaiting.get(), OwnRef.unobservedFailuresReported.get(),
                OwnRef.cleanupWorkChildren.get(), OwnRef.returnedChildren.get());
        if (!failures.isEmpty()) {
            fail(failures.size() + " programs misbehaved (seed " + seed + "); rerun one with -Dcoda.fuzz.seed=" + seed
                    + " -Dcoda.fuzz.only=INDEX\n" + String.join("\n", failures.subList(0, Math.min(3, failures.size()))));
        }
    }

    private void runBatch(long seed, List<Program> batch) {
        Map<String, String> sources = new LinkedHashMap<>();
        for (Program p : batch) {
            sources.put(p.fileName(), p.source());
            sources.put(p.referenceFile(), p.reference());
        }
        Map<String, byte[]> classes;
        try {
            classes = InMemoryCompiler.compile(sources);
        } catch (IllegalArgumentException e) {
            failures.add("GENERATOR BUG: javac rejected batch " + batch.get(0).index() + "..: " + e.getMessage());
            return;
        }
        Map<String, byte[]> references = new TreeMap<>();
        classes.forEach((name, bytes) -> {
            if (name.startsWith("r/")) references.put(name, bytes);
        });
        ClassLoader referenceLoader = new MapLoader(references);
        for (Program p : batch) {
            try {
                runProgram(seed, p, classes, referenceLoader);
            } catch (Throwable t) {
                report(p, "HARNESS: " + t);
            }
        }
    }

    private void runProgram(long seed, Program p, Map<String, byte[]> classes, ClassLoader referenceLoader)
            throws Exception {
        String internal = p.className().replace('.', '/');
        Map<String, byte[]> mine = new TreeMap<>();
        classes.forEach((name, bytes) -> {
            if (name.equals(internal) || name.startsWith(internal + "$")) mine.put(name, bytes);
        });
        Method transformed;
        try {
            transformed = Instrumented.of(mine).requireClean().load(p.className()).getMethod("run", OwnEnv.class);
        } catch (Throwable t) {
            report(p, "TRANSFORM/VERIFY FAILED: " + t);
            return;
        }
        Method reference = referenceLoader.loadClass("r" + p.className().substring(1)).getMethod("run", OwnEnv.class);
        SplittableRandom random = new SplittableRandom(seed * 31 + p.index());
        for (int run = 0; run < INPUTS; run++) {
            int input = run == 0 ? 0 : random.nextInt(1000);
            Result complete = transformed(transformed, input, -1);
            if (!compare(p, input, -1, complete, reference)) return;
            List<Integer> points = new ArrayList<>();
            for (int k = 0; k < complete.completions; k++) points.add(k);
            while (points.size() > MAX_POINTS) points.remove(random.nextInt(points.size()));
            for (int k : points) {
                if (!compare(p, input, k, transformed(transformed, input, k), reference)) return;
                cancelledRuns.incrementAndGet();
            }
        }
    }

    /** What one execution did. */
    private record Result(List<String> events, String outcome, List<String> failures, String tree, String unclosed,
                          int completions, Boolean cancelReturned) {}

    /** The transformed program, driven oldest item first, cancelled once {@code cancelAfter} items are done. */
    @SuppressWarnings("unchecked")
    private Result transformed(Method run, int input, int cancelAfter) throws Exception {
        OwnEnv env = new OwnEnv(input);
        Task<String> task;
        try {
            task = (Task<String>) run.invoke(null, env);
        } catch (InvocationTargetException e) {
            return result(env, "threw synchronously: " + e.getCause(), null, 0, null);
        }
        int completions = 0;
        Boolean cancelReturned = null;
        while (true) {
            if (completions == cancelAfter && !task.isDone()) cancelReturned = task.cancel();
            if (!env.hasPending()) break;
            env.completeOne();
            completions++;
        }
        return result(env, null, task, completions, cancelReturned);
    }

    private boolean compare(Program p, int input, int cancelAfter, Result actual, Method reference) throws Exception {
        runs.incrementAndGet();
        OwnEnv env = new OwnEnv(input);
        Result expected;
        try {
            OwnRef.Run r = OwnRef.run(env, cancelAfter, () -> {
                try {
                    @SuppressWarnings("unchecked")
                    Task<String> t = (Task<String>) reference.invoke(null, env);
                    return t;
                } catch (ReflectiveOperationException e) {
                    throw new IllegalStateException(e.getCause());
                }
            });
            expected = result(env, null, r.task(), 0, r.cancelReturned());
        } catch (RuntimeException e) {
            expected = result(env, "reference threw: " + e, null, 0, null);
        }
        closes.addAndGet(actual.events.stream().filter(e -> e.startsWith("close ")).count());
        List<String> problems = new ArrayList<>();
        if (!expected.outcome.equals(actual.outcome)) {
            problems.add("outcome: expected " + expected.outcome + ", got " + actual.outcome);
        }
        if (!expected.failures.equals(actual.failures)) {
            problems.add("failures reachable from the outcome: expected " + expected.failures + ", got "
                    + actual.failures);
        }
        if (!expected.tree.equals(actual.tree)) {
            problems.add("the failure and what is suppressed onto it, in order:\n  expected " + expected.tree
                    + "\n  got      " + actual.tree);
        }
        if (!java.util.Objects.equals(expected.cancelReturned, actual.cancelReturned)) {
            problems.add("cancel() returned: expected " + expected.cancelReturned + ", got " + actual.cancelReturned);
        }
        // The events also when they agree and something else does not: they show the order that led there.
        if (!problems.isEmpty() || !expected.events.equals(actual.events)) {
            problems.add("events:\n  expected " + expected.events + "\n  got      " + actual.events);
        }
        if (!actual.unclosed.isEmpty()) problems.add("not closed exactly once: " + actual.unclosed);
        if (problems.isEmpty()) return true;
        report(p, "input " + input + (cancelAfter < 0 ? ", not cancelled" : ", cancelled after " + cancelAfter
                + " completions") + ":\n" + String.join("\n", problems));
        return false;
    }

    private static Result result(OwnEnv env, String broken, Task<String> task, int completions, Boolean cancelReturned) {
        StringBuilder unclosed = new StringBuilder();
        for (OwnEnv.R r : env.opened) if (r.closes != 1) unclosed.append(r.name).append(" x").append(r.closes).append(' ');
        if (broken != null) {
            return new Result(List.copyOf(env.events), broken, List.of(), "", unclosed.toString(), completions,
                    cancelReturned);
        }
        if (!task.isDone()) {
            return new Result(List.copyOf(env.events), "still pending", List.of(), "", unclosed.toString(), completions,
                    cancelReturned);
        }
        String outcome;
        List<String> failures = new ArrayList<>();
        Throwable failure = null;
        try {
            outcome = "value " + task.join();
        } catch (CancellationException e) {
            outcome = "cancelled";
            failure = e;
        } catch (CompletionException e) {
            failure = e.getCause();
            outcome = failure.getClass().getSimpleName() + ": " + failure.getMessage();
        } catch (RuntimeException | Error e) {
            failure = e;
            outcome = e.getClass().getSimpleName() + ": " + e.getMessage();
        }
        String tree = "";
        if (failure != null) {
            collect(failure, failures);
            StringBuilder sb = new StringBuilder();
            tree(failure, sb, Collections.newSetFromMap(new IdentityHashMap<>()));
            tree = sb.toString();
        }
        failures.sort(null);
        return new Result(List.copyOf(env.events), outcome, failures, tree, unclosed.toString(), completions,
                cancelReturned);
    }

    /**
     * The close failures and the program's own failures reachable from {@code t} through suppressed exceptions and
     * causes ({@code t} itself included): a child's failure reported by its parent is found here.
     */
    private static void collect(Throwable t, List<String> into) {
        Set<Throwable> seen = Collections.newSetFromMap(new IdentityHashMap<>());
        List<Throwable> work = new ArrayList<>(List.of(t));
        while (!work.isEmpty()) {
            Throwable x = work.remove(work.size() - 1);
            if (x == null || !seen.add(x)) continue;
            if (x instanceof OwnEnv.CloseFailed) into.add(x.getMessage());
            if (x instanceof OwnEnv.Boom) into.add("boom " + x.getMessage());
            work.addAll(Arrays.asList(x.getSuppressed()));
            work.add(x.getCause());
        }
    }

    /**
     * The failure with its suppressed exceptions, in order, and causes, recursively: the order in which failures are
     * suppressed (children oldest first) is part of the outcome.
     */
    private static void tree(Throwable t, StringBuilder into, Set<Throwable> seen) {
        if (!seen.add(t)) {
            into.append("(again ").append(name(t)).append(')');
            return;
        }
        into.append(name(t));
        Throwable[] suppressed = t.getSuppressed();
        if (suppressed.length > 0) {
            into.append(" {");
            for (int i = 0; i < suppressed.length; i++) {
                if (i > 0) into.append(", ");
                tree(suppressed[i], into, seen);
            }
            into.append('}');
        }
        if (t.getCause() != null) {
            into.append(" <- ");
            tree(t.getCause(), into, seen);
        }
    }

    private static String name(Throwable t) {
        if (t instanceof CancellationException) return "cancelled";
        if (t instanceof OwnEnv.Boom) return "boom " + t.getMessage();
        if (t instanceof OwnEnv.CloseFailed) return t.getMessage();
        return t.getClass().getSimpleName() + ": " + t.getMessage();
    }

    private void report(Program p, String what) {
        String text = "=== program " + p.index() + " ===\n" + what + "\n--- source ---\n" + p.source()
                + "--- reference ---\n" + p.reference();
        if (failures.size() < 3) System.out.println(text);
        failures.add(text);
    }
}
