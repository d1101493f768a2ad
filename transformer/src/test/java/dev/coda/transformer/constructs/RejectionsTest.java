package dev.coda.transformer.constructs;

import static dev.coda.transformer.constructs.Driver.lineOf;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.coda.Task;
import dev.coda.transformer.Diagnostic;
import dev.coda.transformer.TransformResult;
import dev.coda.transformer.support.Instrumented;
import java.lang.reflect.InvocationTargetException;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Every rejection the transformer makes, as the exact javac-style diagnostic
 * {@code p/File.java:LINE: error: MESSAGE}, with the rejected class left exactly as it was.
 */
class RejectionsTest {
    private static final String HEAD = """
            package p;
            import dev.coda.*;
            import java.util.function.*;
            import static dev.coda.Coda.await;
            """;

    private static Instrumented compile(String cls, String source) {
        return Instrumented.compile("p/" + cls + ".java", HEAD + source);
    }

    private static String at(String cls, String source, String marker) {
        return "p/" + cls + ".java:" + lineOf(HEAD + source, marker) + ": error: ";
    }

    private static void assertRejected(Instrumented code, String cls, String... expected) {
        TransformResult r = code.results.get("p/" + cls);
        assertEquals(List.of(expected), r.diagnostics().stream().map(Diagnostic::toString).toList());
        assertTrue(r.diagnostics().stream().allMatch(Diagnostic::isError));
        assertTrue(r.hasErrors());
        assertFalse(r.changed(), "a rejected class is left unchanged");
        assertTrue(r.generated().isEmpty(), "no state machine is generated for a rejected class");
        assertTrue(code.output.keySet().stream().noneMatch(n -> n.contains("$$Coda$")), code.output.keySet().toString());
    }

    @Test
    void awaitInsideSynchronizedBlock() {
        String src = """
                public class SyncBlock {
                    @Async public static Task<Integer> go(Object lock, Task<Integer> t) {
                        synchronized (lock) {
                            return Task.completed(await(t) + 1); // HERE
                        }
                    }
                }
                """;
        assertRejected(compile("SyncBlock", src), "SyncBlock", at("SyncBlock", src, "// HERE")
                + "Coda.await inside a synchronized block in SyncBlock.go; a monitor cannot be held across a "
                + "suspension: move the await out of the synchronized block");
    }

    /**
     * A class with an accepted and a rejected async method is written (by the agent, which loads what it can) with
     * the accepted one rewritten and the rejected one exactly as compiled, even when the rejection came after its
     * ownership was lowered: the JVM loads the class, and the accepted method runs.
     */
    @Test
    void aRejectedMethodBesideAnAcceptedOneIsWrittenAsCompiled() throws Exception {
        String src = """
                public class Mixed {
                    @Async public static Task<String> ok(Task<String> t) {
                        return Task.completed(await(t) + "!");
                    }
                    @Async public static Task<Integer> rejected(Object lock, Task<Integer> t) {
                        try (TaskScope scope = TaskScope.open()) {
                            synchronized (lock) {
                                return Task.completed(await(t) + 1); // HERE
                            }
                        }
                    }
                }
                """;
        Instrumented code = compile("Mixed", src);
        TransformResult r = code.results.get("p/Mixed");
        assertEquals(List.of(at("Mixed", src, "// HERE") + "Coda.await inside a synchronized block in Mixed.rejected; "
                        + "a monitor cannot be held across a suspension: move the await out of the synchronized block"),
                r.diagnostics().stream().map(Diagnostic::toString).toList());
        assertTrue(r.changed(), "the accepted method is rewritten");
        org.objectweb.asm.tree.ClassNode written = new org.objectweb.asm.tree.ClassNode();
        new org.objectweb.asm.ClassReader(r.bytes()).accept(written, 0);
        org.objectweb.asm.tree.ClassNode compiled = new org.objectweb.asm.tree.ClassNode();
        new org.objectweb.asm.ClassReader(code.original.get("p/Mixed")).accept(compiled, 0);
        assertEquals(instructions(compiled, "rejected"), instructions(written, "rejected"), "the rejected method");
        Object task = code.load("p.Mixed").getMethod("ok", Task.class).invoke(null, Task.completed("x"));
        assertEquals("x!", ((Task<?>) task).join());
    }

