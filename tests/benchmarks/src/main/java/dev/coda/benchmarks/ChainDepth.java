package dev.coda.benchmarks;

import static dev.coda.Coda.await;

import dev.coda.Async;
import dev.coda.PendingTasks;
import dev.coda.Task;
import java.io.InputStream;
import java.lang.management.ManagementFactory;
import java.nio.charset.Charset;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.function.BiFunction;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The stack a chain of nested async calls needs: {@code chain(n)} awaits {@code chain(n - 1)}, and
 * {@code chain(0)} awaits a pending task. Not a JMH benchmark; it prints:
 * <ul>
 *   <li>the deepest chain that can be <em>started</em> on a thread with a 256 KiB stack, found by bisection. A call
 *       runs its body on the caller's stack until it first suspends, so starting the chain nests every level's
 *       frames. Each trial runs on a fresh thread; it fits if no level overflowed and completing the pending task
 *       then gives the right value. Measured once before a warm-up (mostly interpreted frames, which are larger)
 *       and three times after it (compiled frames, whose size depends on what the JIT inlined; the warm-up overflows
 *       too, so that the paths an overflow takes are compiled);</li>
 *   <li>that <em>completing</em> a chain takes constant stack: a chain of 20,000 calls, started on a thread with a
 *       1 GiB stack, completed from a thread with a 256 KiB stack, where each level's resumption would overflow if
 *       resumptions nested.</li>
 * </ul>
 * Run: {@code java -cp tests/benchmarks/target/coda-benchmarks.jar dev.coda.benchmarks.ChainDepth}. {@link #run}
 * measures another kind of chain, given as {@link Chains}, the same way.
 *
 * <p>The depth after warm-up depends on what the JIT compiled in that JVM (how deep it inlined the recursion), and
 * differs from one JVM to the next by as much as a fifth, while the rounds within one JVM usually agree. So
 * {@code --jvms N} runs the measurement in N fresh JVMs, one after another, and prints each one's figures and their
 * median ({@link #repeat}).
 */
public final class ChainDepth {
    static final long SMALL_STACK = 256 * 1024;
    static final long LARGE_STACK = 1L << 30;
    static final int LONG_CHAIN = 20_000;

    private ChainDepth() {}

    @Async
    static Task<Integer> chain(int n, Task<Integer> gate) {
        if (n == 0) return Task.completed(await(gate));
        return Task.completed(await(chain(n - 1, gate)) + 1);
    }

    /**
     * What the harness starts and completes: a chain of {@code n} nested calls whose innermost awaits a pending gate.
     *
     * @param <G> the gate
     * @param <T> what carries the chain's outcome
     */
    public interface Chains<G, T> {
        /** A new pending gate. */
        G pending();

        /** Starts {@code chain(n, gate)} on the calling thread; it runs until it suspends or ends. */
        T start(int n, G gate);

        void complete(G gate, int value);

        boolean isDone(T top);

        /** The value of a chain that is done and has no {@link #failure}. */
        int join(T top);

        /** What a done chain failed with (a cancellation included), or null if it succeeded. */
        Object failure(T top);
    }

    /** Coda's chain: {@link #chain} over a {@link PendingTasks} task. */
    static final Chains<Task<Integer>, Task<Integer>> CODA = overTasks(ChainDepth::chain);

    /** A chain of Coda calls that {@code starter} starts, over a {@link PendingTasks} task. */
    public static Chains<Task<Integer>, Task<Integer>> overTasks(
            BiFunction<Integer, Task<Integer>, Task<Integer>> starter) {
        return new Chains<>() {
            @Override
            public Task<Integer> pending() {
                return PendingTasks.pending();
            }

            @Override
            public Task<Integer> start(int n, Task<Integer> gate) {
                return starter.apply(n, gate);
            }

            @Override
            public void complete(Task<Integer> gate, int value) {
                PendingTasks.complete(gate, value);
            }

            @Override
            public boolean isDone(Task<Integer> top) {
                return top.isDone();
            }

            @Override
            public int join(Task<Integer> top) {
                return top.join();
            }

            @Override
            public Object failure(Task<Integer> top) {
                return PendingTasks.failureOf(top);
            }
        };
    }

    public static void main(String[] args) throws Exception {
        if (args.length == 0) run(CODA);
        else repeat(jvmsOption(args, ChainDepth.class.getName() + " [--jvms N]"), ChainDepth.class.getName());
    }

    /** N of {@code --jvms N} in {@code args}; else an error that shows {@code usage}. */
    public static int jvmsOption(String[] args, String usage) {
        int jvms = args.length == 2 && args[0].equals("--jvms") && args[1].matches("[0-9]{1,3}")
                ? Integer.parseInt(args[1]) : 0;
        if (jvms < 1) throw new IllegalArgumentException("usage: " + usage + " (N from 1 to 999)");
        return jvms;
    }

    /**
     * Runs {@code main} (a class whose {@code main} calls {@link #run}, and its arguments) in {@code jvms} fresh JVMs,
     * one after another, with this JVM's {@code java}, class path and JVM options. Prints, for each, the deepest
     * start before warm-up, the three rounds after it and whether the long chain completed; then the medians, a
     * JVM's figure after warm-up being the median of its three rounds (a round may run code the JVM deoptimised).
     * Fails if a JVM fails or its long chain did not complete.
     */
    public static void repeat(int jvms, String... main) throws Exception {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.addAll(ManagementFactory.getRuntimeMXBean().getInputArguments());
        command.addAll(List.of("-cp", System.getProperty("java.class.path")));
        command.addAll(List.of(main));
        List<Integer> before = new ArrayList<>();
        List<Integer> after = new ArrayList<>();
        for (int i = 1; i <= jvms; i++) {
            Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
            String out;
            try (InputStream in = p.getInputStream()) {
                out = new String(in.readAllBytes(), Charset.defaultCharset());
            }
            if (p.waitFor() != 0) throw new IllegalStateException("JVM " + i + " failed:\n" + out);
            if (!out.contains("completed a chain of")) {
                throw new IllegalStateException("JVM " + i + ": the long chain did not complete:\n" + out);
            }
            int first = depth(out, "before warm-up");
            List<Integer> rounds = new ArrayList<>();
            for (int round = 1; round <= 3; round++) rounds.add(depth(out, "after warm-up, round " + round));
            before.add(first);
            after.add(median(rounds));
            if (i == 1) System.out.println(firstLineStarting(out, "JVM "));
            System.out.printf(Locale.ROOT, "JVM %d: before warm-up %,d calls, after warm-up %,d / %,d / %,d calls; "
                    + "long chain completed%n", i, first, rounds.get(0), rounds.get(1), rounds.get(2));
        }
        System.out.printf(Locale.ROOT, "median of %d JVMs: before warm-up %,d calls, after warm-up %,d calls "
                + "(JVMs from %,d to %,d)%n", jvms, median(before), median(after), Collections.min(after),
                Collections.max(after));
    }

    private static int depth(String out, String when) {
        Matcher m = Pattern.compile(Pattern.quote(when) + ": ([0-9,]+) calls").matcher(out);
        if (!m.find()) throw new IllegalStateException("no figure '" + when + "' in:\n" + out);
        return Integer.parseInt(m.group(1).replace(",", ""));
    }

    private static String firstLineStarting(String out, String prefix) {
        return out.lines().filter(line -> line.startsWith(prefix)).findFirst().orElse("(no '" + prefix + "' line)");
    }

    private static int median(List<Integer> values) {
        List<Integer> sorted = new ArrayList<>(values);
        Collections.sort(sorted);
        int n = sorted.size();
        return n % 2 == 1 ? sorted.get(n / 2) : (sorted.get(n / 2 - 1) + sorted.get(n / 2)) / 2;
    }

    /** Prints what the class comment lists, for {@code chains}. */
    public static <G, T> void run(Chains<G, T> chains) throws InterruptedException {
        System.out.printf("JVM %s, %s%n", Runtime.version(), System.getProperty("java.vm.name"));
        report("before warm-up", deepestStart(chains));
        warmUp(chains);
        for (int round = 1; round <= 3; round++) report("after warm-up, round " + round, deepestStart(chains));
        completeLongChain(chains);
    }

    private static void report(String when, int deepest) {
        // 256 KiB over the depth: an upper bound, since the JVM's guard pages take part of the stack. In the root
        // locale: repeat() parses these figures.
        System.out.printf(Locale.ROOT, "deepest chain started on a 256 KiB stack, %s: %,d calls (at most %,d B of "
                + "stack each)%n", when, deepest, deepest == 0 ? 0 : SMALL_STACK / deepest);
    }

    /**
     * Chains of 100, started and completed 10,000 times on the main thread; then two unreported searches for the
     * deepest start, so that the JIT has met the paths an overflow takes (a handler never reached before is compiled
     * as a trap, which sends the whole chain back to the interpreter when the first overflow reaches it).
     */
    private static <G, T> void warmUp(Chains<G, T> chains) throws InterruptedException {
        for (int i = 0; i < 10_000; i++) {
            G gate = chains.pending();
            T top = chains.start(100, gate);
            chains.complete(gate, i);
            if (chains.join(top) != i + 100) throw new AssertionError("warm-up: wrong value");
        }
        for (int i = 0; i < 2; i++) deepestStart(chains);
    }

    /** The largest n for which {@link #startsOnSmallStack} holds, by doubling and then bisection. */
    private static <G, T> int deepestStart(Chains<G, T> chains) throws InterruptedException {
        int fits = 0;
        int fails = 64;
        while (startsOnSmallStack(chains, fails)) {
            fits = fails;
            fails *= 2;
            if (fails > LONG_CHAIN * 64) throw new IllegalStateException("no overflow at " + fails + " calls");
        }
        while (fails - fits > 1) {
            int mid = (fits + fails) >>> 1;
            if (startsOnSmallStack(chains, mid)) fits = mid;
            else fails = mid;
        }
        return fits;
    }

    /** Whether a chain of n starts, and then completes, on a fresh thread with a 256 KiB stack. */
    private static <G, T> boolean startsOnSmallStack(Chains<G, T> chains, int n) throws InterruptedException {
        boolean[] fits = new boolean[1];
        Throwable[] unexpected = new Throwable[1];
        Thread t = new Thread(null, () -> {
            G gate = chains.pending();
            try {
                T top = chains.start(n, gate);
                if (chains.isDone(top)) return; // a level overflowed: its failure went up the chain
                chains.complete(gate, 0);
                fits[0] = chains.join(top) == n;
            } catch (StackOverflowError e) {
                // thrown outside every body: not a fit either
            } catch (Throwable e) {
                unexpected[0] = e;
            }
        }, "chain-" + n, SMALL_STACK);
        t.start();
        t.join();
        if (unexpected[0] != null) throw new IllegalStateException("chain of " + n, unexpected[0]);
        return fits[0];
    }

    private static <G, T> void completeLongChain(Chains<G, T> chains) throws InterruptedException {
        G gate = chains.pending();
        Object[] top = new Object[1];
        Thread builder = new Thread(null, () -> top[0] = chains.start(LONG_CHAIN, gate), "build", LARGE_STACK);
        builder.start();
        builder.join();
        @SuppressWarnings("unchecked")
        T done = (T) top[0];
        if (done == null || chains.isDone(done)) {
            System.out.printf("could not start a chain of %,d calls on a 1 GiB stack: %s%n", LONG_CHAIN, done);
            return;
        }
        Throwable[] thrown = new Throwable[1];
        long[] nanos = new long[1];
        Thread completer = new Thread(null, () -> {
            long start = System.nanoTime();
            try {
                chains.complete(gate, 0);
            } catch (Throwable e) {
                thrown[0] = e;
            }
            nanos[0] = System.nanoTime() - start;
        }, "complete", SMALL_STACK);
        completer.start();
        completer.join();
        if (thrown[0] != null) {
            System.out.printf("completing a chain of %,d calls on a 256 KiB stack threw %s%n", LONG_CHAIN, thrown[0]);
        } else if (!chains.isDone(done)) {
            System.out.printf("completing a chain of %,d calls on a 256 KiB stack left it pending: %s%n",
                    LONG_CHAIN, done);
        } else if (chains.failure(done) == null) {
            System.out.printf("completed a chain of %,d calls from a thread with a 256 KiB stack in %.1f ms: "
                    + "value %,d (expected %,d)%n", LONG_CHAIN, nanos[0] / 1e6, chains.join(done), LONG_CHAIN);
        } else {
            System.out.printf("completing a chain of %,d calls on a 256 KiB stack failed it: %s%n", LONG_CHAIN,
                    chains.failure(done));
        }
    }
}
