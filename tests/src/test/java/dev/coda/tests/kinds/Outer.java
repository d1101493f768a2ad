package dev.coda.tests.kinds;

import static dev.coda.Coda.await;

import dev.coda.Async;
import dev.coda.Task;
import java.util.concurrent.CompletableFuture;
import java.util.function.Supplier;

/**
 * Async code in nested, inner and private nested classes that reads and writes private members of the outer class
 * (nest-mate access from the rewritten bodies and from async lambdas).
 */
public class Outer {
    private String secret;
    private static String staticSecret = "S";

    public Outer(String secret) {
        this.secret = secret;
    }

    private String hidden(String s) {
        return "<" + s + ":" + secret + ">";
    }

    private static String staticHidden(String s) {
        return "{" + s + "}";
    }

    public String secret() {
        return secret;
    }

    /** A static nested class using the outer class's private static and private instance members. */
    public static class Nested {
        private int own = 1;

        @Async
        public Task<String> read(Outer outer, CompletableFuture<String> x) {
            String v = await(x);
            own++;
            outer.secret = outer.secret + "!";
            return Task.completed(staticHidden(v) + outer.secret + staticSecret + own);
        }
    }

    /** An inner class: the async body reaches {@code Outer.this} after resuming. */
    public class Inner {
        private final int id;

        public Inner(int id) {
            this.id = id;
        }

        @Async
        public Task<String> read(CompletableFuture<String> x) {
            String v = await(x);
            secret = secret + v;
            return Task.completed(hidden(v) + id);
        }

        public Supplier<Task<String>> reader(CompletableFuture<String> x) {
            return () -> {
                String v = await(x);
                return Task.completed(hidden(v) + Outer.this.secret + id + staticHidden("l"));
            };
        }
    }

    /** A private nested class: its state machine is a separate top-level class that must still reach it. */
    private static final class Hidden {
        private final String tag;

        private Hidden(String tag) {
            this.tag = tag;
        }

        @Async
        private Task<String> echo(Task<String> t) {
            String v = await(t);
            return Task.completed(tag + v);
        }
    }

    @Async
    public Task<String> viaHidden(Task<String> t) {
        Hidden h = new Hidden(secret);
        String a = await(h.echo(t));
        return Task.completed(a + "/" + new Hidden("x").tag);
    }
}
