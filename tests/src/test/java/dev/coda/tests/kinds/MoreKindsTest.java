package dev.coda.tests.kinds;

import static dev.coda.Coda.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.coda.Async;
import dev.coda.Task;
import dev.coda.tests.support.Later;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.lang.reflect.Method;
import java.util.concurrent.CompletableFuture;
import java.util.function.Function;
import java.util.function.Supplier;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Further places async code lives in real classes. */
class MoreKindsTest {
    @BeforeEach
    void reset() {
        Later.reset();
    }

    @Test
    void sealedInterfaceOfRecordsEvaluatedRecursively() {
        CompletableFuture<Integer> slow = new CompletableFuture<>();
        Expr e = new Expr.Add(new Expr.Num(1), new Expr.Add(new Expr.Slow(slow), new Expr.Num(10)));
        Task<String> t = e.show();
        assertFalse(t.isDone());
        slow.complete(100);
        assertEquals("Add=111", t.join());
        Task<Integer> num = new Expr.Num(5).eval();
        assertTrue(num.isDone(), "an async function without await is done on return");
        assertEquals(5, num.join());
        assertEquals("dev.coda.tests.kinds.Expr$$Coda$eval", num.getClass().getName());
    }

    @Test
    void asyncLambdaAsAnInterfaceConstant() {
        Task<String> t = Expr.NAME.get();
        Later.runAll();
        assertEquals("expr:name", t.join());
    }

    @Test
    void asyncLambdasInAStaticBlockAndInAConstructor() {
        Task<String> s = Registry.FROM_STATIC_BLOCK.get();
        Registry<String> r = new Registry<String>(">").put("a", "alpha");
        Task<String> c = r.fromConstructor.apply("a");
        assertFalse(s.isDone());
        assertFalse(c.isDone());
        assertEquals(2, Later.runAll());
        assertEquals("blk!", s.join());
        assertEquals(">alpha", c.join());
    }

    @Test
    void serializableAsyncLambdaSurvivesARoundTrip() throws Exception {
        Registry.AsyncSupplier<String> original = Registry.serializable("cap");
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (ObjectOutputStream out = new ObjectOutputStream(bytes)) {
            out.writeObject(original);
        }
        Object copy;
        try (ObjectInputStream in = new ObjectInputStream(new ByteArrayInputStream(bytes.toByteArray()))) {
            copy = in.readObject();
        }
        assertNotSame(original, copy);
        @SuppressWarnings("unchecked")
        Task<String> t = ((Registry.AsyncSupplier<String>) copy).get();
        assertFalse(t.isDone());
        Later.runAll();
        assertEquals("cap#$", t.join());
    }

    @Test
    void genericInnerClassOfAGenericClass() {
        Registry<String> r = new Registry<String>("").put("x", "1").put("y", "2");
        Registry<String>.Entry<Integer> e = r.new Entry<>("k", 5);
        CompletableFuture<Integer> extra = new CompletableFuture<>();
        Task<String> t = e.render(Task.from(extra));
        extra.complete(6);
        assertEquals("k=5+6 of 2", t.join());
    }

    @Test
    void recursiveAsyncFunctionThroughAMethodReference() {
        Function<Integer, Task<Integer>> fib = Registry::fib;
        Task<Integer> t = fib.apply(10);
        assertEquals(89, Later.runAll(), "one pending leaf per call of fib(0) or fib(1)");
        assertEquals(55, t.join());
    }

    @Test
    void asyncFunctionCalledThroughReflection() throws Exception {
        Method m = Registry.class.getMethod("fib", int.class);
        @SuppressWarnings("unchecked")
        Task<Integer> t = (Task<Integer>) m.invoke(null, 3);
        Later.runAll();
        assertEquals(2, t.join());
    }

    @Test
    void localRecordAndLocalEnumWithAsyncMethods() {
        record Pair(String a, CompletableFuture<String> b) {
            @Async
            Task<String> both() {
                return Task.completed(a + await(b));
            }
        }
        enum Sign {
            POS, NEG;

            @Async
            Task<Integer> apply(Task<Integer> t) {
                int v = await(t);
                return Task.completed(this == POS ? v : -v);
            }
        }
        CompletableFuture<String> b = new CompletableFuture<>();
        Task<String> p = new Pair("a", b).both();
        Task<Integer> n = Sign.NEG.apply(Later.task(4));
        b.complete("b");
        Later.runAll();
        assertEquals("ab", p.join());
        assertEquals(-4, n.join());
    }

    @Test
    void anonymousClassWithAsyncMethodsCreatedInsideAnAsyncFunction() {
        CompletableFuture<String> f = new CompletableFuture<>();
        Task<String> t = outerAsync(f);
        f.complete("F");
        Later.runAll();
        assertEquals("made:F/inner:F", t.join());
    }

    @Async
    private static Task<String> outerAsync(CompletableFuture<String> f) {
        String made = "made:" + await(f);
        Supplier<Task<String>> inner = new Supplier<>() {
            @Override
            public Task<String> get() {
                return Task.completed("inner:" + await(Later.value(made.substring(5))));
            }
        };
        return Task.completed(made + "/" + await(inner.get()));
    }
}
