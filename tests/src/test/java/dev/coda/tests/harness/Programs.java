package dev.coda.tests.harness;

import static dev.coda.Coda.await;
import static dev.coda.tests.harness.H.*;

import dev.coda.Async;
import dev.coda.Coda;
import dev.coda.Owned;
import dev.coda.Task;
import dev.coda.TaskScope;
import dev.coda.tests.harness.H.Res;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Supplier;

/**
 * The programs of the cancellation harness: each owns resources in its own way. Every method named {@code pNN} is
 * one program; the harness runs it to completion, then once per suspension point, cancelled there. From p47 on,
 * programs start children they do not await (a child still never outlives its parent): children that fail
 * unobserved, a parent that returns, throws or is cancelled while they run, a returned child, cleanup work started
 * while unwinding, failures seen through an await or Task.all, a detached child. Their runs are written out exactly
 * below each of them ({@link #EXACT}).
 */
public final class Programs {
    private Programs() {}

    /**
     * Runs written out in full, by program: cancelAfter (-1: not cancelled) to the run as {@link
     * CancellationHarnessTest} prints it: the events, {@code =>} the outcome (the failure with its suppressed
     * exceptions in braces, in order), and what {@code cancel()} returned.
     */
    static final Map<String, Map<Integer, String>> EXACT = new TreeMap<>();

    private static void exact(String program, int cancelAfter, String run) {
        EXACT.computeIfAbsent(program, p -> new TreeMap<>()).put(cancelAfter, run);
    }

    @Async public static Task<String> p01() {
        try (Res a = open("a", SUSPEND)) {
            await(step("body"));
        }
        return Task.completed("ok");
    }

    @Async public static Task<String> p02() {
        try (Res a = open("a", SUSPEND); Res b = open("b", SUSPEND)) {
            await(step("one"));
            await(step("two"));
        }
        await(step("after"));
        return Task.completed("ok");
    }

    @Async public static Task<String> p03() {
        try (Res a = open("a", SUSPEND)) {
            await(step("outer"));
            try (Res b = open("b", SYNC)) {
                await(step("inner"));
            }
            await(step("outer again"));
        }
        return Task.completed("ok");
    }

    @Async public static Task<String> p04() {
        try (Res a = await(opening("a", SUSPEND))) {
            await(step("body"));
            try (Res b = await(opening("b", SUSPEND))) {
                await(step("inner"));
            }
        }
        return Task.completed("ok");
    }

    @Async public static Task<String> p05() {
        @Owned Res a = open("a", SUSPEND);
        await(step("body"));
        return Task.completed(a.name());
    }

    @Async public static Task<String> p06() {
        @Owned Res a = open("a", SUSPEND);
        {
            @Owned Res b = open("b", SUSPEND);
            await(step("inner"));
        }
        await(step("outer"));
        @Owned Res c = open("c", SYNC);
        await(step("last"));
        return Task.completed("ok");
    }

    @Async public static Task<String> p07() {
        for (int i = 0; i < 3; i++) {
            @Owned Res r = open("r" + i, SUSPEND);
            await(step("iteration " + i));
        }
        return Task.completed("ok");
    }

    @Async public static Task<String> p08() {
        for (int i = 0; i < 5; i++) {
            @Owned Res r = open("r" + i, i % 2 == 0 ? SUSPEND : SYNC);
            if (i == 1) continue;
            await(step("iteration " + i));
            if (i == 3) break;
        }
        return Task.completed("ok");
    }

    @Async public static Task<String> p09() {
        for (int i = 0; i < 3; i++) {
            @Owned Res r = i == 1 ? null : open("r" + i, SUSPEND);
            await(step("iteration " + i));
        }
        return Task.completed("ok");
    }

    @Async static Task<String> consume(@Owned Res r) {
        await(step("consume " + r.name()));
        return Task.completed(r.name());
    }

    @Async public static Task<String> p10() {
        @Owned Res a = open("a", SUSPEND);
        await(step("before move"));
        String got = await(consume(Coda.move(a)));
        await(step("after move"));
        return Task.completed(got);
    }

    @Async static Task<String> takesTwo(@Owned Res p, @Owned Res q, int k) {
        @Owned Res local = open(group(p) + "local" + k, SUSPEND);
        await(step("takes two " + k));
        return Task.completed(p.name() + q.name());
    }

    @Async public static Task<String> p11() {
        return Task.completed(await(consume(open("a", SUSPEND))));
    }

    @Async public static Task<String> p12() {
        String r = await(takesTwo(open("p", SUSPEND), open("q", FAIL_SUSPEND), 1));
        return Task.completed(r);
    }

