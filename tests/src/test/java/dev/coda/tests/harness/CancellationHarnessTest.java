package dev.coda.tests.harness;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.coda.Task;
import dev.coda.tests.harness.H.Res;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletionException;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/**
 * Cancels every program of {@link Programs} at every suspension point in turn, cleanup suspensions included, and
 * checks the rules of ownership and cancellation on each run:
 * <ul>
 *   <li>every resource opened is closed exactly once, and never while a resource opened after it is still open
 *       (reverse order of acquisition, inner scopes first; children spawned into a scope are ordered each on its
 *       own);</li>
 *   <li>when the task completes, every resource opened so far is closed and no close is still running;</li>
 *   <li>the task is cancelled when a user await of its own (not of a spawned child) was still ahead of it (it was
 *       suspended on one, or the uncancelled run reached another after this point); a task that is not cancelled has the uncancelled run's outcome. (A
 *       request made while only cleanup was left may still cancel a caller that awaits a callee in its cleanup:
 *       that await is the caller's own.)</li>
 *   <li>every close failure the program did not catch itself is reachable from the outcome through suppressed
 *       exceptions and causes, and a task that succeeded had none.</li>
 * </ul>
 * One point of each run is the suspension at which the program is cancelled: the driver completes pending tasks
 * one at a time, oldest first, and cancels after it has completed {@code k} of them.
 *
 * <p>A program whose runs are written out in {@link Programs#EXACT} (those about children it does not await) is
 * also checked exactly, run by run, uncancelled and cancelled at every point: the events in order, the outcome
 * with its suppressed exceptions in order, and what {@code cancel()} returned. A child's awaits and
 * resources are named "child:...": they are not the program's own, and a program with children may keep a value
 * while its outcome changes (a request cancelled a child that would have failed). {@code -Dcoda.harness.dump=true}
 * prints the runs of those programs as source.
 */
class CancellationHarnessTest {
    private static final java.util.concurrent.atomic.AtomicInteger RUNS = new java.util.concurrent.atomic.AtomicInteger();

    @org.junit.jupiter.api.AfterAll
    static void report() {
        System.out.println("[coda-harness] " + RUNS.get() + " cancelled runs over the programs of Programs; "
                + EXACT_RUNS.get() + " runs (uncancelled and cancelled) checked event by event against the runs written out");
    }

    /** What one run observed. */
    private record Run(Task<String> task, List<String> events, boolean closesDoneAtCompletion, String atCompletion,
                       List<Integer> eventsAfterStep, List<Boolean> ownAwaitAfterStep, Boolean cancelReturned) {}

    @TestFactory
    Stream<DynamicTest> everyProgramCancelledAtEverySuspensionPoint() {
        List<Method> programs = Arrays.stream(Programs.class.getDeclaredMethods())
                .filter(m -> m.getName().matches("p\\d+") && m.getParameterCount() == 0 && Modifier.isPublic(m.getModifiers()))
                .sorted(Comparator.comparing(Method::getName))
                .toList();
        assertTrue(programs.size() >= 40, "at least 40 programs: " + programs.size());
        return programs.stream().map(p -> DynamicTest.dynamicTest(p.getName(), () -> check(p)));
    }

    private static void check(Method program) throws Exception {
        Run reference = run(program, -1);
        assertTrue(reference.task.isDone(), "the uncancelled run completes");
        checkResources(program.getName() + " uncancelled", reference);
        int points = reference.eventsAfterStep.size() - 1;
        assertTrue(points > 0, program.getName() + " never suspends");
        Map<Integer, String> traces = new TreeMap<>();
        traces.put(-1, trace(reference));
        for (int k = 0; k < points; k++) {
            Run r = run(program, k);
            traces.put(k, trace(r));
            RUNS.incrementAndGet();
            String where = program.getName() + " cancelled at suspension " + k + " of " + points + ", events " + r.events;
            assertTrue(r.task.isDone(), where + ": not done");
            checkResources(where, r);
            boolean suspendedOnUserAwait = reference.ownAwaitAfterStep.get(k);
            boolean userAwaitAhead = reference.events.subList(reference.eventsAfterStep.get(k), reference.events.size())
                    .stream().anyMatch(e -> e.startsWith("await ") && !e.contains(":")); // a child's await is the child's
            if (suspendedOnUserAwait || userAwaitAhead) assertTrue(r.task.isCancelled(), where + ": not cancelled");
            // A request that met no await of the program's own leaves its outcome as it was; unless it reached the
            // program in the close of a scope, which then cancelled the children, whose outcomes changed.
            // So does a request that reached children it did not await, which cancelled them. Children name
            // their resources and awaits "child:...".
            boolean spawns = reference.events.stream()
                    .anyMatch(e -> (e.startsWith("open ") || e.startsWith("await ")) && e.contains(":"));
            if (!r.task.isCancelled() && !spawns) assertEquals(outcome(reference.task), outcome(r.task), where + ": outcome");
        }
        checkExact(program.getName(), traces);
    }

