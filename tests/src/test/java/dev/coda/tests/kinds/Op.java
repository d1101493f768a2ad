package dev.coda.tests.kinds;

import static dev.coda.Coda.await;

import dev.coda.Async;
import dev.coda.Task;
import java.util.ArrayList;
import java.util.List;

/** An enum with an async method, constant-specific bodies overriding it, and an async static method. */
public enum Op {
    PLUS("+") {
        @Async
        @Override
        public Task<Integer> apply(Task<Integer> a, Task<Integer> b) {
            int x = await(a);
            int y = await(b);
            return Task.completed(checked(x + y));
        }
    },
    TIMES("*") {
        @Async
        @Override
        public Task<Integer> apply(Task<Integer> a, Task<Integer> b) {
            int x = await(a);
            return Task.completed(checked(x * await(b)));
        }
    },
    MINUS("-");

    private final String symbol;

    Op(String symbol) {
        this.symbol = symbol;
    }

    /** Private static: reached from the constant bodies' rewritten code as a nest mate. */
    private static int checked(int v) {
        if (v > 1000) throw new ArithmeticException("too big: " + v);
        return v;
    }

    @Async
    public Task<Integer> apply(Task<Integer> a, Task<Integer> b) {
        return Task.completed(await(a) - await(b));
    }

    @Async
    public Task<String> show(Task<Integer> a, Task<Integer> b) {
        int r = await(apply(a, b));
        return Task.completed(symbol + "=" + r + " " + ordinal());
    }

    @Async
    public static Task<List<Integer>> applyAll(Task<Integer> a, Task<Integer> b) {
        int x = await(a);
        int y = await(b);
        List<Integer> out = new ArrayList<>();
        for (Op op : values()) out.add(await(op.apply(Task.completed(x), Task.completed(y))));
        return Task.completed(out);
    }
}