    /** The opcodes of method {@code name}, for comparing two versions of it. */
    private static List<Integer> instructions(org.objectweb.asm.tree.ClassNode c, String name) {
        List<Integer> ops = new java.util.ArrayList<>();
        for (org.objectweb.asm.tree.MethodNode m : c.methods) {
            if (!m.name.equals(name)) continue;
            for (org.objectweb.asm.tree.AbstractInsnNode n : m.instructions) if (n.getOpcode() >= 0) ops.add(n.getOpcode());
        }
        return ops;
    }

    /**
     * A body that fits the JVM's 64 KB as compiled but not as a state machine: 40 locals live across each of 400
     * awaits of {@code f}, starting from {@code t}; each line starts with {@code indent}.
     */
    private static String hugeBody(String indent) {
        StringBuilder body = new StringBuilder();
        for (int i = 0; i < 40; i++) body.append(indent).append("int v").append(i).append(" = t.hashCode() + ").append(i).append(";\n");
        for (int i = 0; i < 400; i++) body.append(indent).append("v").append(i % 40).append(" += await(f);\n");
        body.append(indent).append("return Task.completed(v0");
        for (int i = 1; i < 40; i++) body.append(" + v").append(i);
        return body.append(");\n").toString();
    }

    /** A method that fits the JVM's 64 KB as compiled but not as a state machine is named, with what to do. */
    @Test
    void aMethodTooLargeOnceRewrittenIsNamed() {
        String src = "public class Huge {\n    @Async public static Task<Integer> go(Task<Integer> f, Object t) {\n"
                + hugeBody("        ") + "    }\n}\n";
        Instrumented code = compile("Huge", src);
        TransformResult r = code.results.get("p/Huge");
        assertFalse(r.changed(), "a class whose rewrite does not fit is left unchanged");
        List<String> messages = r.diagnostics().stream().map(Diagnostic::toString).toList();
        assertEquals(1, messages.size(), messages.toString());
        String m = messages.get(0);
        assertTrue(m.startsWith("p/Huge.java:" + lineOf(HEAD + src, "int v0") + ": error: method p.Huge.go is too large "
                + "once rewritten into a state machine ("), m);
        assertTrue(m.endsWith("bytes of code; the JVM allows 65535): move code that does not await into methods of its "
                + "own, or split it into several async functions"), m);
    }

    /**
     * The body takes the method's parameters and then the state machine: a method whose parameters already take the
     * JVM's 255 slots is refused by name, and one with a slot to spare is rewritten and runs.
     */
    @Test
    void aMethodWhoseParametersLeaveNoSlotForTheStateMachineIsNamed() throws Throwable {
        StringBuilder ints = new StringBuilder();
        for (int i = 0; i < 252; i++) ints.append("int a").append(i).append(", ");
        String src = "public class Wide {\n"
                + "    @Async public static Task<Integer> full(" + ints + "long l, Task<Integer> t) {\n"
                + "        return Task.completed(await(t) + a0 + a251 + (int) l); // FULL\n    }\n"
                + "    @Async public static Task<Integer> fits(" + ints + "int b, Task<Integer> t) {\n"
                + "        return Task.completed(await(t) + a0 + a251 + b);\n    }\n}\n";
        Instrumented code = compile("Wide", src);
        assertEquals(List.of(at("Wide", src, "// FULL") + "cannot rewrite Wide.full: its parameters take 255 slots, "
                + "and its body takes the state machine in one more (the JVM "
                + "allows 255); pass some of them in an object"),
                code.results.get("p/Wide").diagnostics().stream().map(Diagnostic::toString).toList());
        assertEquals(java.util.Set.of("p/Wide$$Coda$fits"), code.results.get("p/Wide").generated().keySet(),
                "full is left as compiled, fits is rewritten");
        Object[] args = new Object[254]; // 253 ints and the task: 254 slots, the state machine the 255th
        java.util.Arrays.fill(args, 0, 253, 1);
        args[253] = Task.completed(39);
        assertEquals(42, ((Task<?>) code.call("p.Wide", "fits", args)).join());
    }