    /**
     * For a program whose runs are written out ({@link Programs#EXACT}): every run, uncancelled and cancelled at
     * each point, logs exactly those events and ends exactly so (the failure with what is suppressed onto it, in
     * order), and cancel() returns what is written. With -Dcoda.harness.dump=true the runs are printed as source.
     */
    private static void checkExact(String name, Map<Integer, String> traces) {
        if (Boolean.getBoolean("coda.harness.dump") && name.compareTo("p47") >= 0) {
            StringBuilder src = new StringBuilder();
            traces.forEach((k, t) -> src.append("        exact(\"").append(name).append("\", ").append(k).append(",\n")
                    .append(javaString(t)).append(");\n"));
            System.out.println(src);
        }
        Map<Integer, String> expected = Programs.EXACT.get(name);
        if (expected == null) return;
        assertEquals(expected.keySet(), traces.keySet(), name + ": the runs written out are the runs there are");
        for (Map.Entry<Integer, String> e : expected.entrySet()) {
            assertEquals(e.getValue(), traces.get(e.getKey()), name + (e.getKey() < 0 ? " uncancelled"
                    : " cancelled after " + e.getKey() + " completions"));
        }
        EXACT_RUNS.addAndGet(traces.size());
    }

    private static final java.util.concurrent.atomic.AtomicInteger EXACT_RUNS = new java.util.concurrent.atomic.AtomicInteger();

    /** A run as one line: its events, its outcome, and what cancel() returned (if it was called). */
    private static String trace(Run r) {
        String outcome;
        Throwable f = failureOf(r.task);
        if (f == null) {
            outcome = "value " + r.task.join();
        } else {
            StringBuilder sb = new StringBuilder();
            tree(f, sb, java.util.Collections.newSetFromMap(new IdentityHashMap<>()));
            outcome = sb.toString();
        }
        return String.join(" | ", r.events) + " => " + outcome
                + (r.cancelReturned == null ? "" : " ; cancel() " + r.cancelReturned);
    }

