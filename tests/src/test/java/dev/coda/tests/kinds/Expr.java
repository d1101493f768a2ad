package dev.coda.tests.kinds;

import static dev.coda.Coda.await;

import dev.coda.Async;
import dev.coda.Task;
import dev.coda.tests.support.Later;
import java.util.concurrent.CompletableFuture;
import java.util.function.Supplier;

/** A sealed interface of records, evaluated recursively by async methods; and an async lambda as an interface constant. */
@Marker("expr")
public sealed interface Expr permits Expr.Num, Expr.Add, Expr.Slow {
    Supplier<Task<String>> NAME = () -> Task.completed("expr:" + await(Later.value("name")));

    record Num(int v) implements Expr {}

    record Add(Expr l, Expr r) implements Expr {
        @Async
        @Override
        public Task<Integer> eval() {
            int a = await(l.eval());
            int b = await(r.eval());
            return Task.completed(a + b);
        }
    }

    record Slow(CompletableFuture<Integer> v) implements Expr {
        @Async
        @Override
        public Task<Integer> eval() {
            return Task.completed(await(v));
        }
    }

    /** An async function without any await: done when it returns. */
    @Async
    default Task<Integer> eval() {
        return Task.completed(((Num) this).v());
    }

    @Async
    default Task<String> show() {
        int v = await(eval());
        return Task.completed(getClass().getSimpleName() + "=" + v);
    }
}
