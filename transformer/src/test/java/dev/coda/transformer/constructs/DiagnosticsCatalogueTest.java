package dev.coda.transformer.constructs;

import static dev.coda.transformer.constructs.Driver.lineOf;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeFalse;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.coda.Task;
import dev.coda.transformer.ClassFileLocator;
import dev.coda.transformer.Diagnostic;
import dev.coda.transformer.TransformResult;
import dev.coda.transformer.Transformer;
import dev.coda.transformer.read.InstrumentedMarker;
import dev.coda.transformer.support.InMemoryCompiler;
import dev.coda.transformer.support.Instrumented;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;
import org.objectweb.asm.ClassReader;
import org.objectweb.asm.ClassWriter;
import org.objectweb.asm.Label;
import org.objectweb.asm.MethodVisitor;
import org.objectweb.asm.Opcodes;
import org.objectweb.asm.tree.ClassNode;

/**
 * Every entry of docs/diagnostics.md, triggered by the smallest program that should trigger it, checked from the
 * outside: the exact message, at the documented file and line, the rejected code left as compiled, and nothing else
 * reported (errors, held-lock warnings and blocking-close warnings of every class of the program together). Then
 * near-misses that must not be reported, and misuse the catalogue does not list.
 *
 * <p>Lines and variable names come from debug information: the tests that depend on them are skipped in the run
 * without it ({@code -Dcoda.debugInfo=none}), which has tests of its own at the end.
 */
class DiagnosticsCatalogueTest {
    private static final boolean NO_DEBUG = "none".equals(System.getProperty("coda.debugInfo"));

    private static final String HEAD = """
            package p;
            import dev.coda.*;
            import java.util.function.*;
            import java.util.concurrent.*;
            import java.util.concurrent.locks.*;
            import static dev.coda.Coda.await;
            """;

    private static final String CONN = """
                static int closed;
                static final class Conn implements AsyncCloseable {
                    public Task<Void> closeAsync() { closed++; return Task.done(); }
                }
            """;

    // ---- harness --------------------------------------------------------------------------------------------------

    /** One compiled, transformed program: p/CLS.java is HEAD + body. */
    private static final class Run {
        final String cls;
        final String src;
        final Instrumented code;

        Run(String cls, String body) {
            this.cls = cls;
            this.src = HEAD + body;
            this.code = Instrumented.compile("p/" + cls + ".java", src);
        }

        /** Every diagnostic of every class, in class order: errors and warnings, held locks, blocking closes. */
        List<String> all() {
            ClassFileLocator parent = ClassFileLocator.of(DiagnosticsCatalogueTest.class.getClassLoader());
            Transformer t = new Transformer(n -> code.output.containsKey(n) ? code.output.get(n) : parent.locate(n));
            List<String> all = new ArrayList<>();
            try {
                for (Map.Entry<String, TransformResult> e : code.results.entrySet()) {
                    e.getValue().diagnostics().forEach(d -> all.add(d.toString()));
                    e.getValue().heldLocks().forEach(d -> all.add(d.toString()));
                }
                for (byte[] bytes : code.output.values()) t.blockingCloses(bytes).forEach(d -> all.add(d.toString()));
            } catch (Exception e) {
                throw new AssertionError(e);
            }
            return all;
        }

        /** {@code p/CLS.java:LINE: KIND: } for the first line holding {@code marker}. */
        String at(String marker, String kind) {
            return "p/" + cls + ".java:" + lineOf(src, marker) + ": " + kind + ": ";
        }

        String error(String marker, String message) {
            return at(marker, "error") + message;
        }

        String warning(String marker, String message) {
            return at(marker, "warning") + message;
        }

        TransformResult result(String name) {
            TransformResult r = code.results.get("p/" + name);
            assertTrue(r != null, "no class p." + name + " in " + code.results.keySet());
            return r;
        }

        /** Exactly these diagnostics, and nothing else, in the whole program. */
        Run reports(String... expected) {
            assertEquals(List.of(expected), all());
            return this;
        }

        /** Class {@code name} is left exactly as compiled, and no state machine is written for it. */
        Run unchanged(String name) {
            TransformResult r = result(name);
            assertFalse(r.changed(), "p." + name + " should be left as compiled");
            assertTrue(r.generated().isEmpty(), r.generated().keySet().toString());
            return this;
        }

        Run changed(String name) {
            assertTrue(result(name).changed(), "p." + name + " should be rewritten");
            return this;
        }

        Object call(String name, String method, Object... args) throws Throwable {
            return code.call("p." + name, method, args);
        }

        int closed() throws Exception {
            return staticField("closed");
        }

        @SuppressWarnings("unchecked")
        <T> T staticField(String name) throws Exception {
            java.lang.reflect.Field f = code.load("p." + cls).getDeclaredField(name);
            f.setAccessible(true);
            return (T) f.get(null);
        }

        /** Method {@code method} of class {@code name} is written exactly as compiled (its opcodes compared). */
        Run methodAsCompiled(String name, String method) {
            byte[] written = code.output.get("p/" + name);
            assertEquals(opcodes(code.original.get("p/" + name), method), opcodes(written, method),
                    "p." + name + "." + method + " should be left as compiled");
            return this;
        }
    }

    private static List<Integer> opcodes(byte[] bytes, String method) {
        ClassNode c = new ClassNode();
        new ClassReader(bytes).accept(c, 0);
        List<Integer> ops = new ArrayList<>();
        for (org.objectweb.asm.tree.MethodNode m : c.methods) {
            if (!m.name.equals(method)) continue;
            for (org.objectweb.asm.tree.AbstractInsnNode n : m.instructions) if (n.getOpcode() >= 0) ops.add(n.getOpcode());
        }
        assertFalse(ops.isEmpty(), "no method " + method);
        return ops;
    }

    private static Run run(String cls, String body) {
        return new Run(cls, body);
    }

    /** The tests whose expectations name lines and variables need the debug information javac -g writes. */
    private static void needsDebugInfo() {
        assumeFalse(NO_DEBUG, "lines and names need debug information");
    }

    private static String outsideAsync(String where) {
        return "Coda.await in " + where + ", which is neither an @Async method nor an async lambda; annotate the method "
                + "with @Async and make it return Task<T> (or await inside a lambda that returns a Task)";
    }

    private static String notAsyncLambda(String where) {
        return "Coda.await in a lambda in " + where + ", which is not an async lambda (it does not return a Task, so it "
                + "cannot suspend); make the lambda return a Task (ending with return Task.completed(value)), or move "
                + "the await out of the lambda (for example, await the tasks in a loop)";
    }

    private static final String METHOD_REFERENCE = "Coda::await cannot be used as a method reference, since only a "
            + "direct call can suspend; call Coda.await(...) directly inside an @Async method or async lambda";

    private static String inConstructor(String cls) {
        return "Coda.await in a constructor of " + cls + " cannot suspend; move the awaiting code into an @Async factory "
                + "method or method";
    }

    private static final String IN_CLINIT = "Coda.await in a static initializer cannot suspend; move it into an @Async "
            + "method and start it from the caller";

    private static String synchronizedMethod(String where) {
        return "async method " + where + " is synchronized; a monitor cannot be held across an await: remove "
                + "'synchronized' and guard the state with an async-aware lock or confine it to one task";
    }

    private static String inSynchronizedBlock(String where) {
        return "Coda.await inside a synchronized block in " + where + "; a monitor cannot be held across a suspension: "
                + "move the await out of the synchronized block";
    }

    private static String wrongReturnType(String where) {
        return "@Async method " + where + " must return Task<T>, CompletableFuture<T> or CompletionStage<T>; change its "
                + "return type (and end it with return Task.completed(value))";
    }

    private static String noBody(String where) {
        return "@Async method " + where + " has no body; remove @Async from abstract and native methods and put it on "
                + "the implementations";
    }

    private static String notCloseable(String variable, String where, String type) {
        return variable + " in " + where + " has type " + type + ", which is not an AsyncCloseable; only an "
                + "AsyncCloseable can be owned: remove @Owned, or make the type implement dev.coda.AsyncCloseable";
    }