    /** The same for an async lambda, named after the code that creates it rather than its synthetic method. */
    @Test
    void anAsyncLambdaTooLargeOnceRewrittenIsNamedAsALambda() {
        String src = "public class HugeLambda {\n    public static java.util.function.Supplier<Task<Integer>> make("
                + "Task<Integer> f, Object t) {\n        return () -> {\n" + hugeBody("            ") + "        };\n    }\n}\n";
        Instrumented code = compile("HugeLambda", src);
        List<String> messages = code.results.get("p/HugeLambda").diagnostics().stream().map(Diagnostic::toString).toList();
        assertEquals(1, messages.size(), messages.toString());
        assertTrue(messages.get(0).contains(": error: a lambda in HugeLambda.make is too large once rewritten into a "
                + "state machine ("), messages.get(0));
    }

    @Test
    void awaitInsideNestedSynchronizedBlockInLambda() {
        String src = """
                public class SyncLambda {
                    static Supplier<Task<String>> make(Object lock) {
                        return () -> {
                            String a = await(Task.completed("a"));
                            synchronized (lock) {
                                synchronized (SyncLambda.class) {
                                    a += await(Task.completed("b")); // HERE
                                }
                            }
                            return Task.completed(a);
                        };
                    }
                }
                """;
        assertRejected(compile("SyncLambda", src), "SyncLambda", at("SyncLambda", src, "// HERE")
                + "Coda.await inside a synchronized block in a lambda in SyncLambda.make; a monitor cannot be held "
                + "across a suspension: move the await out of the synchronized block");
    }

    @Test
    void synchronizedAsyncMethod() {
        String src = """
                public class SyncMethod {
                    @Async public synchronized Task<Integer> go(Task<Integer> t) {
                        int v = await(t); // HERE
                        return Task.completed(v);
                    }
                }
                """;
        assertRejected(compile("SyncMethod", src), "SyncMethod", at("SyncMethod", src, "// HERE")
                + "async method SyncMethod.go is synchronized; a monitor cannot be held across an await: remove "
                + "'synchronized' and guard the state with an async-aware lock or confine it to one task");
    }

    @Test
    void awaitInConstructor() throws Throwable {
        String src = """
                public class Ctor {
                    final int v;
                    public Ctor(Task<Integer> t) {
                        this.v = await(t); // HERE
                    }
                }
                """;
        Instrumented code = compile("Ctor", src);
        assertRejected(code, "Ctor", at("Ctor", src, "// HERE")
                + "Coda.await in a constructor of Ctor cannot suspend; move the awaiting code into an @Async factory "
                + "method or method");
        InvocationTargetException e = assertThrows(InvocationTargetException.class,
                () -> code.load("p.Ctor").getConstructor(Task.class).newInstance(Task.completed(1)));
        assertEquals(IllegalStateException.class, e.getCause().getClass(), "never a VerifyError: " + e.getCause());
    }

    @Test
    void awaitInStaticInitializer() {
        String src = """
                public class Clinit {
                    static final int V;
                    static {
                        V = await(Task.completed(1)); // HERE
                    }
                }
                """;
        Instrumented code = compile("Clinit", src);
        assertRejected(code, "Clinit", at("Clinit", src, "// HERE")
                + "Coda.await in a static initializer cannot suspend; move it into an @Async method and start it from "
                + "the caller");
        ExceptionInInitializerError e = assertThrows(ExceptionInInitializerError.class, () -> code.load("p.Clinit"));
        assertEquals(IllegalStateException.class, e.getCause().getClass());
    }