    @Async public static Task<String> p13() {
        try {
            await(step("body"));
        } finally {
            await(step("finally"));
        }
        return Task.completed("ok");
    }

    @Async public static Task<String> p14() {
        try {
            @Owned Res a = open("a", SUSPEND);
            await(step("body"));
        } finally {
            log("finally");
            await(step("finally"));
        }
        return Task.completed("ok");
    }

    @Async public static Task<String> p15() {
        try (Res a = open("a", FAIL)) {
            await(step("body"));
        }
        return Task.completed("unreached");
    }

    @Async public static Task<String> p16() {
        @Owned Res a = open("a", FAIL_SUSPEND);
        await(step("body"));
        return Task.completed("unreached");
    }

    @Async public static Task<String> p17() {
        @Owned Res a = open("a", FAIL_SUSPEND);
        @Owned Res b = open("b", FAIL);
        @Owned Res c = open("c", SUSPEND);
        await(step("body"));
        return Task.completed("unreached");
    }

    @Async public static Task<String> p18() {
        try (Res a = open("a", FAIL_SUSPEND); Res b = open("b", FAIL)) {
            await(step("body"));
            throw boom("primary");
        }
    }

    @Async public static Task<String> p19() {
        String result = "none";
        try {
            @Owned Res a = open("a", SUSPEND);
            await(step("body"));
            throw boom("caught");
        } catch (Exception e) {
            log("catch " + e.getMessage());
            await(step("in catch"));
            result = e.getMessage();
        }
        return Task.completed(result);
    }

    @Async public static Task<String> p20() {
        @Owned Res a = open("a", SUSPEND);
        {
            @Owned Res b = open("b", SUSPEND);
            {
                @Owned Res c = open("c", SUSPEND);
                if (await(step("decide")) == 1) return Task.completed("early");
            }
        }
        return Task.completed("late");
    }

    @Async public static Task<String> p21() {
        StringBuilder sb = new StringBuilder();
        for (int k = 0; k < 3; k++) {
            switch (k) {
                case 0: {
                    @Owned Res a = open("case0", SUSPEND);
                    sb.append(await(step("case 0")));
                    break;
                }
                case 1:
                    try (Res b = open("case1", SYNC)) {
                        sb.append(await(step("case 1")));
                    }
                    break;
                default: {
                    @Owned Res c = open("default", FAIL_SUSPEND);
                    sb.append(await(now("default")));
                }
            }
        }
        return Task.completed(sb.toString());
    }

    @Async static Task<String> child(String name, int mode) {
        @Owned Res r = open(name, mode);
        await(step("child " + name));
        return Task.completed(name);
    }

    @Async public static Task<String> p22() {
        @Owned Res a = open("a", SUSPEND);
        String c = await(child("c", SUSPEND));
        await(step("parent"));
        return Task.completed(c);
    }

    @Async public static Task<String> p23() {
        String first = await(child("c1", SUSPEND));
        String second = await(child("c2", FAIL_SUSPEND));
        return Task.completed(first + second);
    }

    @Async static Task<Res> openingChild(String name) {
        await(step("opening child " + name));
        return Task.completed(open(name, SUSPEND));
    }

    @Async public static Task<String> p24() {
        try (Res a = await(openingChild("a"))) {
            await(step("body"));
        }
        @Owned Res b = await(openingChild("b"));
        return Task.completed(b.name());
    }

    @Async public static Task<String> p25() {
        int n = 0;
        for (int i = 0; i < 3; i++) {
            try (Res r = open("r" + i, i == 1 ? FAIL_SUSPEND : SUSPEND)) {
                n += await(step("loop " + i));
            } catch (IllegalStateException e) {
                handled(e);
                log("caught " + e.getMessage());
            }
        }
        return Task.completed("n=" + n);
    }

    @Async public static Task<String> p26() {
        @Owned Res a = open("a", SUSPEND);
        try (Res b = open("b", SUSPEND)) {
            await(step("twr body"));
        }
        await(step("after twr"));
        return Task.completed("ok");
    }

    @Async public static Task<String> p27() {
        try (Res a = open("a", SUSPEND)) {
            @Owned Res b = open("b", SUSPEND);
            await(step("body"));
        }
        return Task.completed("ok");
    }

    @Async public static Task<String> p28() {
        @Owned Res a = open("a", FAIL_SUSPEND);
        try {
            await(step("body"));
        } finally {
            await(step("finally"));
        }
        return Task.completed("unreached");
    }