    private static String assignedLive(String variable, String where, String hint) {
        return "assignment to " + variable + " in " + where + ", which may still hold a live value; move the old value "
                + "out first with " + hint + ", or declare a new variable";
    }

    private static String moveUnowned(String where) {
        return "Coda.move in " + where + " is given a value that is not owned here; pass it an @Owned variable or a "
                + "try-with-resources resource of an AsyncCloseable type";
    }

    private static String droppedInSynchronized(String where) {
        return "an owned value is dropped inside a synchronized block in " + where + ", and its close (closeAsync(), or "
                + "abortAsync(cause) after an exception) would be awaited while the monitor is held: end the scope of "
                + "the @Owned variable or try-with-resources outside the synchronized block";
    }

    private static String blockingClose(String where, String type) {
        return where + " closes an AsyncCloseable (" + type + ") synchronously, blocking until its closeAsync() "
                + "completes (and throwing on a thread that runs a coroutine): close it in an @Async method, where "
                + "try-with-resources awaits closeAsync(), or await closeAsync() yourself";
    }

    // ==== Where await may stand =====================================================================================

    /** Reported once per method, at its first await; at run time the await throws, naming the method and the fix. */
    @Test
    void awaitInAPlainMethodIsReportedOnceAtItsFirstAwait() throws Throwable {
        needsDebugInfo();
        Run r = run("Plain", """
                public class Plain {
                    static int twice(Task<Integer> t) {
                        int a = 1;
                        a += await(t); // FIRST
                        a += await(t); // SECOND
                        return a;
                    }
                }
                """);
        r.reports(r.error("// FIRST", outsideAsync("Plain.twice"))).unchanged("Plain");
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> r.call("Plain", "twice", Task.completed(1)));
        assertTrue(e.getMessage().startsWith("Coda.await called in p.Plain.twice(Plain.java:" + lineOf(r.src, "// FIRST")
                + "), which was not rewritten into a state machine: annotate the method with @Async"), e.getMessage());
    }

    /** A Task-returning instance method of a nested class, not annotated: named with the simple binary name. */
    @Test
    void awaitInAnUnannotatedTaskMethodOfANestedClassNamesOuterDollarInner() {
        needsDebugInfo();
        Run r = run("Outer", """
                public class Outer {
                    class Inner {
                        Task<Integer> go(Task<Integer> t) {
                            return Task.completed(await(t)); // HERE
                        }
                    }
                }
                """);
        r.reports(r.error("// HERE", outsideAsync("Outer$Inner.go"))).unchanged("Outer$Inner");
    }

    /** A local class is not anonymous: only @Async makes its Task-returning method async. */
    @Test
    void awaitInAnUnannotatedMethodOfALocalClass() {
        needsDebugInfo();
        Run r = run("Local", """
                public class Local {
                    static Object make(Task<Integer> t) {
                        class Job {
                            Task<Integer> run() {
                                return Task.completed(await(t)); // HERE
                            }
                        }
                        return new Job();
                    }
                }
                """);
        r.reports(r.error("// HERE", outsideAsync("Local$1Job.run"))).unchanged("Local$1Job");
    }

    /** A method of an anonymous class that does not return a task is named Outer$1.m. */
    @Test
    void awaitInAnAnonymousClassMethodThatReturnsNoTask() {
        needsDebugInfo();
        Run r = run("Anon", """
                public class Anon {
                    static Supplier<Integer> make(Task<Integer> t) {
                        return new Supplier<Integer>() {
                            public Integer get() {
                                return await(t); // HERE
                            }
                        };
                    }
                }
                """);
        r.reports(r.error("// HERE", outsideAsync("Anon$1.get"))).unchanged("Anon$1");
    }

    /**
     * A rejected lambda left as compiled throws at run time, named as the table of run-time errors says: after the
     * method that holds it for javac's lambda names, after the class alone for ECJ's.
     */
    @Test
    void aRejectedLambdaThrowsNamingWhereItIs() throws Throwable {
        needsDebugInfo();
        Run r = run("LamRun", """
                public class LamRun {
                    static int go(Task<Integer> t) {
                        Supplier<Integer> s = () -> await(t); // HERE
                        return s.get();
                    }
                }
                """);
        r.reports(r.error("// HERE", notAsyncLambda("LamRun.go")));
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> r.call("LamRun", "go", Task.completed(1)));
        String where = InMemoryCompiler.ecj() ? "p.LamRun" : "p.LamRun.go";
        assertTrue(e.getMessage().startsWith("Coda.await called in a lambda in " + where + "(LamRun.java:"
                + lineOf(r.src, "// HERE") + "), which was not rewritten into a state machine"), e.getMessage());
    }

    /** A second top-level class of a file is reported under that file (its SourceFile attribute), as javac does. */
    @Test
    void aSecondTopLevelClassIsReportedUnderItsFile() {
        needsDebugInfo();
        Run r = run("Main", """
                public class Main {}
                class Helper {
                    static class Nested {
                        static int go(Task<Integer> t) {
                            return await(t); // HERE
                        }
                    }
                }
                """);
        r.reports(r.error("// HERE", outsideAsync("Helper$Nested.go"))).unchanged("Helper$Nested");
    }

    /** A default method of an interface that awaits without @Async. */
    @Test
    void awaitInAnUnannotatedDefaultMethod() {
        needsDebugInfo();
        Run r = run("Itf", """
                public interface Itf {
                    default Task<Integer> go(Task<Integer> t) {
                        return Task.completed(await(t) + 1); // HERE
                    }
                }
                """);
        r.reports(r.error("// HERE", outsideAsync("Itf.go"))).unchanged("Itf");
    }

    /** Once per lambda, at its first await, named after the method that creates it. */
    @Test
    void awaitInALambdaThatIsNotAsyncIsReportedOncePerLambda() {
        needsDebugInfo();
        Run r = run("Lam", """
                public class Lam {
                    static Function<Task<Integer>, Integer> make() {
                        return t -> {
                            int a = await(t); // FIRST
                            return a + await(t); // SECOND
                        };
                    }
                }
                """);
        r.reports(r.error("// FIRST", notAsyncLambda("Lam.make"))).unchanged("Lam");
    }

    /** A lambda in a static field's initialiser is "a lambda in the static initializer of X". */
    @Test
    void awaitInALambdaInAStaticFieldInitialiser() {
        needsDebugInfo();
        Run r = run("StaticField", """
                public class StaticField {
                    static final Task<Integer> T = Task.completed(1);
                    static final Supplier<Integer> S = () -> await(T); // HERE
                }
                """);
        r.reports(r.error("// HERE", "Coda.await in a lambda in the static initializer of StaticField, which is not an "
                + "async lambda (it does not return a Task, so it cannot suspend); make the lambda return a Task (ending "
                + "with return Task.completed(value)), or move the await out of the lambda (for example, await the tasks "
                + "in a loop)")).unchanged("StaticField");
    }

    /** A lambda in an interface constant's initialiser: the interface's static initializer. */
    @Test
    void awaitInALambdaInAnInterfaceConstant() {
        needsDebugInfo();
        Run r = run("Consts", """
                public interface Consts {
                    Function<Task<String>, String> F = t -> await(t); // HERE
                }
                """);
        r.reports(r.error("// HERE", "Coda.await in a lambda in the static initializer of Consts, which is not an "
                + "async lambda (it does not return a Task, so it cannot suspend); make the lambda return a Task (ending "
                + "with return Task.completed(value)), or move the await out of the lambda (for example, await the tasks "
                + "in a loop)")).unchanged("Consts");
    }

    /** A lambda in an instance field's initialiser is "a lambda in a constructor of X". */
    @Test
    void awaitInALambdaInAnInstanceFieldInitialiser() {
        needsDebugInfo();
        Run r = run("InstField", """
                public class InstField {
                    final Task<Integer> t = Task.completed(1);
                    final Supplier<Integer> s = () -> await(t); // HERE
                }
                """);
        r.reports(r.error("// HERE", "Coda.await in a lambda in a constructor of InstField, which is not an async "
                + "lambda (it does not return a Task, so it cannot suspend); make the lambda return a Task (ending with "
                + "return Task.completed(value)), or move the await out of the lambda (for example, await the tasks in "
                + "a loop)")).unchanged("InstField");
    }

    @Test
    void awaitAsAMethodReferenceInAPlainMethod() {
        needsDebugInfo();
        Run r = run("Ref", """
                public class Ref {
                    static java.util.List<String> all(java.util.List<Task<String>> tasks) {
                        return tasks.stream().map(Coda::await).toList(); // HERE
                    }
                }
                """);
        r.reports(r.error("// HERE", METHOD_REFERENCE)).unchanged("Ref");
    }

    /** A method reference to the CompletionStage overload is refused the same way. */
    @Test
    void awaitOfAStageAsAMethodReferenceInAnAsyncLambda() {
        needsDebugInfo();
        Run r = run("StageRef", """
                public class StageRef {
                    static Supplier<Task<Integer>> make(CompletableFuture<Integer> f) {
                        return () -> {
                            Function<CompletionStage<Integer>, Integer> g = Coda::await; // HERE
                            return Task.completed(g.apply(f));
                        };
                    }
                }
                """);
        r.reports(r.error("// HERE", METHOD_REFERENCE)).unchanged("StageRef");
    }

    /** In a constructor of a nested class, named by its simple binary name. */
    @Test
    void awaitInAConstructorOfANestedClass() throws Throwable {
        needsDebugInfo();
        Run r = run("Box", """
                public class Box {
                    static final class Inner {
                        final int v;
                        Inner(Task<Integer> t) {
                            int x = 2;
                            this.v = x * await(t); // HERE
                        }
                    }
                }
                """);
        r.reports(r.error("// HERE", inConstructor("Box$Inner"))).unchanged("Box$Inner");
    }

    /** An instance initialiser block runs in the constructors: the same error, at the await. */
    @Test
    void awaitInAnInstanceInitialiserBlock() {
        needsDebugInfo();
        Run r = run("Init", """
                public class Init {
                    static final Task<Integer> T = Task.completed(1);
                    int v;
                    {
                        v = await(T); // HERE
                    }
                }
                """);
        r.reports(r.error("// HERE", inConstructor("Init"))).unchanged("Init");
    }

    /** A record's compact constructor. */
    @Test
    void awaitInARecordCompactConstructor() {
        needsDebugInfo();
        Run r = run("Rec", """
                public record Rec(int v, Task<Integer> t) {
                    public Rec {
                        v = v + await(t); // HERE
                    }
                }
                """);
        r.reports(r.error("// HERE", inConstructor("Rec"))).unchanged("Rec");
    }

    /** An enum's static initialiser (a constant's argument); no class name in this message. */
    @Test
    void awaitInAnEnumConstantArgument() {
        needsDebugInfo();
        Run r = run("Level", """
                public enum Level {
                    LOW(await(Task.completed(1))); // HERE
                    final int v;
                    Level(int v) { this.v = v; }
                }
                """);
        r.reports(r.error("// HERE", IN_CLINIT)).unchanged("Level");
    }

    /** An interface constant computed by an await: the interface's static initialiser. */
    @Test
    void awaitInAnInterfaceConstant() {
        needsDebugInfo();
        Run r = run("IConst", """
                public interface IConst {
                    int V = await(Task.completed(1)); // HERE
                }
                """);
        r.reports(r.error("// HERE", IN_CLINIT)).unchanged("IConst");
    }

    /** An @Async synchronized method: at its first await. */
    @Test
    void asyncSynchronizedMethodIsReportedAtItsFirstAwait() {
        needsDebugInfo();
        Run r = run("SyncM", """
                public class SyncM {
                    @Async synchronized Task<Integer> go(Task<Integer> t) {
                        int a = 1;
                        a += await(t); // HERE
                        return Task.completed(a + await(t));
                    }
                }
                """);
        r.reports(r.error("// HERE", synchronizedMethod("SyncM.go"))).unchanged("SyncM");
    }

    /** An @Async synchronized method with no await: at the method's first line, the line of its first statement. */
    @Test
    void asyncSynchronizedMethodWithoutAwaitIsReportedAtItsFirstLine() {
        needsDebugInfo();
        Run r = run("SyncNo", """
                public class SyncNo {
                    @Async static synchronized Task<Integer> go(int x) {
                        int y = x + 1; // FIRST
                        return Task.completed(y);
                    }
                }
                """);
        r.reports(r.error("// FIRST", synchronizedMethod("SyncNo.go"))).unchanged("SyncNo");
    }

    /** "An @Async method, or a method that awaits, is declared synchronized": the unannotated one gets this error. */
    @Test
    void aSynchronizedPlainMethodThatAwaitsIsReportedAsSynchronized() {
        needsDebugInfo();
        Run r = run("SyncPlain", """
                public class SyncPlain {
                    synchronized int go(Task<Integer> t) {
                        return await(t); // HERE
                    }
                }
                """);
        r.reports(r.error("// HERE", synchronizedMethod("SyncPlain.go"))).unchanged("SyncPlain");
    }

    /** Reported at each await that runs with a monitor held, in an async block of an anonymous class too. */
    @Test
    void awaitsInsideASynchronizedBlockAreEachReported() {
        needsDebugInfo();
        Run r = run("SyncB", """
                public class SyncB {
                    static Supplier<Task<Integer>> make(Object lock, Task<Integer> t) {
                        return new Supplier<Task<Integer>>() {
                            public Task<Integer> get() {
                                int a = await(t);
                                synchronized (lock) {
                                    a += await(t); // ONE
                                    a += await(t); // TWO
                                }
                                return Task.completed(a);
                            }
                        };
                    }
                }
                """);
        r.reports(r.error("// ONE", inSynchronizedBlock("SyncB$1.get")), r.error("// TWO", inSynchronizedBlock("SyncB$1.get")))
                .unchanged("SyncB$1");
    }

    /**
     * The catalogue's "object under construction held in a local variable": bytecode no compiler writes, built with
     * ASM (NEW stored in a local, an await, then the constructor call on that local).
     */
    @Test
    void anObjectUnderConstructionHeldInALocalAcrossAnAwait() throws Exception {
        ClassWriter cw = new ClassWriter(ClassWriter.COMPUTE_FRAMES | ClassWriter.COMPUTE_MAXS);
        cw.visit(Opcodes.V17, Opcodes.ACC_PUBLIC | Opcodes.ACC_SUPER, "p/Raw", null, "java/lang/Object", null);
        cw.visitSource("Raw.java", null);
        MethodVisitor mv = cw.visitMethod(Opcodes.ACC_PUBLIC | Opcodes.ACC_STATIC, "go",
                "(Ldev/coda/Task;)Ldev/coda/Task;", null, null);
        mv.visitAnnotation("Ldev/coda/Async;", false).visitEnd();
        mv.visitCode();
        Label l7 = new Label();
        mv.visitLabel(l7);
        mv.visitLineNumber(7, l7);
        mv.visitTypeInsn(Opcodes.NEW, "java/lang/StringBuilder");
        mv.visitVarInsn(Opcodes.ASTORE, 1);
        Label l8 = new Label();
        mv.visitLabel(l8);
        mv.visitLineNumber(8, l8);
        mv.visitVarInsn(Opcodes.ALOAD, 0);
        mv.visitMethodInsn(Opcodes.INVOKESTATIC, "dev/coda/Coda", "await", "(Ldev/coda/Task;)Ljava/lang/Object;", false);
        mv.visitInsn(Opcodes.POP);
        mv.visitVarInsn(Opcodes.ALOAD, 1);
        mv.visitMethodInsn(Opcodes.INVOKESPECIAL, "java/lang/StringBuilder", "<init>", "()V", false);
        mv.visitVarInsn(Opcodes.ALOAD, 1);
        mv.visitMethodInsn(Opcodes.INVOKESTATIC, "dev/coda/Task", "completed", "(Ljava/lang/Object;)Ldev/coda/Task;", false);
        mv.visitInsn(Opcodes.ARETURN);
        mv.visitMaxs(0, 0);
        mv.visitEnd();
        cw.visitEnd();
        Instrumented code = Instrumented.of(Map.of("p/Raw", cw.toByteArray()));
        TransformResult r = code.results.get("p/Raw");
        assertEquals(List.of("p/Raw.java:8: error: cannot suspend at this Coda.await in Raw.go: an object under "
                        + "construction is held in a local variable; assign the awaited value to a local variable first"),
                r.diagnostics().stream().map(Diagnostic::toString).toList());
        assertFalse(r.changed());
    }

    /**
     * An @Async method whose compiled code does not type-check (it returns a String as a Task), built with ASM: refused
     * as a malformed class file naming the method, never rewritten and never a crash.
     */
    @Test
    void anAsyncMethodThatDoesNotTypeCheckIsAMalformedClass() {
        ClassWriter cw = new ClassWriter(ClassWriter.COMPUTE_FRAMES | ClassWriter.COMPUTE_MAXS);
        cw.visit(Opcodes.V17, Opcodes.ACC_PUBLIC | Opcodes.ACC_SUPER, "p/Bad", null, "java/lang/Object", null);
        cw.visitSource("Bad.java", null);
        MethodVisitor mv = cw.visitMethod(Opcodes.ACC_PUBLIC | Opcodes.ACC_STATIC, "go",
                "(Ldev/coda/Task;)Ldev/coda/Task;", null, null);
        mv.visitAnnotation("Ldev/coda/Async;", false).visitEnd();
        mv.visitCode();
        mv.visitVarInsn(Opcodes.ALOAD, 0);
        mv.visitMethodInsn(Opcodes.INVOKESTATIC, "dev/coda/Coda", "await", "(Ldev/coda/Task;)Ljava/lang/Object;", false);
        mv.visitInsn(Opcodes.POP);
        mv.visitLdcInsn("not a task");
        mv.visitInsn(Opcodes.ARETURN);
        mv.visitMaxs(0, 0);
        mv.visitEnd();
        cw.visitEnd();
        byte[] bytes = cw.toByteArray();
        dev.coda.transformer.read.ClassFileFacts.MalformedClassException e = assertThrows(
                dev.coda.transformer.read.ClassFileFacts.MalformedClassException.class,
                () -> transformer(Map.of("p/Bad", bytes)).transform(bytes));
        assertTrue(e.getMessage().contains("p.Bad.go(Ldev/coda/Task;)Ldev/coda/Task;"), e.getMessage());
    }

    /** Outside async code Coda.move "only returns its argument": no diagnostic. */
    @Test
    void moveInAPlainMethodIsNotReported() throws Throwable {
        Run r = run("PlainMove", "public class PlainMove {\n" + CONN + """
                    static Conn go(Conn c) { return Coda.move(c); }
                }
                """);
        r.reports().unchanged("PlainMove");
        assertEquals(null, r.call("PlainMove", "go", (Object) null));
    }

    // ==== Async declarations ========================================================================================

    /** int, void, Object and a Task subclass are all refused, each at its method's first line. */
    @Test
    void asyncMethodsWithOtherReturnTypes() {
        needsDebugInfo();
        Run r = run("Ret", """
                public class Ret {
                    @Async static int anInt(Task<Integer> t) {
                        return await(t); // INT
                    }
                    @Async static void nothing() {
                        System.out.println(); // VOID
                    }
                    @Async static Object anObject() {
                        return Task.done(); // OBJECT
                    }
                    @Async static CompletableTask<Integer> subclass() {
                        return new CompletableTask<>(); // SUBCLASS
                    }
                    @Async static java.util.concurrent.Future<Integer> future() {
                        return CompletableFuture.completedFuture(1); // FUTURE
                    }
                }
                """);
        r.reports(r.error("// INT", wrongReturnType("Ret.anInt")), r.error("// VOID", wrongReturnType("Ret.nothing")),
                r.error("// OBJECT", wrongReturnType("Ret.anObject")), r.error("// SUBCLASS", wrongReturnType("Ret.subclass")),
                r.error("// FUTURE", wrongReturnType("Ret.future"))).unchanged("Ret");
    }

    /** A native method has no line entries: the class's first line (that of its declaration, the implicit constructor's). */
    @Test
    void asyncNativeMethodHasNoBody() {
        needsDebugInfo();
        Run r = run("Nat", """
                public class Nat { // CLASS
                    @Async static native Task<Integer> go(int x);
                }
                """);
        r.reports(r.error("// CLASS", noBody("Nat.go"))).unchanged("Nat");
    }

    /** An abstract @Async method that also has the wrong type: the return type is what is reported. */
    @Test
    void abstractAsyncMethodWithAWrongReturnTypeReportsTheType() {
        needsDebugInfo();
        Run r = run("AbsInt", """
                public abstract class AbsInt { // CLASS
                    @Async abstract int go();
                }
                """);
        r.reports(r.error("// CLASS", wrongReturnType("AbsInt.go"))).unchanged("AbsInt");
    }

    /** An instance method: the count says "with the receiver". javac allows 255 slots, the receiver included. */
    @Test
    void anInstanceMethodWhoseParametersTakeEverySlotIsNamedWithTheReceiver() {
        needsDebugInfo();
        StringBuilder ints = new StringBuilder();
        for (int i = 0; i < 253; i++) ints.append("int a").append(i).append(", ");
        Run r = run("Wide", "public class Wide {\n    @Async Task<Integer> go(" + ints + "Task<Integer> t) {\n"
                + "        return Task.completed(await(t) + a0); // HERE\n    }\n}\n");
        r.reports(r.error("// HERE", "cannot rewrite Wide.go: its parameters take 255 slots with the receiver, and its "
                + "body takes the state machine in one more (the JVM allows 255); pass some of them in an object"))
                .unchanged("Wide");
    }

    // ==== Ownership =================================================================================================

    /** In a lambda: named "a lambda in X.m", at the declaration. */
    @Test
    void ownedLocalOfANonCloseableTypeInAnAsyncLambda() {
        needsDebugInfo();
        Run r = run("OwnLam", """
                public class OwnLam {
                    static Supplier<Task<Integer>> make(Task<StringBuilder> t) {
                        return () -> {
                            @Owned StringBuilder s = await(t); // HERE
                            return Task.completed(s.length());
                        };
                    }
                }
                """);
        r.reports(r.error("// HERE", notCloseable("@Owned variable 's'", "a lambda in OwnLam.make",
                "java.lang.StringBuilder"))).unchanged("OwnLam");
    }

    /** A generic parameter whose erasure is Object cannot be owned: named with its erased type. */
    @Test
    void ownedParameterOfAnUnboundedTypeVariable() {
        needsDebugInfo();
        Run r = run("OwnT", """
                public class OwnT {
                    @Async static <C> Task<Integer> go(@Owned C c, Task<Integer> t) {
                        int v = await(t); // FIRST
                        return Task.completed(v);
                    }
                }
                """);
        r.reports(r.error("// FIRST", notCloseable("@Owned parameter 'c'", "OwnT.go", "java.lang.Object")))
                .unchanged("OwnT");
    }

    /** {@code Conn @Owned []}: the array itself is annotated, and an array is no AsyncCloseable. */
    @Test
    void ownedArrayOfCloseablesIsRefusedByItsArrayType() {
        needsDebugInfo();
        Run r = run("OwnArr", "public class OwnArr {\n" + CONN + """
                    @Async static Task<Integer> go(Task<Integer> t) {
                        Conn @Owned [] cs = { new Conn() }; // HERE
                        return Task.completed(await(t) + cs.length);
                    }
                }
                """);
        r.reports(r.error("// HERE", notCloseable("@Owned variable 'cs'", "OwnArr.go", "p.OwnArr$Conn[]")))
                .unchanged("OwnArr");
    }

    /** A loop that assigns an owned variable declared null: the second iteration may overwrite a live value. */
    @Test
    void assignmentInALoopOverALiveOwnedValue() {
        needsDebugInfo();
        Run r = run("Loop", "public class Loop {\n" + CONN + """
                    @Async static Task<Integer> go(int n, Task<Integer> t) {
                        @Owned Conn c = null;
                        for (int i = 0; i < n; i++) {
                            c = new Conn(); // HERE
                            await(t);
                        }
                        return Task.completed(1);
                    }
                }
                """);
        r.reports(r.error("// HERE", assignedLive("@Owned variable 'c'", "Loop.go", "Coda.move(c)"))).unchanged("Loop");
    }

    /** An owned parameter overwritten on the exceptional path: "the check follows exceptions". */
    @Test
    void assignmentToAnOwnedParameterInACatchAfterAMoveInTheTry() {
        needsDebugInfo();
        Run r = run("Catch", "public class Catch {\n" + CONN + """
                    @Async static Task<Integer> take(@Owned Conn c) { return Task.completed(1); }
                    @Async static Task<Integer> go(@Owned Conn c, Task<Integer> t) {
                        try {
                            await(t);
                            await(take(Coda.move(c)));
                        } catch (RuntimeException e) {
                            c = new Conn(); // HERE
                        }
                        return Task.completed(1);
                    }
                }
                """);
        // take is rewritten, so the class changes; go is left as compiled.
        r.reports(r.error("// HERE", assignedLive("@Owned parameter 'c'", "Catch.go", "Coda.move(c)")))
                .methodAsCompiled("Catch", "go");
    }

    /** A field is not owned: moving it is refused. */
    @Test
    void moveOfAField() {
        needsDebugInfo();
        Run r = run("MoveField", "public class MoveField {\n" + CONN + """
                    Conn held = new Conn();
                    @Async Task<Conn> go(Task<Integer> t) {
                        await(t);
                        return Task.completed(Coda.move(held)); // HERE
                    }
                }
                """);
        r.reports(r.error("// HERE", moveUnowned("MoveField.go"))).unchanged("MoveField");
    }

    /** A try-with-resources of an AsyncCloseable that ends inside a synchronized block: reported once per method. */
    @Test
    void aResourceClosedInsideASynchronizedBlock() {
        needsDebugInfo();
        Run r = run("SyncTwr", "public class SyncTwr {\n" + CONN + """
                    @Async static Task<Integer> go(Object lock, boolean b, Task<Integer> t) {
                        int v = await(t);
                        synchronized (lock) {
                            try (Conn c = new Conn()) { // RESOURCE
                                if (b) return Task.completed(0);
                                v += c.hashCode();
                            }
                        }
                        return Task.completed(v);
                    }
                }
                """);
        List<String> all = r.all();
        assertEquals(2, all.size(), all.toString());
        // The drop has no line of its own: the compilers put the close of a try-with-resources on lines of their own
        // choosing (javac: the closing brace of the try); what holds for both is the file and the message.
        assertTrue(all.get(0).matches("p/SyncTwr\\.java:\\d+: error: .*"), all.toString());
        assertTrue(all.get(0).endsWith(": error: " + droppedInSynchronized("SyncTwr.go")), all.toString());
        // Documented: a method left as compiled keeps its closes, which are then blocking closes.
        assertEquals(r.warning("// RESOURCE", blockingClose("SyncTwr.go", "p.SyncTwr$Conn")), all.get(1));
        r.unchanged("SyncTwr");
    }

    /**
     * An @Owned local declared without an initialiser but assigned on both branches of an if: both compilers record
     * a store before its range, so it is not the catalogue's "without a declaration", and it is owned and dropped.
     */
    @Test
    void anOwnedLocalDeclaredWithoutAnInitialiserButAssignedOnEveryPathIsOwned() throws Throwable {
        Run r = run("NoInit", "public class NoInit {\n" + CONN + """
                    @Async static Task<Integer> go(boolean b, Task<Integer> t) {
                        @Owned Conn c;
                        if (b) c = new Conn();
                        else c = new Conn();
                        int v = await(t);
                        return Task.completed(v + c.hashCode() * 0);
                    }
                }
                """);
        r.reports().changed("NoInit");
        assertEquals(1, ((Task<?>) r.call("NoInit", "go", true, Task.completed(1))).join());
        assertEquals(1, ((Task<?>) r.call("NoInit", "go", false, Task.completed(1))).join());
        assertEquals(2, r.closed());
    }

    // ==== Class-level errors ========================================================================================

    private static final String SIMPLE = """
            public class V { // CLASS
                @Async static Task<Integer> go(Task<Integer> t) {
                    return Task.completed(await(t) + 1);
                }
            }
            """;

    private static Transformer transformer(Map<String, byte[]> classes) {
        ClassFileLocator parent = ClassFileLocator.of(DiagnosticsCatalogueTest.class.getClassLoader());
        return new Transformer(n -> classes.containsKey(n) ? classes.get(n) : parent.locate(n));
    }

    @Test
    void aClassOfJava16IsRefusedAtItsFirstLine() throws Exception {
        needsDebugInfo();
        Map<String, byte[]> classes = InMemoryCompiler.compile(Map.of("p/V.java", HEAD + SIMPLE));
        byte[] bytes = classes.get("p/V").clone();
        bytes[6] = 0;
        bytes[7] = 60;
        TransformResult r = transformer(classes).transform(bytes);
        assertEquals(List.of("p/V.java:" + lineOf(HEAD + SIMPLE, "// CLASS") + ": error: class p.V has class-file version "
                + "60 (Java 16); Coda reads and writes versions 61 to 72 (Java 17 to 28): compile it with a supported "
                + "--release"), r.diagnostics().stream().map(Diagnostic::toString).toList());
        assertFalse(r.changed());
    }

    /** The superclass of a type a rewritten method merges is missing: named, at the class's first line. */
    @Test
    void aMissingSupertypeIsNamed() throws Exception {
        needsDebugInfo();
        String src = HEAD + """
                public class Miss { // CLASS
                    static class Base {}
                    static class A extends Base {}
                    static class B extends Base {}
                    @Async static Task<Integer> go(boolean b, Task<Integer> t) {
                        Base v = b ? new A() : new B();
                        int n = await(t);
                        return Task.completed(n + v.hashCode());
                    }
                }
                """;
        Map<String, byte[]> classes = new java.util.TreeMap<>(InMemoryCompiler.compile(Map.of("p/Miss.java", src)));
        classes.remove("p/Miss$Base");
        TransformResult r = transformer(classes).transform(classes.get("p/Miss"));
        assertEquals(List.of("p/Miss.java:" + lineOf(src, "// CLASS") + ": error: cannot rewrite p.Miss: cannot find "
                + "class p.Miss$Base (the rewrite needs its superclass and interfaces); is it on the classpath?"),
                r.diagnostics().stream().map(Diagnostic::toString).toList());
        assertFalse(r.changed());
    }

    @Test
    void aClassRewrittenInAnotherFormatIsNamedAtItsFirstLine() throws Exception {
        needsDebugInfo();
        Map<String, byte[]> classes = InMemoryCompiler.compile(Map.of("p/V.java", HEAD + SIMPLE));
        Transformer t = transformer(classes);
        TransformResult once = t.transform(classes.get("p/V"));
        assertTrue(once.changed());
        ClassNode node = new ClassNode();
        new ClassReader(once.bytes()).accept(node, InstrumentedMarker.prototypes(), 0);
        assertTrue(node.attrs.removeIf(a -> a.type.equals(InstrumentedMarker.NAME)));
        node.attrs.add(new InstrumentedMarker(1));
        ClassWriter w = new ClassWriter(0);
        node.accept(w);
        TransformResult r = t.transform(w.toByteArray());
        List<String> got = r.diagnostics().stream().map(Diagnostic::toString).toList();
        assertEquals(1, got.size(), got.toString());
        // The rewritten class's smallest line: its lines are those of the compiled class.
        assertEquals("p/V.java:" + lineOf(HEAD + SIMPLE, "// CLASS") + ": error: class p.V was rewritten by another "
                + "version of Coda (format 1; this one writes format 2), whose code calls the runtime of that version: "
                + "compile it again from its source (with Maven, mvn clean)", got.get(0));
        assertFalse(r.changed());
    }

    /** A class whose constant pool is nearly full as compiled: the rewrite's extra constants do not fit. */
    @Test
    void aClassWhoseConstantPoolOverflowsOnceRewritten() {
        needsDebugInfo();
        StringBuilder fields = new StringBuilder();
        for (int i = 0; i < 32722; i++) fields.append("    static final int f").append(i).append(" = ").append(100000 + i).append(";\n");
        Run r = run("Pool", "public class Pool { // CLASS\n" + fields + """
                    @Async static Task<Integer> go(Task<Integer> t) {
                        return Task.completed(await(t) + 1);
                    }
                }
                """);
        List<String> all = r.all();
        assertEquals(1, all.size(), all.toString());
        // 32722 fields take 65494 entries as compiled (both compilers); N depends on what the rewrite adds.
        String prefix = r.error("// CLASS", "cannot rewrite p.Pool: its constant pool would hold ");
        assertTrue(all.get(0).startsWith(prefix), all.toString());
        assertTrue(all.get(0).substring(prefix.length()).matches("\\d+ entries once rewritten \\(the JVM allows 65535\\): "
                + "move code or constants into a class of their own"), all.toString());
        r.unchanged("Pool");
    }

    // ==== Warnings ==================================================================================================

    /** A Lock held across an await: a warning at the await, naming the lock()'s line; the method is still rewritten. */
    @Test
    void aLockHeldAcrossAnAwaitIsAWarningAndTheMethodIsStillRewritten() {
        needsDebugInfo();
        Run r = run("Held", """
                public class Held {
                    @Async static Task<Integer> go(Lock lock, Task<Integer> t) {
                        lock.lock(); // LOCKED
                        try {
                            return Task.completed(await(t)); // AWAIT
                        } finally {
                            lock.unlock();
                        }
                    }
                }
                """);
        r.reports(r.warning("// AWAIT", "Held.go may still hold the java.util.concurrent.locks.Lock it locked at line "
                + lineOf(r.src, "// LOCKED") + " when it reaches this await; a Lock belongs to the thread that locked it "
                + "and the method may resume on another, where unlock() throws IllegalMonitorStateException and the lock "
                + "stays held: unlock before the await")).changed("Held");
    }

    /** Two locks that may both be held: one warning, listing where each was locked, in line order. */
    @Test
    void twoLocksHeldAcrossAnAwaitAreListedInOneWarning() {
        needsDebugInfo();
        Run r = run("Held2", """
                public class Held2 {
                    static final ReentrantLock A = new ReentrantLock();
                    @Async static Task<Integer> go(Lock b, Task<Integer> t) {
                        A.lock(); // FIRST
                        b.lock(); // SECOND
                        int v = await(t); // AWAIT
                        b.unlock();
                        A.unlock();
                        return Task.completed(v);
                    }
                }
                """);
        r.reports(r.warning("// AWAIT", "Held2.go may still hold the java.util.concurrent.locks.Lock it locked at line "
                + lineOf(r.src, "// FIRST") + ", line " + lineOf(r.src, "// SECOND") + " when it reaches this await; a "
                + "Lock belongs to the thread that locked it and the method may resume on another, where unlock() throws "
                + "IllegalMonitorStateException and the lock stays held: unlock before the await")).changed("Held2");
    }

    /** Unlocked before the await, on every path including the exceptional one: no warning. */
    @Test
    void aLockReleasedBeforeTheAwaitIsNotWarned() throws Throwable {
        Run r = run("Released", """
                public class Released {
                    static int n;
                    @Async static Task<Integer> go(Lock lock, Task<Integer> t) {
                        lock.lock();
                        try { n++; } finally { lock.unlock(); }
                        return Task.completed(await(t) + n);
                    }
                }
                """);
        r.reports().changed("Released");
        assertEquals(2, ((Task<?>) r.call("Released", "go", new ReentrantLockHolder().lock, Task.completed(1))).join());
    }

    private static final class ReentrantLockHolder {
        final java.util.concurrent.locks.Lock lock = new java.util.concurrent.locks.ReentrantLock();
    }

    /** A blocking close in ordinary code is a warning at the resource; the same in an @Async method is a drop. */
    @Test
    void aBlockingCloseIsWarnedOnlyOutsideAsyncCode() throws Throwable {
        needsDebugInfo();
        Run r = run("Blk", "public class Blk {\n" + CONN + """
                    static int plain() {
                        try (Conn c = new Conn()) { // PLAIN
                            return c.hashCode();
                        }
                    }
                    @Async static Task<Integer> async(Task<Integer> t) {
                        try (Conn c = new Conn()) {
                            return Task.completed(await(t));
                        }
                    }
                }
                """);
        r.reports(r.warning("// PLAIN", blockingClose("Blk.plain", "p.Blk$Conn"))).changed("Blk");
        assertEquals(7, ((Task<?>) r.call("Blk", "async", Task.completed(7))).join());
        assertEquals(1, r.closed());
    }

    // ==== Near-misses: legal code that looks like the bad cases =====================================================

    /** An async lambda created inside a synchronized block awaits outside the monitor: legal. */
    @Test
    void anAsyncLambdaCreatedInsideASynchronizedBlockIsFine() throws Throwable {
        Run r = run("LamSync", """
                public class LamSync {
                    static synchronized Supplier<Task<Integer>> make(Object lock, Task<Integer> t) {
                        synchronized (lock) {
                            return () -> Task.completed(await(t) + 1);
                        }
                    }
                    static Task<Integer> go(Task<Integer> t) {
                        return make(new Object(), t).get();
                    }
                }
                """);
        r.reports().changed("LamSync");
        assertEquals(42, ((Task<?>) r.call("LamSync", "go", Task.completed(41))).join());
    }

    /** A synchronized block that holds no await, in an async method, with awaits around it. */
    @Test
    void aSynchronizedBlockWithoutAnAwaitIsFine() throws Throwable {
        Run r = run("SyncOk", """
                public class SyncOk {
                    static int total;
                    @Async static Task<Integer> go(Object lock, Task<Integer> t) {
                        int n = await(t);
                        synchronized (lock) { total += n; }
                        return Task.completed(total + await(t));
                    }
                }
                """);
        r.reports().changed("SyncOk");
        assertEquals(4, ((Task<?>) r.call("SyncOk", "go", new Object(), Task.completed(2))).join());
    }

    /** A user method named await, called and referenced in plain code: only dev.coda.Coda.await counts. */
    @Test
    void aMethodOfAnotherClassNamedAwaitIsNotCodas() throws Throwable {
        Run r = run("MyAwait", """
                public class MyAwait {
                    static <T> T await(Task<T> t) { return t.join(); }
                    static int go(Task<Integer> t) {
                        Function<Task<Integer>, Integer> f = MyAwait::await;
                        return MyAwait.await(t) + f.apply(t);
                    }
                    static Task<Void> viaCoda() { return Task.done(); } // mentions Coda through Task only
                }
                """);
        r.reports();
        assertEquals(6, r.call("MyAwait", "go", Task.completed(3)));
    }

    /** An @Owned local declared in a loop body is a new variable each iteration: no assignment over a live value. */
    @Test
    void anOwnedLocalDeclaredInALoopIsDroppedEachIteration() throws Throwable {
        Run r = run("LoopOk", "public class LoopOk {\n" + CONN + """
                    @Async static Task<Integer> go(int n, Task<Integer> t) {
                        int s = 0;
                        for (int i = 0; i < n; i++) {
                            @Owned Conn c = new Conn();
                            s += await(t) + c.hashCode() * 0;
                        }
                        return Task.completed(s);
                    }
                }
                """);
        r.reports().changed("LoopOk");
        assertEquals(6, ((Task<?>) r.call("LoopOk", "go", 3, Task.completed(2))).join());
        assertEquals(3, r.closed());
    }

    /** Declared null then assigned; moved on every path then assigned again: both legal. */
    @Test
    void assignmentsOverNothingAreFine() throws Throwable {
        Run r = run("Reassign", "public class Reassign {\n" + CONN + """
                    @Async static Task<Integer> take(@Owned Conn c) { return Task.completed(1); }
                    @Async static Task<Integer> go(boolean b, Task<Integer> t) {
                        @Owned Conn c = null;
                        c = new Conn();
                        if (b) await(take(Coda.move(c)));
                        else await(take(Coda.move(c)));
                        c = new Conn();
                        return Task.completed(await(t) + c.hashCode() * 0);
                    }
                }
                """);
        r.reports().changed("Reassign");
        assertEquals(5, ((Task<?>) r.call("Reassign", "go", true, Task.completed(5))).join());
        assertEquals(2, r.closed(), "the first Conn dropped by take, the second by go");
    }

    /** Moving a try-with-resources resource of an AsyncCloseable type is legal: the resource is no longer dropped. */
    @Test
    void movingATryWithResourcesResourceIsFine() throws Throwable {
        Run r = run("MoveTwr", "public class MoveTwr {\n" + CONN + """
                    static Conn kept;
                    @Async static Task<Integer> go(Task<Integer> t) {
                        try (Conn c = new Conn()) {
                            kept = Coda.move(c);
                            return Task.completed(await(t));
                        }
                    }
                }
                """);
        r.reports().changed("MoveTwr");
        assertEquals(1, ((Task<?>) r.call("MoveTwr", "go", Task.completed(1))).join());
        assertEquals(0, r.closed());
    }

    /** Async lambdas in a static initialiser and in a constructor are legal (only awaits in them directly are not). */
    @Test
    void asyncLambdasInInitialisersAreFine() throws Throwable {
        Run r = run("InitLam", """
                public class InitLam {
                    static final Function<Task<Integer>, Task<Integer>> S = t -> Task.completed(await(t) + 1);
                    final Function<Task<Integer>, Task<Integer>> f;
                    InitLam() { f = t -> Task.completed(await(t) * 2); }
                    static Task<Integer> go(Task<Integer> t) {
                        return new InitLam().f.apply(S.apply(t));
                    }
                }
                """);
        r.reports().changed("InitLam");
        assertEquals(8, ((Task<?>) r.call("InitLam", "go", Task.completed(3))).join());
    }

    /** An enum constant's body is an anonymous class: its Task-returning method that awaits is an async block. */
    @Test
    void anEnumConstantBodyMethodIsAnAsyncBlock() throws Throwable {
        Run r = run("Op", """
                public enum Op {
                    INC { Task<Integer> apply(Task<Integer> t) { return Task.completed(await(t) + 1); } };
                    abstract Task<Integer> apply(Task<Integer> t);
                    static Task<Integer> go(Task<Integer> t) { return INC.apply(t); }
                }
                """);
        r.reports().changed("Op$1");
        CompletableFuture<Integer> f = new CompletableFuture<>();
        Task<?> task = (Task<?>) r.call("Op", "go", Task.from(f));
        assertFalse(task.isDone());
        f.complete(1);
        assertEquals(2, task.join());
    }

    /** Generic, varargs, bridged, default and private interface methods may all be async functions. */
    @Test
    void asyncFunctionsOfEveryMethodKindAreFine() throws Throwable {
        Run r = run("Kinds", """
                public class Kinds {
                    interface Op<T> { Task<T> run(T x); }
                    interface Twice {
                        @Async default Task<Integer> twice(Task<Integer> t) { return Task.completed(add(await(t))); }
                        @Async private Task<Integer> helper(Task<Integer> t) { return Task.completed(await(t)); }
                        private int add(int v) { return v + v; }
                    }
                    static final class Upper implements Op<String>, Twice {
                        @Async public Task<String> run(String x) {
                            return Task.completed(await(Task.completed(x)).toUpperCase());
                        }
                    }
                    @SafeVarargs @Async static <T> Task<Integer> count(Task<T>... ts) {
                        int n = 0;
                        for (Task<T> t : ts) if (await(t) != null) n++;
                        return Task.completed(n);
                    }
                    @SuppressWarnings("unchecked")
                    static Object go() {
                        Op<String> op = new Upper();
                        return op.run("a").join() + new Upper().twice(Task.completed(2)).join()
                                + count(Task.completed(1), Task.completed(2)).join();
                    }
                }
                """);
        r.reports().changed("Kinds$Upper").changed("Kinds$Twice").changed("Kinds");
        assertEquals("A42", r.call("Kinds", "go"));
    }

    /**
     * A covariant override (CompletableFuture for CompletionStage): the compilers write a bridge carrying @Async, which
     * only forwards and is not reported as an async method returning the wrong type.
     */
    @Test
    void aCovariantAsyncOverrideAndItsBridgeAreFine() throws Throwable {
        Run r = run("Cov", """
                public class Cov {
                    interface Src { CompletionStage<Integer> get(Task<Integer> t); }
                    static final class Impl implements Src {
                        @Async public CompletableFuture<Integer> get(Task<Integer> t) {
                            return CompletableFuture.completedFuture(await(t) + 1);
                        }
                    }
                    static Object go(Task<Integer> t) throws Exception {
                        Src s = new Impl();
                        return s.get(t).toCompletableFuture().get();
                    }
                }
                """);
        r.reports().changed("Cov$Impl");
        assertEquals(3, r.call("Cov", "go", Task.completed(2)));
    }

    // ==== Bad input the catalogue does not list =====================================================================

    /** A static method of an anonymous class (Java 16+) is not an async block: refused, with the fix. */
    @Test
    void awaitInAStaticMethodOfAnAnonymousClass() {
        needsDebugInfo();
        Run r = run("AnonStatic", """
                public class AnonStatic {
                    static Object make() {
                        return new Object() {
                            static Task<Integer> go(Task<Integer> t) {
                                return Task.completed(await(t)); // HERE
                            }
                        };
                    }
                }
                """);
        r.reports(r.error("// HERE", outsideAsync("AnonStatic$1.go"))).unchanged("AnonStatic$1");
    }

    /**
     * An @Owned local whose type is an inner (non-static) class: javac and ECJ write the annotation with a type path
     * (INNER_TYPE), and it must still be owned and dropped.
     */
    @Test
    void anOwnedLocalOfAnInnerClassTypeIsDropped() throws Throwable {
        Run r = run("InnerOwn", """
                public class InnerOwn {
                    static int closed;
                    final class Conn implements AsyncCloseable {
                        public Task<Void> closeAsync() { closed++; return Task.done(); }
                    }
                    @Async Task<Integer> go(Task<Integer> t) {
                        @Owned Conn c = new Conn();
                        return Task.completed(await(t) + c.hashCode() * 0);
                    }
                    static Task<Integer> start(Task<Integer> t) { return new InnerOwn().go(t); }
                }
                """);
        r.reports().changed("InnerOwn");
        assertEquals(1, ((Task<?>) r.call("InnerOwn", "start", Task.completed(1))).join());
        assertEquals(1, r.closed(), "the @Owned local is dropped when go ends");
    }

    /** The same for an @Owned parameter of an inner class type. */
    @Test
    void anOwnedParameterOfAnInnerClassTypeIsDropped() throws Throwable {
        Run r = run("InnerParam", """
                public class InnerParam {
                    static int closed;
                    final class Conn implements AsyncCloseable {
                        public Task<Void> closeAsync() { closed++; return Task.done(); }
                    }
                    @Async Task<Integer> go(@Owned Conn c, Task<Integer> t) {
                        return Task.completed(await(t));
                    }
                    static Task<Integer> start(Task<Integer> t) { InnerParam o = new InnerParam(); return o.go(o.new Conn(), t); }
                }
                """);
        r.reports().changed("InnerParam");
        assertEquals(1, ((Task<?>) r.call("InnerParam", "start", Task.completed(1))).join());
        assertEquals(1, r.closed(), "the @Owned parameter is dropped when go ends");
    }

    /** @Owned in a method that is not async owns nothing: a warning, whatever the type. */
    @Test
    void ownedInAPlainMethodIsAWarning() {
        needsDebugInfo();
        Run r = run("PlainOwn", """
                public class PlainOwn {
                    static int go(String in) {
                        @Owned String s = in.trim(); // HERE
                        return s.length();
                    }
                }
                """);
        r.reports(r.warning("// HERE", inert("PlainOwn.go"))).unchanged("PlainOwn");
    }

    /** An @Owned AsyncCloseable local in a method that is not async is never dropped: said, not left to leak. */
    @Test
    void anOwnedLocalInAPlainMethodIsAWarning() throws Throwable {
        needsDebugInfo();
        Run r = run("PlainConn", "public class PlainConn {\n" + CONN + """
                    static int go() {
                        @Owned Conn c = new Conn(); // HERE
                        return c.hashCode() * 0;
                    }
                }
                """);
        r.reports(r.warning("// HERE", inert("PlainConn.go")));
    }

    /** @Owned on a field owns nothing: a warning naming the field. */
    @Test
    void ownedOnAFieldIsAWarning() {
        Run r = run("OwnField", "public class OwnField {\n" + CONN + """
                    @Owned Conn held = new Conn();
                    @Async Task<Integer> go(Task<Integer> t) { return Task.completed(await(t)); }
                }
                """);
        List<String> all = r.all();
        assertEquals(1, all.size(), all.toString());
        assertTrue(all.get(0).startsWith("p/OwnField.java:") && all.get(0).endsWith(": warning: @Owned on field "
                + "OwnField.held has no effect: only the variables and parameters of an async function own their "
                + "values; close the value where its owner is done with it, or hold it in an @Owned variable of an "
                + "async function"), all.get(0));
    }

    private static String inert(String where) {
        return "@Owned in " + where + " has no effect: it is not an async function, and only an async function "
                + "drops what it owns on every exit; make it @Async, or close the value yourself";
    }

    /** An explicit close() of an owned variable is a drop through its flag: assigning afterwards holds no live value. */
    @Test
    void assignmentAfterAnExplicitCloseOfAnOwnedVariable() throws Throwable {
        Run r = run("CloseThen", "public class CloseThen {\n" + CONN + """
                    @Async static Task<Integer> go(Task<Integer> t) {
                        @Owned Conn c = new Conn();
                        c.close();
                        c = new Conn();
                        return Task.completed(await(t) + c.hashCode() * 0);
                    }
                }
                """);
        r.reports().changed("CloseThen");
        assertEquals(1, ((Task<?>) r.call("CloseThen", "go", Task.completed(1))).join());
        assertEquals(2, r.closed());
    }

    /** {@code @Owned Conn[] cs} annotates the elements, which owns nothing: refused, not silently ignored. */
    @Test
    void ownedOnTheElementsOfAnArrayIsRefused() {
        needsDebugInfo();
        Run r = run("OwnElems", "public class OwnElems {\n" + CONN + """
                    @Async static Task<Integer> go(Task<Integer> t) {
                        @Owned Conn[] cs = { new Conn() }; // HERE
                        return Task.completed(await(t) + cs.length);
                    }
                }
                """);
        r.reports(r.error("// HERE", ownedInPart("variable 'cs'", "OwnElems.go"))).unchanged("OwnElems");
    }

    /** The same on a parameter, reported at the function's first line. */
    @Test
    void ownedOnTheElementsOfAnArrayParameterIsRefused() {
        needsDebugInfo();
        Run r = run("OwnElemsParam", "public class OwnElemsParam {\n" + CONN + """
                    @Async static Task<Integer> go(@Owned Conn[] cs, Task<Integer> t) {
                        int v = await(t); // FIRST
                        return Task.completed(v + cs.length);
                    }
                }
                """);
        r.reports(r.error("// FIRST", ownedInPart("parameter 'cs'", "OwnElemsParam.go"))).unchanged("OwnElemsParam");
    }

    /** In an async lambda that captures a value, the parameter is named past the captured one. */
    @Test
    void ownedOnTheElementsOfAnArrayParameterOfACapturingLambdaNamesTheParameter() {
        needsDebugInfo();
        Run r = run("OwnElemsLambda", "public class OwnElemsLambda {\n" + CONN + """
                    static Function<Conn[], Task<Integer>> make(Task<Integer> t) {
                        return (@Owned Conn[] cs) -> {
                            int v = await(t); // FIRST
                            return Task.completed(v + cs.length);
                        };
                    }
                }
                """);
        r.reports(r.error("// FIRST", ownedInPart("parameter 'cs'", "a lambda in OwnElemsLambda.make")))
                .unchanged("OwnElemsLambda");
    }

    private static String ownedInPart(String variable, String where) {
        return "@Owned annotates a part of the type of the " + variable + " in " + where + " (an array's elements, "
                + "or a type argument), which owns nothing: only a whole variable can be owned: annotate the "
                + "variable's own type, or hold each element in an @Owned variable of its own";
    }

    /** A second move of a value already moved would give it two owners: refused at the second move. */
    @Test
    void movingAnOwnedVariableTwice() throws Throwable {
        needsDebugInfo();
        Run r = run("Twice", "public class Twice {\n" + CONN + """
                    @Async static Task<Integer> take(@Owned Conn c) { return Task.completed(1); }
                    @Async static Task<Integer> go(Task<Integer> t) {
                        @Owned Conn c = new Conn();
                        await(take(Coda.move(c)));
                        await(take(Coda.move(c))); // SECOND
                        return Task.completed(await(t));
                    }
                }
                """);
        r.reports(r.error("// SECOND", "Coda.move of @Owned variable 'c' in Twice.go, which may have been moved or "
                + "closed already on a way here, so its value would have two owners; move it once on each way, or "
                + "declare a new variable for the next value")).methodAsCompiled("Twice", "go");
    }

    /** A move on one branch and another on the other is one move on each way: accepted. */
    @Test
    void movingAnOwnedVariableOnceOnEachBranchIsAccepted() throws Throwable {
        Run r = run("EachWay", "public class EachWay {\n" + CONN + """
                    @Async static Task<Integer> take(@Owned Conn c) { return Task.completed(1); }
                    @Async static Task<Integer> go(boolean left, Task<Integer> t) {
                        @Owned Conn c = new Conn();
                        if (left) await(take(Coda.move(c)));
                        else await(take(Coda.move(c)));
                        return Task.completed(await(t));
                    }
                }
                """);
        r.reports().changed("EachWay");
    }

    // ==== Without debug information (the run with -Dcoda.debugInfo=none) ===========================================

    /** Without line numbers, every diagnostic of a class stands at line 1. */
    @Test
    void withoutDebugInformationTheLineIsOne() {
        assumeTrue(NO_DEBUG);
        Run r = run("NoLines", """
                public class NoLines {
                    static int go(Task<Integer> t) { return await(t); }
                }
                """);
        r.reports("p/NoLines.java:1: error: " + outsideAsync("NoLines.go")).unchanged("NoLines");
    }

    /** Without a LocalVariableTable the variable is named by its slot, and the hint has no name. */
    @Test
    void withoutDebugInformationAVariableIsNamedByItsSlot() {
        assumeTrue(NO_DEBUG);
        Run r = run("Slots", "public class Slots {\n" + CONN + """
                    @Async static Task<Integer> go(@Owned Conn c, boolean b) {
                        if (b) Coda.move(c);
                        c = new Conn();
                        return Task.completed(1);
                    }
                }
                """);
        r.reports("p/Slots.java:1: error: " + assignedLive("@Owned parameter in slot 0", "Slots.go", "Coda.move"))
                .unchanged("Slots");
    }
}
