package dev.coda.tests.flow;

import static dev.coda.Coda.await;

import dev.coda.Async;
import dev.coda.Task;
import dev.coda.tests.support.Events;
import dev.coda.tests.support.Later;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/** Control flow with awaits in every position. */
public final class Flow {
    private Flow() {}

    public enum Color { RED, GREEN, BLUE }

    /** An ordinary AutoCloseable that logs its close. */
    public static final class Res implements AutoCloseable {
        final String name;
        private final RuntimeException onClose;

        public Res(String name) {
            this(name, null);
        }

        public Res(String name, RuntimeException onClose) {
            this.name = name;
            this.onClose = onClose;
            Events.log("open " + name);
        }

        @Override
        public void close() {
            Events.log("close " + name);
            if (onClose != null) throw onClose;
        }
    }

    @Async
    public static Task<List<String>> loops(int[][] grid) {
        List<String> seen = new ArrayList<>();
        rows:
        for (int r = 0; r < grid.length; r++) {
            for (int c = 0; c < grid[r].length; c++) {
                int v = await(Later.value(grid[r][c]));
                if (v < 0) continue rows;
                if (v == 0) continue;
                if (v > 100) break rows;
                if (v == 50) break;
                seen.add(r + ":" + v);
            }
            seen.add("end " + r);
        }
        int k = 0;
        do {
            k += await(Later.value(1));
        } while (k < 3);
        seen.add("k" + k);
        return Task.completed(seen);
    }

    @Async
    public static Task<String> labelledBlock(List<String> items) {
        String found;
        search:
        {
            for (String s : items) {
                if (await(Later.value(s.startsWith("x")))) {
                    found = s;
                    break search;
                }
            }
            found = "none of " + items.size();
        }
        return Task.completed(found);
    }

    @Async
    public static Task<Integer> whileAwaitedCondition(int limit) {
        int n = 0;
        while (await(Later.value(n < limit))) {
            n++;
            if (n % 2 == 0) continue;
            n += 10;
        }
        return Task.completed(n);
    }

    @Async
    public static Task<String> oldSwitch(int k) {
        StringBuilder sb = new StringBuilder();
        switch (k) {
            case 1:
                sb.append(await(Later.value("one")));
            case 2:
                sb.append(await(Later.value("two")));
                break;
            case 10:
                sb.append("ten");
            case 1000:
                sb.append(await(Later.value("thousand")));
                break;
            default:
                sb.append("default ").append(await(Later.value(k)));
        }
        return Task.completed(sb.toString());
    }

    @Async
    public static Task<String> arrowOnString(CompletableFuture<String> selector) {
        String out;
        switch (await(selector)) {
            case "a", "b" -> out = "ab:" + await(Later.value(1));
            case "c" -> {
                int x = await(Later.value(2));
                out = "c:" + x;
            }
            default -> out = "other";
        }
        return Task.completed(out);
    }

    @Async
    public static Task<Integer> enumExpression(Task<Color> color) {
        int base = 100;
        int r = base + switch (await(color)) {
            case RED -> await(Later.value(1));
            case GREEN -> {
                int g = await(Later.value(2));
                yield g * 10;
            }
            case BLUE -> 3;
        };
        return Task.completed(r);
    }

    @Async
    public static Task<String> stringAndIntExpressions(String s) {
        String r = switch (s) {
            case "x":
                yield await(Later.value("X"));
            case "y": {
                String t = await(Later.value("Y"));
                yield t + t;
            }
            default:
                yield s.length() > 3 ? await(Later.value("long")) : "short";
        };
        int n = switch (r.length()) {
            case 1 -> 1;
            case 2 -> await(Later.value(2));
            default -> -1;
        };
        return Task.completed(r + n);
    }

    @Async
    public static Task<String> tryCatchFinally(boolean fail) {
        List<String> log = new ArrayList<>();
        try {
            log.add("try " + await(Later.value(1)));
            if (fail) await(Later.<Integer>failure(new IllegalStateException("boom")));
            log.add("try end");
        } catch (IllegalStateException e) {
            log.add("catch " + e.getMessage() + " " + await(Later.value(2)));
        } finally {
            log.add("finally " + await(Later.value(3)));
        }
        log.add("after");
        return Task.completed(String.join(",", log));
    }

    @Async
    public static Task<String> finallyRethrows(RuntimeException error) {
        try {
            Events.log("body");
            await(Later.failure(error));
            return Task.completed("unreachable");
        } finally {
            Events.log("finally " + await(Later.value("f")));
        }
    }

    @Async
    public static Task<String> nestedTries() {
        StringBuilder sb = new StringBuilder();
        try {
            try {
                sb.append(await(Later.value("a")));
                throw new IllegalArgumentException("inner");
            } catch (IllegalArgumentException e) {
                sb.append(await(Later.value("b")));
                throw new IllegalStateException("from catch", e);
            } finally {
                sb.append(await(Later.value("c")));
            }
        } catch (IllegalStateException e) {
            sb.append(await(Later.value("d"))).append(' ').append(e.getMessage()).append(' ').append(e.getCause().getMessage());
        }
        return Task.completed(sb.toString());
    }

    @Async
    public static Task<String> earlyReturn(List<Integer> xs) {
        try {
            for (int x : xs) {
                int v = await(Later.value(x));
                if (v < 0) return Task.completed("negative " + v);
                Events.log("ok " + v);
            }
        } finally {
            Events.log("cleanup " + await(Later.value("c")));
        }
        return Task.completed("all positive");
    }

    @Async
    public static Task<String> tryWithResources(CompletableFuture<String> first, boolean failBody) {
        try (Res a = new Res(await(first)); Res b = new Res("b")) {
            Events.log("body " + a.name + b.name);
            String v = await(Later.value("v"));
            if (failBody) throw new IllegalStateException("body");
            try (Res c = new Res("c" + v)) {
                Events.log("inner " + await(Later.value("w")));
            }
            return Task.completed(v);
        } finally {
            Events.log("finally");
        }
    }

    @Async
    public static Task<Void> tryWithResourcesCloseFails(RuntimeException onClose, RuntimeException body) {
        try (Res r = new Res("r", onClose)) {
            await(Later.value(0));
            throw body;
        }
    }
}