    @Async public static Task<String> p29() {
        try {
            try {
                @Owned Res a = open("a", SUSPEND);
                await(step("inner body"));
            } finally {
                await(step("inner finally"));
            }
            await(step("between"));
        } finally {
            @Owned Res b = open("b", SUSPEND);
            await(step("outer finally"));
        }
        return Task.completed("ok");
    }

    @Async public static Task<String> p30() {
        @Owned Res a = open("a", SUSPEND);
        int n = await(now("n1")) + await(now("n2"));
        await(step("pending"));
        n += await(now("n3"));
        return Task.completed("n=" + n);
    }

    @Async public static Task<String> p31() {
        @Owned Res a = open("a", SUSPEND);
        @Owned Res b = open("b", SYNC);
        @Owned Res c = open("c", FAIL);
        @Owned Res d = open("d", SUSPEND);
        @Owned Res e = open("e", FAIL_SUSPEND);
        await(step("body"));
        return Task.completed("unreached");
    }

    @Async public static Task<String> p32() {
        int i = 0;
        try (Res a = open("a", SUSPEND)) {
            while (true) {
                i += await(step("while " + i));
                if (i == 2) return Task.completed("returned " + i);
            }
        }
    }

    @Async public static Task<String> p33() {
        outer:
        for (int i = 0; i < 3; i++) {
            @Owned Res a = open("a" + i, SUSPEND);
            for (int j = 0; j < 3; j++) {
                @Owned Res b = open("b" + i + j, SYNC);
                await(step("at " + i + j));
                if (j == 1) continue outer;
                if (i == 1) break outer;
            }
        }
        return Task.completed("ok");
    }

    @Async public static Task<String> p34() {
        @Owned Res a = open("a1", SUSPEND);
        await(step("first"));
        String first = await(consume(Coda.move(a)));
        a = open("a2", SUSPEND);
        await(step("second"));
        return Task.completed(first + a.name());
    }

    @Async public static Task<String> p35() {
        Supplier<Task<String>> block = () -> {
            @Owned Res r = open("in lambda", SUSPEND);
            await(step("lambda"));
            return Task.completed(r.name());
        };
        @Owned Res a = open("a", SUSPEND);
        return Task.completed(await(block.get()) + a.name());
    }

    @Async public static Task<String> p36() {
        try {
            await(step("try"));
            throw boom("first");
        } catch (UnsupportedOperationException e) {
            try (Res r = open("in catch", SUSPEND)) {
                await(step("catch"));
            }
        } finally {
            await(step("finally"));
        }
        return Task.completed("ok");
    }

    @Async public static Task<String> p37() {
        @Owned Res a = open("a", SUSPEND);
        try {
            @Owned Res b = open("b", FAIL_SUSPEND);
            await(step("body"));
            throw boom("primary");
        } catch (UnsupportedOperationException e) {
            handled(e);
            log("suppressed " + e.getSuppressed().length);
            await(step("recover"));
        }
        return Task.completed("recovered");
    }

    @Async static Task<String> keepOrDrop(boolean keep) {
        @Owned Res a = open("a", SUSPEND);
        Res kept = keep ? a : null;
        await(step("decide"));
        String r = keep ? await(consume(Coda.move(a))) : "dropped";
        return Task.completed(r + (kept != null));
    }

    @Async public static Task<String> p38() {
        return Task.completed(await(keepOrDrop(true)) + await(keepOrDrop(false)));
    }

    @Async static Task<Integer> depth(int n) {
        @Owned Res r = open("depth" + n, n % 2 == 0 ? SUSPEND : SYNC);
        await(step("depth " + n));
        if (n == 0) return Task.completed(0);
        return Task.completed(1 + await(depth(n - 1)));
    }

    @Async public static Task<String> p39() {
        return Task.completed("depth " + await(depth(3)));
    }

    @Async public static Task<String> p40() {
        int i = 0;
        do {
            @Owned Res r = open("do" + i, i == 1 ? FAIL : SUSPEND);
            try {
                await(step("do " + i));
            } catch (RuntimeException e) {
                log("unexpected");
            }
            i++;
        } while (i < 3);
        return Task.completed("ok");
    }

    @Async public static Task<String> p41() {
        return Task.completed(await(heavy(open("param", SUSPEND))));
    }

    @Async static Task<String> heavy(@Owned Res param) {
        try (Res a = open("a", SUSPEND)) {
            @Owned Res b = open("b", FAIL_SUSPEND);
            try (Res c = await(opening("c", SUSPEND))) {
                await(step("deep"));
            } finally {
                await(step("deep finally"));
            }
        }
        return Task.completed("unreached");
    }

