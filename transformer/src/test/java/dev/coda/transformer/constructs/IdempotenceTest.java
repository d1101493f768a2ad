package dev.coda.transformer.constructs;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.coda.transformer.ClassFileLocator;
import dev.coda.transformer.TransformResult;
import dev.coda.transformer.Transformer;
import dev.coda.transformer.read.InstrumentedMarker;
import dev.coda.transformer.support.InMemoryCompiler;
import dev.coda.transformer.support.Instrumented;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.objectweb.asm.ClassReader;
import org.objectweb.asm.ClassWriter;
import org.objectweb.asm.tree.ClassNode;

/** Instrumenting twice is a no-op, and the output is a pure function of the input. */
class IdempotenceTest {
    static final String SRC = Driver.source("Twice", """
            interface Svc { @Async default Task<String> hello(String w) { return Task.completed("hi " + await(later(w))); } }
            @Async public static Task<Integer> sum(int n) {
                int s = 0;
                for (int i = 0; i < n; i++) s += await(later(i));
                return Task.completed(s);
            }
            @Async public static Task<String> mixed(boolean c) {
                try { return Task.completed(c ? new StringBuilder(await(later("x"))).toString() : "y"); }
                finally { log("f"); }
            }
            public static Supplier<Task<String>> lambda(String a) { return () -> Task.completed(a + await(later("l"))); }
            public static Supplier<Task<String>> anon() {
                return new Supplier<Task<String>>() { public Task<String> get() { return Task.completed(await(later("a"))); } };
            }
            public static int plain(int x) { return x + 1; }
            """);

    static Map<String, byte[]> classes;

    @BeforeAll
    static void compile() throws Exception {
        classes = InMemoryCompiler.compile(Map.of("p/Twice.java", SRC));
    }

    private static Transformer transformer(Map<String, byte[]> known) {
        ClassFileLocator parent = ClassFileLocator.of(IdempotenceTest.class.getClassLoader());
        return new Transformer(n -> known.containsKey(n) ? known.get(n) : parent.locate(n));
    }

    /** Transforms every class in the given order; returns every written class (rewritten hosts and generated). */
    private static Map<String, byte[]> transformAll(Map<String, byte[]> in, List<String> order) throws Exception {
        Transformer t = transformer(in);
        Map<String, byte[]> out = new TreeMap<>();
        for (String name : order) {
            TransformResult r = t.transform(in.get(name));
            assertFalse(r.hasErrors(), name + ": " + r.diagnostics());
            if (r.changed()) out.put(name, r.bytes());
            out.putAll(r.generated());
        }
        return out;
    }

    /**
     * A class rewritten by a Coda whose written code follows another protocol with the runtime (its marker holds
     * another format) is reported, named, with what to do: left as it is, it would fail with a NoSuchMethodError
     * when it runs against this runtime. The build that finds stale classes from an upgrade fails instead. Its state
     * machines are left as they are without an error of their own: only the host's code loads them, so the host's
     * error is the one to report, once.
     */
    @Test
    void aClassRewrittenForAnotherRuntimeIsAnErrorNamingIt() throws Exception {
        Instrumented once = Instrumented.of(classes).requireClean();
        Transformer again = transformer(once.output);
        TransformResult host = again.transform(withMarkerFormat(once.output.get("p/Twice"), 1));
        assertFalse(host.changed());
        assertEquals(1, host.diagnostics().size(), host.diagnostics().toString());
        assertTrue(host.hasErrors(), host.diagnostics().toString());
        String message = host.diagnostics().get(0).message();
        assertTrue(message.contains("class p.Twice was rewritten by another version of Coda (format 1; this one "
                + "writes format 2)"), message);
        assertTrue(message.contains("compile it again from its source (with Maven, mvn clean)"), message);

        TransformResult stateMachine = again.transform(withMarkerFormat(once.output.get("p/Twice$$Coda$sum"), 1));
        assertFalse(stateMachine.changed());
        assertEquals(List.of(), stateMachine.diagnostics());
    }

    /** {@code bytes} with its {@code dev.coda.Instrumented} attribute holding {@code format}. */
    private static byte[] withMarkerFormat(byte[] bytes, int format) {
        ClassNode node = new ClassNode();
        new ClassReader(bytes).accept(node, InstrumentedMarker.prototypes(), 0);
        assertTrue(node.attrs.removeIf(a -> a.type.equals(InstrumentedMarker.NAME)), "marked");
        node.attrs.add(new InstrumentedMarker(format));
        ClassWriter writer = new ClassWriter(0);
        node.accept(writer);
        return writer.toByteArray();
    }