    /** A failure, with its suppressed exceptions in order and its cause, recursively. */
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
        if (t instanceof UnsupportedOperationException) return "boom " + t.getMessage(); // H.boom
        if (t instanceof IllegalStateException && t.getMessage().startsWith("close ")) return t.getMessage();
        return t.getClass().getSimpleName() + ": " + t.getMessage();
    }

    /** {@code s} as Java string literals joined with +, in lines that fit. */
    private static String javaString(String s) {
        StringBuilder out = new StringBuilder();
        int width = 100;
        for (int i = 0; i < s.length(); i += width) {
            String part = s.substring(i, Math.min(s.length(), i + width)).replace("\\", "\\\\").replace("\"", "\\\"");
            out.append(i == 0 ? "                \"" : "                + \"").append(part).append('"');
            if (i + width < s.length()) out.append('\n');
        }
        return out.toString();
    }

    /** Runs the program, cancelling it after {@code cancelAfter} completions (never if negative). */
    @SuppressWarnings("unchecked")
    private static Run run(Method program, int cancelAfter) throws Exception {
        H.reset();
        Task<String> task = (Task<String>) program.invoke(null);
        boolean[] closesDone = new boolean[1];
        String[] atCompletion = new String[1];
        task.toCompletableFuture().whenComplete((v, e) -> {
            closesDone[0] = H.closesPending == 0 && H.opened.stream().allMatch(res -> res.closes == 1);
            atCompletion[0] = "opened " + H.opened.size() + ", pending closes " + H.closesPending;
        });
        List<Integer> eventsAfterStep = new ArrayList<>();
        List<Boolean> ownAwaitAfterStep = new ArrayList<>();
        int completed = 0;
        Boolean cancelReturned = null;
        while (true) {
            if (completed == cancelAfter) cancelReturned = task.cancel();
            eventsAfterStep.add(H.events.size());
            H.Pending next = H.pending.poll();
            ownAwaitAfterStep.add(next != null && next.ownAwait());
            if (next == null) break;
            next.complete().run();
            completed++;
        }
        return new Run(task, List.copyOf(H.events), closesDone[0], atCompletion[0], eventsAfterStep, ownAwaitAfterStep,
                cancelReturned);
    }

    private static void checkResources(String where, Run r) {
        // A value that a producer delivers after its awaiter was cancelled has no place in the order of scopes:
        // it is closed when it arrives, or when the body ends if it arrived while the body unwound.
        Set<String> unordered = new java.util.HashSet<>();
        if (r.task.isCancelled()) for (Res res : H.opened) if (res.produced) unordered.add(res.name);
        // Siblings spawned into a scope are independent: their resources are named "child:name", and the order is
        // checked within each child (and within the rest of the program) on its own.
        java.util.Map<String, List<String>> stillOpen = new java.util.TreeMap<>();
        for (String e : r.events) {
            if (e.startsWith("open ") && !unordered.contains(e.substring(5))) {
                String name = e.substring(5);
                stillOpen.computeIfAbsent(group(name), g -> new ArrayList<>()).add(name);
            } else if (e.startsWith("close ") && !unordered.contains(e.substring(6))) {
                String name = e.substring(6);
                List<String> open = stillOpen.getOrDefault(group(name), new ArrayList<>());
                assertTrue(open.contains(name), where + ": " + name + " closed twice or before it opened");
                assertEquals(name, open.get(open.size() - 1),
                        where + ": " + name + " closed while resources opened after it are open: " + open);
                open.remove(open.size() - 1);
            }
        }
        stillOpen.values().removeIf(List::isEmpty);
        assertEquals(java.util.Map.of(), stillOpen, where + ": never closed");
        for (Res res : H.opened) assertEquals(1, res.closes, where + ": closeAsync() calls of " + res.name);
        // A resource that a foreign producer delivers after the cancellation was delivered opens (and is closed)
        // after the task completed: the task does not wait for a producer it no longer awaits.
        assertTrue(r.closesDoneAtCompletion, where + ": completed before its cleanup finished (" + r.atCompletion + ")");
        Throwable failure = failureOf(r.task);
        Set<Throwable> reachable = failure == null ? Set.of() : reachable(failure);
        for (Throwable f : H.closeFailures) {
            if (H.handled.contains(f)) continue;
            assertTrue(reachable.contains(f), where + ": close failure not reachable from the outcome: " + f);
        }
    }

    private static String group(String resource) {
        int colon = resource.indexOf(':');
        return colon < 0 ? "" : resource.substring(0, colon);
    }

    private static Set<Throwable> reachable(Throwable t) {
        Set<Throwable> seen = java.util.Collections.newSetFromMap(new IdentityHashMap<>());
        List<Throwable> work = new ArrayList<>(List.of(t));
        while (!work.isEmpty()) {
            Throwable x = work.remove(work.size() - 1);
            if (x == null || !seen.add(x)) continue;
            work.addAll(Arrays.asList(x.getSuppressed()));
            work.add(x.getCause());
        }
        return seen;
    }

    private static Throwable failureOf(Task<?> t) {
        try {
            t.join();
            return null;
        } catch (CompletionException e) {
            return e.getCause();
        } catch (RuntimeException | Error e) {
            return e;
        }
    }

    private static String outcome(Task<?> t) {
        Throwable f = failureOf(t);
        if (f == null) return "value " + t.join();
        if (f instanceof CancellationException) return "cancelled";
        return f.getClass().getSimpleName() + ": " + f.getMessage() + " suppressed "
                + Arrays.stream(f.getSuppressed()).map(Throwable::getMessage).toList();
    }
}