    @Async public static Task<String> p42() {
        String s;
        try (Res a = open("a", SUSPEND)) {
            s = switch (await(step("selector"))) {
                case 1 -> {
                    @Owned Res b = open("b", SUSPEND);
                    yield "one" + await(step("arm"));
                }
                default -> "other";
            };
        }
        return Task.completed(s);
    }

    @Async public static Task<String> p43() {
        @Owned Res a = open("a", SYNC);
        try {
            await(step("body"));
            return Task.completed("from try");
        } finally {
            @Owned Res f = open("f", SUSPEND);
            await(step("finally"));
        }
    }

    // ---- children spawned on an executor: one cancelled before its body ran drops its @Owned parameters instead

    @Async public static Task<String> p44() {
        try (TaskScope scope = TaskScope.open(H.QUEUE)) {
            Task<String> child = scope.spawn(() -> takesTwo(open("c1:p", SUSPEND), open("c1:q", FAIL), 1));
            return Task.completed(await(child));
        }
    }

    @Async public static Task<String> p45() {
        try (TaskScope scope = TaskScope.open(H.QUEUE)) {
            scope.spawn(() -> consume(open("c1:a", SUSPEND)));
            scope.spawn(() -> consume(open("c2:b", FAIL_SUSPEND)));
            await(step("owner"));
        }
        await(step("after scope"));
        return Task.completed("ok");
    }

    @Async static Task<String> failsAtOnce(@Owned Res r) {
        await(now("fails"));
        throw boom("child " + r.name());
    }

    @Async public static Task<String> p46() {
        try (TaskScope scope = TaskScope.open(H.QUEUE)) {
            scope.spawn(() -> failsAtOnce(open("c1:f", SYNC)));
            scope.spawn(() -> takesTwo(open("c2:p", SUSPEND), open("c2:q", SUSPEND), 2));
            await(step("owner"));
        } catch (UnsupportedOperationException e) {
            handled(e);
            log("caught " + e.getMessage());
        }
        await(step("after scope"));
        return Task.completed("ok");
    }

    // ---- children it does not await, which still never outlive it. A child named "kN" names its resources
    // "kN:..." and its awaits "kN:...", so the harness orders its resources on their own and does not take its
    // awaits for the program's.
    // Each of these programs also has its exact runs written out below it (see exact()).

    /** A child that owns {@code r}, awaits one step, then fails if {@code fail}; it logs its finally block. */
    @Async static Task<String> worker(String name, @Owned Res r, boolean fail) {
        try {
            await(step(name + ":work"));
            if (fail) throw boom(name);
            return Task.completed(name);
        } finally {
            log(name + " finally");
        }
    }

    /** A child that owns two resources (dropped last parameter first) and awaits one step. */
    @Async static Task<String> pair(String name, @Owned Res p, @Owned Res q) {
        await(step(name + ":work"));
        return Task.completed(name);
    }

    /** A child that awaits {@code steps} steps, then fails. */
    @Async static Task<String> failsAfter(String name, int steps) {
        for (int i = 1; i <= steps; i++) await(step(name + ":" + i));
        throw boom(name);
    }

    /** A child that fails before its call returns: its parent lists it failed. */
    @Async static Task<String> failsWhileStarting(String name) {
        await(now(name + ":now"));
        throw boom(name);
    }

    /** A child that starts a grandchild ("kNg") it does not await, then awaits a step of its own. */
    @Async static Task<String> starter(String name) {
        worker(name + "g", open(name + "g:r", FAIL_SUSPEND), false);
        await(step(name + ":own"));
        return Task.completed(name);
    }

    /**
     * Forgets two children, the second of which fails: a value exit waits for both, then fails with the failure
     * nobody saw. Cancelled, the children still running are cancelled at the end, newest first.
     */
    @Async public static Task<String> p47() {
        @Owned Res a = open("a", SUSPEND);
        worker("k1", open("k1:r", SUSPEND), false);
        worker("k2", open("k2:r", FAIL), true);
        await(step("parent"));
        return Task.completed("parent");
    }