    @Test
    void transformingTheOutputAgainChangesNothing() throws Exception {
        Instrumented once = Instrumented.of(classes).requireClean();
        assertTrue(once.results.get("p/Twice").changed());
        assertTrue(once.results.get("p/Twice$Svc").changed());
        assertTrue(once.results.get("p/Twice$1").changed());
        Transformer again = transformer(once.output);
        for (Map.Entry<String, byte[]> e : once.output.entrySet()) {
            TransformResult r = again.transform(e.getValue());
            assertFalse(r.changed(), e.getKey() + " was rewritten a second time");
            assertEquals(List.of(), r.diagnostics(), e.getKey());
            assertTrue(r.generated().isEmpty(), e.getKey());
        }
    }

    @Test
    void twoRunsProduceIdenticalBytes() throws Exception {
        List<String> order = new ArrayList<>(classes.keySet());
        Map<String, byte[]> first = transformAll(classes, order);
        Map<String, byte[]> second = transformAll(classes, order);
        assertEquals(first.keySet(), second.keySet());
        assertTrue(first.keySet().stream().anyMatch(n -> n.contains("$$Coda$")));
        for (String n : first.keySet()) assertArrayEquals(first.get(n), second.get(n), n);
    }

    @Test
    void outputDoesNotDependOnTheOrderClassesAreTransformedIn() throws Exception {
        List<String> order = new ArrayList<>(classes.keySet());
        Map<String, byte[]> forward = transformAll(classes, order);
        Collections.reverse(order);
        Map<String, byte[]> backward = transformAll(classes, order);
        assertEquals(forward.keySet(), backward.keySet());
        for (String n : forward.keySet()) assertArrayEquals(forward.get(n), backward.get(n), n);
    }

    @Test
    void oneTransformerGivesTheSameBytesForTheSameInputTwice() throws Exception {
        Transformer t = transformer(classes);
        TransformResult a = t.transform(classes.get("p/Twice"));
        TransformResult b = t.transform(classes.get("p/Twice"));
        assertArrayEquals(a.bytes(), b.bytes());
        assertEquals(a.generated().keySet(), b.generated().keySet());
        assertEquals(List.of("p/Twice$$Coda$sum", "p/Twice$$Coda$mixed", "p/Twice$$Coda$" + InMemoryCompiler.lambda("lambda", 0)),
                List.copyOf(a.generated().keySet()));
        for (String n : a.generated().keySet()) assertArrayEquals(a.generated().get(n), b.generated().get(n), n);
    }

    @Test
    void classWithoutCodaIsPassedOverWithoutDiagnostics() throws Exception {
        byte[] plain = InMemoryCompiler.compile(Map.of("p/Plain.java", "package p; public class Plain { int f(int x) { return x; } }"))
                .get("p/Plain");
        TransformResult r = transformer(Map.of()).transform(plain);
        assertFalse(r.changed());
        assertEquals(List.of(), r.diagnostics());
        assertTrue(r.generated().isEmpty());
    }

    @Test
    void classUsingCodaWithoutAsyncCodeIsLeftUnchanged() throws Exception {
        byte[] user = InMemoryCompiler.compile(Map.of("p/User.java", """
                package p;
                import dev.coda.*;
                public class User { static Task<Integer> make() { return Task.completed(1); } static int get(Task<Integer> t) { return t.join(); } }
                """)).get("p/User");
        TransformResult r = transformer(Map.of()).transform(user);
        assertFalse(r.changed());
        assertEquals(List.of(), r.diagnostics());
    }

    @Test
    void secondPassOverRewrittenOutputStillRuns() throws Throwable {
        Instrumented once = Instrumented.of(classes).requireClean();
        Instrumented twice = Instrumented.of(once.output).requireClean();
        assertEquals(once.output.keySet(), twice.output.keySet());
        for (String n : once.output.keySet()) assertArrayEquals(once.output.get(n), twice.output.get(n), n);
        Driver.reset();
        dev.coda.Task<?> t = (dev.coda.Task<?>) twice.call("p.Twice", "sum", 4);
        Driver.run();
        assertEquals(6, t.join());
    }
}
