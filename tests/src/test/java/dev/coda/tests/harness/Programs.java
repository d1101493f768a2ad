package dev.coda.tests.harness;

import static dev.coda.Coda.await;
import static dev.coda.tests.harness.H.*;

import dev.coda.Async;
import dev.coda.Coda;
import dev.coda.Owned;
import dev.coda.Task;
import dev.coda.TaskScope;
import dev.coda.tests.harness.H.Res;
import java.util.function.Supplier;

/**
 * The programs of the cancellation harness: each owns resources in its own way. Every method named {@code pNN} is
 * one program; the harness runs it to completion, then once per suspension point, cancelled there.
 */
public final class Programs {
    private Programs() {}

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

    // ---- children spawned on an executor: each may be cancelled before its body ran (SPEC §5.3, §7)

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
}