    static {
        // 0-2: the children run on while the parent unwinds its own drop, and are waited for; 3-4: the request
        // reaches the parent in the drop after its return, meets no await, and the outcome is the body's.
        exact("p47", -1,
                "open a | open k1:r | await k1:work | open k2:r | await k2:work | await parent | k1 finally |"
                + " close k1:r | throw k2 | k2 finally | close k2:r | close a | closed k1:r | closed a"
                + " => boom k2 {close k2:r failed}");
        exact("p47", 0,
                "open a | open k1:r | await k1:work | open k2:r | await k2:work | await parent | close a |"
                + " k1 finally | close k1:r | throw k2 | k2 finally | close k2:r | closed a | closed k1:r"
                + " => cancelled {boom k2 {close k2:r failed}} ; cancel() true");
        exact("p47", 1,
                "open a | open k1:r | await k1:work | open k2:r | await k2:work | await parent | k1 finally |"
                + " close k1:r | close a | throw k2 | k2 finally | close k2:r | closed k1:r | closed a"
                + " => cancelled {boom k2 {close k2:r failed}} ; cancel() true");
        exact("p47", 2,
                "open a | open k1:r | await k1:work | open k2:r | await k2:work | await parent | k1 finally |"
                + " close k1:r | throw k2 | k2 finally | close k2:r | close a | closed k1:r | closed a"
                + " => cancelled {boom k2 {close k2:r failed}} ; cancel() true");
        exact("p47", 3,
                "open a | open k1:r | await k1:work | open k2:r | await k2:work | await parent | k1 finally |"
                + " close k1:r | throw k2 | k2 finally | close k2:r | close a | closed k1:r | closed a"
                + " => boom k2 {close k2:r failed} ; cancel() true");
        exact("p47", 4,
                "open a | open k1:r | await k1:work | open k2:r | await k2:work | await parent | k1 finally |"
                + " close k1:r | throw k2 | k2 finally | close k2:r | close a | closed k1:r | closed a"
                + " => boom k2 {close k2:r failed} ; cancel() true");
    }

    /**
     * Throws with children running: they are cancelled, newest first, and waited for; a child that failed while it
     * started, and one whose cancellation carries a cleanup failure, are suppressed onto the exception, oldest first.
     */
    @Async public static Task<String> p48() {
        failsWhileStarting("k0");
        worker("k1", open("k1:r", FAIL_SUSPEND), false);
        worker("k2", open("k2:r", SUSPEND), false);
        await(step("parent"));
        throw boom("parent");
    }

    static {
        exact("p48", -1,
                "await k0:now | throw k0 | open k1:r | await k1:work | open k2:r | await k2:work | await parent |"
                + " k1 finally | close k1:r | k2 finally | close k2:r | throw parent | closed k1:r | closed k2:r"
                + " => boom parent {boom k0, close k1:r failed}");
        exact("p48", 0,
                "await k0:now | throw k0 | open k1:r | await k1:work | open k2:r | await k2:work | await parent |"
                + " k2 finally | close k2:r | k1 finally | close k1:r | closed k2:r | closed k1:r"
                + " => cancelled {boom k0, cancelled {close k1:r failed}} ; cancel() true");
        exact("p48", 1,
                "await k0:now | throw k0 | open k1:r | await k1:work | open k2:r | await k2:work | await parent |"
                + " k1 finally | close k1:r | k2 finally | close k2:r | closed k1:r | closed k2:r"
                + " => cancelled {boom k0, close k1:r failed} ; cancel() true");
        exact("p48", 2,
                "await k0:now | throw k0 | open k1:r | await k1:work | open k2:r | await k2:work | await parent |"
                + " k1 finally | close k1:r | k2 finally | close k2:r | closed k1:r | closed k2:r"
                + " => cancelled {boom k0, close k1:r failed} ; cancel() true");
        exact("p48", 3,
                "await k0:now | throw k0 | open k1:r | await k1:work | open k2:r | await k2:work | await parent |"
                + " k1 finally | close k1:r | k2 finally | close k2:r | throw parent | closed k1:r | closed k2:r"
                + " => boom parent {boom k0, close k1:r failed} ; cancel() false");
        exact("p48", 4,
                "await k0:now | throw k0 | open k1:r | await k1:work | open k2:r | await k2:work | await parent |"
                + " k1 finally | close k1:r | k2 finally | close k2:r | throw parent | closed k1:r | closed k2:r"
                + " => boom parent {boom k0, close k1:r failed} ; cancel() false");
    }

    /** Two children fail unseen, the younger one first: the older one's failure is the outcome, the other suppressed. */
    @Async public static Task<String> p49() {
        failsAfter("k1", 2);
        failsAfter("k2", 1);
        worker("k3", open("k3:r", SUSPEND), false);
        await(step("parent"));
        return Task.completed("unreached");
    }