    @Test
    void awaitInPlainMethod() throws Throwable {
        String src = """
                public class Plain {
                    public static int plain(Task<Integer> t) {
                        return await(t) * 2; // HERE
                    }
                }
                """;
        Instrumented code = compile("Plain", src);
        assertRejected(code, "Plain", at("Plain", src, "// HERE")
                + "Coda.await in Plain.plain, which is neither an @Async method nor an async lambda; annotate the "
                + "method with @Async and make it return Task<T> (or await inside a lambda that returns a Task)");
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> code.call("p.Plain", "plain", Task.completed(1)));
        assertTrue(e.getMessage().contains("@Async"), e.getMessage());
    }

    @Test
    void awaitInTaskReturningMethodWithoutAsync() {
        String src = """
                public class NotAnnotated {
                    public static Task<Integer> notAnnotated(Task<Integer> t) {
                        return Task.completed(await(t)); // HERE
                    }
                }
                """;
        assertRejected(compile("NotAnnotated", src), "NotAnnotated", at("NotAnnotated", src, "// HERE")
                + "Coda.await in NotAnnotated.notAnnotated, which is neither an @Async method nor an async lambda; "
                + "annotate the method with @Async and make it return Task<T> (or await inside a lambda that returns "
                + "a Task)");
    }

    @Test
    void awaitInLambdaThatDoesNotReturnATask() {
        String src = """
                public class Lam {
                    static Supplier<Integer> make(Task<Integer> t) {
                        return () -> await(t); // HERE
                    }
                }
                """;
        assertRejected(compile("Lam", src), "Lam", at("Lam", src, "// HERE") + notAsyncLambda("Lam.make"));
    }

    /** A lambda cannot be annotated @Async: the message says what makes one async, and names where it is written. */
    private static String notAsyncLambda(String method) {
        return "Coda.await in a lambda in " + method + ", which is not an async lambda (it does not return a Task, so it "
                + "cannot suspend); make the lambda return a Task (ending with return Task.completed(value)), or move "
                + "the await out of the lambda (for example, await the tasks in a loop)";
    }

    @Test
    void awaitInAStreamLambda() {
        String src = """
                public class Orders {
                    static int total(java.util.List<Task<Integer>> prices) {
                        return prices.stream().mapToInt(t -> await(t)).sum(); // HERE
                    }
                }
                """;
        assertRejected(compile("Orders", src), "Orders", at("Orders", src, "// HERE") + notAsyncLambda("Orders.total"));
    }

    /** ECJ's lambda names ({@code lambda$0}) do not even say which method a lambda is in: the creating code does. */
    @Test
    void aLambdaIsNamedAfterTheCodeThatCreatesIt() {
        String src = """
                public class Nested {
                    Runnable r;
                    Nested(Task<Integer> t) {
                        r = () -> await(t); // CONSTRUCTOR
                    }
                    static Runnable make(Task<Integer> t) {
                        return () -> {
                            Runnable inner = () -> await(t); // INNER
                            inner.run();
                        };
                    }
                }
                """;
        assertRejected(compile("Nested", src), "Nested",
                at("Nested", src, "// CONSTRUCTOR") + "Coda.await in a lambda in a constructor of Nested, which is not "
                        + "an async lambda (it does not return a Task, so it cannot suspend); make the lambda return a "
                        + "Task (ending with return Task.completed(value)), or move the await out of the lambda (for "
                        + "example, await the tasks in a loop)",
                at("Nested", src, "// INNER") + notAsyncLambda("Nested.make"));
    }

    @Test
    void awaitAsMethodReference() {
        String src = """
                public class MethodRef {
                    static Function<Task<Integer>, Integer> make() {
                        return Coda::await; // HERE
                    }
                }
                """;
        assertRejected(compile("MethodRef", src), "MethodRef", at("MethodRef", src, "// HERE")
                + "Coda::await cannot be used as a method reference, since only a direct call can suspend; call "
                + "Coda.await(...) directly inside an @Async method or async lambda");
    }

    @Test
    void awaitAsMethodReferenceInsideAnAsyncMethodIsStillReported() {
        String src = """
                public class MethodRefInAsync {
                    @Async static Task<Integer> go(Task<Integer> t) {
                        Function<Task<Integer>, Integer> f = Coda::await; // HERE
                        return Task.completed(f.apply(t));
                    }
                }
                """;
        Instrumented code = compile("MethodRefInAsync", src);
        assertEquals(List.of(at("MethodRefInAsync", src, "// HERE")
                        + "Coda::await cannot be used as a method reference, since only a direct call can suspend; call "
                        + "Coda.await(...) directly inside an @Async method or async lambda"),
                code.diagnostics.stream().map(Diagnostic::toString).toList());
    }

    @Test
    void asyncMethodWithWrongReturnType() {
        String src = """
                public class WrongType {
                    @Async public static int wrong(Task<Integer> t) { return await(t); } // HERE
                    @Async public static void nothing() { System.out.println(); } // VOID
                }
                """;
        assertRejected(compile("WrongType", src), "WrongType",
                at("WrongType", src, "// HERE") + "@Async method WrongType.wrong must return Task<T>, CompletableFuture<T> "
                        + "or CompletionStage<T>; change its return type (and end it with return Task.completed(value))",
                at("WrongType", src, "// VOID") + "@Async method WrongType.nothing must return Task<T>, "
                        + "CompletableFuture<T> or CompletionStage<T>; change its return type (and end it with return "
                        + "Task.completed(value))");
    }

    @Test
    void asyncAbstractMethod() {
        String src = """
                public abstract class Abs { // CLASS
                    @Async public abstract Task<Integer> m(); // HERE
                }
                """;
        // An abstract method has no line-number entries; the nearest line the class has is its declaration
        // (javac gives the implicit constructor that line). Line 0 is not a source line.
        assertRejected(compile("Abs", src), "Abs", at("Abs", src, "// CLASS")
                + "@Async method Abs.m has no body; remove @Async from abstract and native methods and put it on the "
                + "implementations");
    }

    @Test
    void asyncInterfaceMethodWithoutBody() {
        String src = """
                public interface Itf { // CLASS
                    @Async Task<Integer> m(int x); // HERE
                }
                """;
        // This class file has no line-number entries at all, so only the path and the message are fixed.
        Instrumented code = compile("Itf", src);
        TransformResult r = code.results.get("p/Itf");
        assertFalse(r.changed());
        assertEquals(1, r.diagnostics().size());
        Diagnostic d = r.diagnostics().get(0);
        assertTrue(d.isError());
        assertEquals("p/Itf.java", d.sourcePath());
        assertEquals("@Async method Itf.m has no body; remove @Async from abstract and native methods and put it on "
                + "the implementations", d.message());
        assertEquals("p/Itf.java:" + d.line() + ": error: " + d.message(), d.toString());
    }

    @Test
    void rejectionsInOneClassAreAllReportedInSourceOrder() {
        String src = """
                public class Many {
                    public Many(Task<Integer> t) { int x = await(t); } // A
                    static int plain(Task<Integer> t) { return await(t); } // B
                    @Async static String bad() { return "x"; } // C
                }
                """;
        Instrumented code = compile("Many", src);
        TransformResult r = code.results.get("p/Many");
        assertFalse(r.changed());
        List<String> lines = r.diagnostics().stream().map(d -> d.sourcePath() + ":" + d.line()).toList();
        assertEquals(List.of("p/Many.java:" + lineOf(HEAD + src, "// A"), "p/Many.java:" + lineOf(HEAD + src, "// B"),
                "p/Many.java:" + lineOf(HEAD + src, "// C")), lines);
    }
    private static final String CONN = """
                static final class Conn implements AsyncCloseable {
                    public Task<Void> closeAsync() { return Task.done(); }
                }
            """;

    @Test
    void ownedOnATypeThatIsNotAsyncCloseable() {
        String src = """
                public class NotCloseable {
                    @Async public static Task<Integer> go(Task<String> t) {
                        @Owned String s = await(t); // HERE
                        return Task.completed(s.length());
                    }
                }
                """;
        assertRejected(compile("NotCloseable", src), "NotCloseable", at("NotCloseable", src, "// HERE")
                + "@Owned variable 's' in NotCloseable.go has type java.lang.String, which is not an AsyncCloseable; only an "
                + "AsyncCloseable can be owned: remove @Owned, or make the type implement dev.coda.AsyncCloseable");
    }

    @Test
    void ownedParameterOfATypeThatIsNotAsyncCloseable() {
        String src = """
                public class NotCloseableParam {
                    @Async public static Task<Integer> go(@Owned AutoCloseable c) {
                        return Task.completed(1); // HERE
                    }
                }
                """;
        assertRejected(compile("NotCloseableParam", src), "NotCloseableParam", at("NotCloseableParam", src, "// HERE")
                + "@Owned parameter 'c' in NotCloseableParam.go has type java.lang.AutoCloseable, which is not an AsyncCloseable; "
                + "only an AsyncCloseable can be owned: remove @Owned, or make the type implement dev.coda.AsyncCloseable");
    }

    @Test
    void assignmentToAnOwnedVariableThatMayStillHoldALiveValue() {
        String src = """
                public class Reassigned {
                """ + CONN + """
                    @Async public static Task<Integer> go(boolean b) {
                        @Owned Conn c = new Conn();
                        if (b) Coda.move(c);
                        c = new Conn(); // HERE
                        return Task.completed(1);
                    }
                }
                """;
        assertRejected(compile("Reassigned", src), "Reassigned", at("Reassigned", src, "// HERE")
                + "assignment to @Owned variable 'c' in Reassigned.go, which may still hold a live value; move the old value "
                + "out first with Coda.move(c), or declare a new variable");
    }

    /** A variable's name is quoted, so that one named like a word of the sentence ('in') reads as a name. */
    @Test
    void assignmentToAnOwnedParameterNamedLikeAWord() {
        String src = """
                public class Reader {
                """ + CONN + """
                    @Async public static Task<Integer> read(@Owned Conn in, boolean b) {
                        if (b) Coda.move(in);
                        in = new Conn(); // HERE
                        return Task.completed(1);
                    }
                }
                """;
        assertRejected(compile("Reader", src), "Reader", at("Reader", src, "// HERE")
                + "assignment to @Owned parameter 'in' in Reader.read, which may still hold a live value; move the old "
                + "value out first with Coda.move(in), or declare a new variable");
    }

    @Test
    void moveOfAValueThatIsNotOwned() {
        String src = """
                public class MoveUnowned {
                """ + CONN + """
                    @Async public static Task<Conn> go(Conn borrowed) {
                        return Task.completed(Coda.move(borrowed)); // HERE
                    }
                }
                """;
        assertRejected(compile("MoveUnowned", src), "MoveUnowned", at("MoveUnowned", src, "// HERE")
                + "Coda.move in MoveUnowned.go is given a value that is not owned here; pass it an @Owned variable "
                + "or a try-with-resources resource of an AsyncCloseable type");
    }

    @Test
    void anOwnedScopeThatEndsInsideASynchronizedBlock() {
        String src = """
                public class SyncDrop {
                """ + CONN + """
                    @Async public static Task<Integer> go(Object lock) {
                        synchronized (lock) {
                            @Owned Conn c = new Conn();
                            lock.hashCode();
                        } // HERE
                        return Task.completed(1);
                    }
                }
                """;
        Instrumented code = compile("SyncDrop", src);
        TransformResult r = code.results.get("p/SyncDrop");
        assertFalse(r.changed());
        assertEquals(List.of(at("SyncDrop", src, "lock.hashCode()") + "an owned value is dropped inside a synchronized "
                + "block in SyncDrop.go, and its close (closeAsync(), or abortAsync(cause) after an exception) would be "
                + "awaited while the monitor is held: end the "
                + "scope of the @Owned variable or try-with-resources outside the synchronized block"),
                r.diagnostics().stream().map(Diagnostic::toString).toList());
    }
}