    static {
        exact("p49", -1,
                "await k1:1 | await k2:1 | open k3:r | await k3:work | await parent | await k1:2 | throw k2 |"
                + " k3 finally | close k3:r | throw k1 | closed k3:r"
                + " => boom k1 {boom k2}");
        exact("p49", 0,
                "await k1:1 | await k2:1 | open k3:r | await k3:work | await parent | k3 finally | close k3:r |"
                + " closed k3:r"
                + " => cancelled ; cancel() true");
        exact("p49", 1,
                "await k1:1 | await k2:1 | open k3:r | await k3:work | await parent | await k1:2 | k3 finally |"
                + " close k3:r | closed k3:r"
                + " => cancelled ; cancel() true");
        exact("p49", 2,
                "await k1:1 | await k2:1 | open k3:r | await k3:work | await parent | await k1:2 | throw k2 |"
                + " k3 finally | close k3:r | closed k3:r"
                + " => cancelled {boom k2} ; cancel() true");
        exact("p49", 3,
                "await k1:1 | await k2:1 | open k3:r | await k3:work | await parent | await k1:2 | throw k2 |"
                + " k3 finally | close k3:r | closed k3:r"
                + " => cancelled {boom k2} ; cancel() true");
        exact("p49", 4,
                "await k1:1 | await k2:1 | open k3:r | await k3:work | await parent | await k1:2 | throw k2 |"
                + " k3 finally | close k3:r | closed k3:r"
                + " => boom k2 ; cancel() false");
        exact("p49", 5,
                "await k1:1 | await k2:1 | open k3:r | await k3:work | await parent | await k1:2 | throw k2 |"
                + " k3 finally | close k3:r | throw k1 | closed k3:r"
                + " => boom k1 {boom k2} ; cancel() false");
    }

    /** A failure the parent awaited and handled is not reported again; nor one suppressed onto its signal. */
    @Async public static Task<String> p50() {
        Task<String> k1 = worker("k1", open("k1:r", FAIL_SUSPEND), true);
        try {
            await(k1);
        } catch (UnsupportedOperationException e) {
            handled(e);
            log("caught " + e.getMessage());
        }
        await(step("parent"));
        return Task.completed("handled");
    }

    static {
        exact("p50", -1,
                "open k1:r | await k1:work | throw k1 | k1 finally | close k1:r | closed k1:r | caught k1 |"
                + " await parent"
                + " => value handled");
        exact("p50", 0,
                "open k1:r | await k1:work | k1 finally | close k1:r | closed k1:r"
                + " => cancelled {cancelled {close k1:r failed}} ; cancel() true");
        exact("p50", 1,
                "open k1:r | await k1:work | throw k1 | k1 finally | close k1:r | closed k1:r"
                + " => cancelled {boom k1 {close k1:r failed}} ; cancel() true");
        exact("p50", 2,
                "open k1:r | await k1:work | throw k1 | k1 finally | close k1:r | closed k1:r | caught k1 |"
                + " await parent"
                + " => cancelled ; cancel() true");
    }

    /**
     * Returns a value at once and waits for its children. A cancel() that comes meanwhile cancels them and returns
     * false: the outcome is still the value's, or the first failure a child left (k1's cleanup failures; k2, cancelled
     * before it failed, leaves nothing).
     */
    @Async public static Task<String> p51() {
        pair("k1", open("k1:p", FAIL), open("k1:q", FAIL));
        failsAfter("k2", 1);
        worker("k3", open("k3:r", SUSPEND), false);
        log("parent returns");
        return Task.completed("parent");
    }

    static {
        // Every request reaches the parent waiting for its children after a value: cancel() returns false.
        exact("p51", -1,
                "open k1:p | open k1:q | await k1:work | await k2:1 | open k3:r | await k3:work | parent returns |"
                + " close k1:q | close k1:p | throw k2 | k3 finally | close k3:r | closed k3:r"
                + " => close k1:q failed {close k1:p failed, boom k2}");
        exact("p51", 0,
                "open k1:p | open k1:q | await k1:work | await k2:1 | open k3:r | await k3:work | parent returns |"
                + " k3 finally | close k3:r | close k1:q | close k1:p | closed k3:r"
                + " => close k1:q failed {close k1:p failed} ; cancel() false");
        exact("p51", 1,
                "open k1:p | open k1:q | await k1:work | await k2:1 | open k3:r | await k3:work | parent returns |"
                + " close k1:q | close k1:p | k3 finally | close k3:r | closed k3:r"
                + " => close k1:q failed {close k1:p failed} ; cancel() false");
        exact("p51", 2,
                "open k1:p | open k1:q | await k1:work | await k2:1 | open k3:r | await k3:work | parent returns |"
                + " close k1:q | close k1:p | throw k2 | k3 finally | close k3:r | closed k3:r"
                + " => close k1:q failed {close k1:p failed, boom k2} ; cancel() false");
        exact("p51", 3,
                "open k1:p | open k1:q | await k1:work | await k2:1 | open k3:r | await k3:work | parent returns |"
                + " close k1:q | close k1:p | throw k2 | k3 finally | close k3:r | closed k3:r"
                + " => close k1:q failed {close k1:p failed, boom k2} ; cancel() false");
    }

    /** Returns a child still running: completes as it does; cancelled, cancels it, and is cancelled if it is. */
    @Async public static Task<String> p52() {
        @Owned Res a = open("a", SYNC);
        await(step("parent"));
        return worker("k1", open("k1:r", SUSPEND), false);
    }

    static {
        // 1: the request reaches the returned child while it works: it is cancelled, so is the parent; 2: the
        // returned child is in its cleanup, which a request never interrupts: it ends with its value.
        exact("p52", -1,
                "open a | await parent | open k1:r | await k1:work | close a | k1 finally | close k1:r |"
                + " closed k1:r"
                + " => value k1");
        exact("p52", 0,
                "open a | await parent | close a"
                + " => cancelled ; cancel() true");
        exact("p52", 1,
                "open a | await parent | open k1:r | await k1:work | close a | k1 finally | close k1:r |"
                + " closed k1:r"
                + " => cancelled ; cancel() true");
        exact("p52", 2,
                "open a | await parent | open k1:r | await k1:work | close a | k1 finally | close k1:r |"
                + " closed k1:r"
                + " => value k1 ; cancel() true");
    }

    /**
     * Starts a child in its finally block, then ends exceptionally (its drop of {@code a} fails) while the child
     * works. Unwinding a cancellation, the child is cleanup work: waited for, never cancelled, so it gets to fail,
     * and its failure is reported. Otherwise it is an ordinary child, cancelled at the end before it fails.
     */
    @Async public static Task<String> p53() {
        @Owned Res a = open("a", FAIL);
        worker("k1", open("k1:r", FAIL_SUSPEND), false);
        try {
            await(step("parent"));
        } finally {
            log("parent finally");
            worker("f1", open("f1:r", SUSPEND), true);
        }
        return Task.completed("parent");
    }

    static {
        // 0-1: f1 was started while the parent unwound: cleanup work, not cancelled, so it fails and is reported;
        // -1: f1 is an ordinary child, cancelled at the parent's exceptional end before it fails.
        exact("p53", -1,
                "open a | open k1:r | await k1:work | await parent | k1 finally | close k1:r | parent finally |"
                + " open f1:r | await f1:work | close a | f1 finally | close f1:r | closed k1:r | closed f1:r"
                + " => close a failed {close k1:r failed}");
        exact("p53", 0,
                "open a | open k1:r | await k1:work | await parent | parent finally | open f1:r | await f1:work |"
                + " close a | k1 finally | close k1:r | throw f1 | f1 finally | close f1:r | closed k1:r |"
                + " closed f1:r"
                + " => cancelled {close a failed, cancelled {close k1:r failed}, boom f1} ; cancel() true");
        exact("p53", 1,
                "open a | open k1:r | await k1:work | await parent | k1 finally | close k1:r | parent finally |"
                + " open f1:r | await f1:work | close a | closed k1:r | throw f1 | f1 finally | close f1:r |"
                + " closed f1:r"
                + " => cancelled {close a failed, close k1:r failed, boom f1} ; cancel() true");
        exact("p53", 2,
                "open a | open k1:r | await k1:work | await parent | k1 finally | close k1:r | parent finally |"
                + " open f1:r | await f1:work | close a | f1 finally | close f1:r | closed k1:r | closed f1:r"
                + " => close a failed {close k1:r failed} ; cancel() false");
        exact("p53", 3,
                "open a | open k1:r | await k1:work | await parent | k1 finally | close k1:r | parent finally |"
                + " open f1:r | await f1:work | close a | f1 finally | close f1:r | closed k1:r | closed f1:r"
                + " => close a failed {close k1:r failed} ; cancel() false");
        exact("p53", 4,
                "open a | open k1:r | await k1:work | await parent | k1 finally | close k1:r | parent finally |"
                + " open f1:r | await f1:work | close a | f1 finally | close f1:r | closed k1:r | closed f1:r"
                + " => close a failed {close k1:r failed} ; cancel() false");
    }

    /** A child that forgets a grandchild: the grandchild's failure reaches the top through both ends. */
    @Async public static Task<String> p54() {
        starter("k1");
        await(step("parent"));
        return Task.completed("parent");
    }

    static {
        exact("p54", -1,
                "open k1g:r | await k1g:work | await k1:own | await parent | k1g finally | close k1g:r |"
                + " closed k1g:r"
                + " => close k1g:r failed");
        exact("p54", 0,
                "open k1g:r | await k1g:work | await k1:own | await parent | k1g finally | close k1g:r |"
                + " closed k1g:r"
                + " => cancelled {cancelled {cancelled {close k1g:r failed}}} ; cancel() true");
        exact("p54", 1,
                "open k1g:r | await k1g:work | await k1:own | await parent | k1g finally | close k1g:r |"
                + " closed k1g:r"
                + " => cancelled {cancelled {close k1g:r failed}} ; cancel() true");
        exact("p54", 2,
                "open k1g:r | await k1g:work | await k1:own | await parent | k1g finally | close k1g:r |"
                + " closed k1g:r"
                + " => cancelled {close k1g:r failed} ; cancel() true");
        exact("p54", 3,
                "open k1g:r | await k1g:work | await k1:own | await parent | k1g finally | close k1g:r |"
                + " closed k1g:r"
                + " => close k1g:r failed ; cancel() false");
    }

    /** Task.all consumes its inputs' failures: seen, so not reported again by the parent. */
    @Async public static Task<String> p55() {
        Task<String> k1 = worker("k1", open("k1:r", SUSPEND), true);
        Task<String> k2 = worker("k2", open("k2:r", SUSPEND), false);
        try {
            await(Task.all(List.of(k1, k2)));
        } catch (UnsupportedOperationException e) {
            handled(e);
            log("caught " + e.getMessage());
        }
        return Task.completed("all seen");
    }

    static {
        exact("p55", -1,
                "open k1:r | await k1:work | open k2:r | await k2:work | throw k1 | k1 finally | close k1:r |"
                + " k2 finally | close k2:r | closed k1:r | closed k2:r | caught k1"
                + " => value all seen");
        exact("p55", 0,
                "open k1:r | await k1:work | open k2:r | await k2:work | k2 finally | close k2:r | k1 finally |"
                + " close k1:r | closed k2:r | closed k1:r"
                + " => cancelled ; cancel() true");
        exact("p55", 1,
                "open k1:r | await k1:work | open k2:r | await k2:work | throw k1 | k1 finally | close k1:r |"
                + " k2 finally | close k2:r | closed k1:r | closed k2:r"
                + " => cancelled {cancelled {boom k1}} ; cancel() true");
        exact("p55", 2,
                "open k1:r | await k1:work | open k2:r | await k2:work | throw k1 | k1 finally | close k1:r |"
                + " k2 finally | close k2:r | closed k1:r | closed k2:r"
                + " => cancelled {cancelled {boom k1}} ; cancel() true");
        exact("p55", 3,
                "open k1:r | await k1:work | open k2:r | await k2:work | throw k1 | k1 finally | close k1:r |"
                + " k2 finally | close k2:r | closed k1:r | closed k2:r"
                + " => cancelled {boom k1} ; cancel() true");
    }

    /** A detached child is nobody's: not waited for, not cancelled, its failure nobody's to report. */
    @Async public static Task<String> p56() {
        failsAfter("d1", 2).detach();
        worker("k1", open("k1:r", SUSPEND), false);
        await(step("parent"));
        return Task.completed("parent");
    }

    static {
        exact("p56", -1,
                "await d1:1 | open k1:r | await k1:work | await parent | await d1:2 | k1 finally | close k1:r |"
                + " throw d1 | closed k1:r"
                + " => value parent");
        exact("p56", 0,
                "await d1:1 | open k1:r | await k1:work | await parent | k1 finally | close k1:r | await d1:2 |"
                + " closed k1:r | throw d1"
                + " => cancelled ; cancel() true");
        exact("p56", 1,
                "await d1:1 | open k1:r | await k1:work | await parent | await d1:2 | k1 finally | close k1:r |"
                + " throw d1 | closed k1:r"
                + " => cancelled ; cancel() true");
        exact("p56", 2,
                "await d1:1 | open k1:r | await k1:work | await parent | await d1:2 | k1 finally | close k1:r |"
                + " throw d1 | closed k1:r"
                + " => cancelled ; cancel() true");
        exact("p56", 3,
                "await d1:1 | open k1:r | await k1:work | await parent | await d1:2 | k1 finally | close k1:r |"
                + " throw d1 | closed k1:r"
                + " => value parent ; cancel() false");
        exact("p56", 4,
                "await d1:1 | open k1:r | await k1:work | await parent | await d1:2 | k1 finally | close k1:r |"
                + " throw d1 | closed k1:r"
                + " => value parent ; cancel() false");
    }
}
