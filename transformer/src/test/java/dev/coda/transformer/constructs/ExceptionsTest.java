package dev.coda.transformer.constructs;

import static dev.coda.transformer.constructs.Driver.*;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.coda.Task;
import dev.coda.transformer.analysis.RealInstructions;
import dev.coda.transformer.support.Instrumented;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import org.junit.jupiter.api.Test;
import org.objectweb.asm.ClassReader;
import org.objectweb.asm.Opcodes;
import org.objectweb.asm.tree.AbstractInsnNode;
import org.objectweb.asm.tree.ClassNode;
import org.objectweb.asm.tree.InsnList;
import org.objectweb.asm.tree.MethodInsnNode;
import org.objectweb.asm.tree.MethodNode;
import org.objectweb.asm.tree.TryCatchBlockNode;
import org.objectweb.asm.tree.VarInsnNode;

/** Exceptions cross awaits exactly as they were thrown, and stack traces point at the user's source lines. */
class ExceptionsTest {

    @Test
    void awaitedFailureIsRethrownAsTheSameInstance() throws Throwable {
        Instrumented code = program("Same", """
                public static Throwable seen;
                @Async public static Task<String> go(CompletableFuture<String> f) {
                    try { return Task.completed(await(f)); }
                    catch (RuntimeException e) { seen = e; return Task.completed("caught " + e.getClass().getSimpleName()); }
                }
                """);
        CompletableFuture<String> f = new CompletableFuture<>();
        Task<String> t = start(code, "Same", "go", f);
        IllegalStateException e = new IllegalStateException("boom");
        f.completeExceptionally(e);
        assertEquals("caught IllegalStateException", t.join());
        assertSame(e, code.load("p.Same").getDeclaredField("seen").get(null));
    }

    @Test
    void completionExceptionFromADependentStageIsUnwrapped() throws Throwable {
        Instrumented code = program("Dependent", """
                @Async public static Task<String> go(CompletableFuture<String> f) {
                    try {
                        return Task.completed(await(f.thenApply(s -> { throw new UnsupportedOperationException("in " + s); })));
                    } catch (UnsupportedOperationException e) {
                        return Task.completed("unwrapped: " + e.getMessage());
                    } catch (CompletionException e) {
                        return Task.completed("wrapped!");
                    }
                }
                """);
        CompletableFuture<String> f = new CompletableFuture<>();
        Task<String> t = start(code, "Dependent", "go", f);
        f.complete("stage");
        assertEquals("unwrapped: in stage", t.join());
    }

    @Test
    void checkedExceptionFromAwaitedTaskIsCatchableAsItself() throws Throwable {
        Instrumented code = program("Checked", """
                static void io() throws java.io.IOException {}
                @Async public static Task<String> go(Task<String> t) {
                    try {
                        io();
                        return Task.completed(await(t));
                    } catch (java.io.IOException e) {
                        return Task.completed("io: " + e.getMessage());
                    }
                }
                """);
        CompletableFuture<String> f = new CompletableFuture<>();
        Task<String> t = start(code, "Checked", "go", Task.from(f));
        f.completeExceptionally(new IOException("disk"));
        assertEquals("io: disk", t.join());
    }

    @Test
    void checkedExceptionThrownAfterResumingFailsTheTaskUnwrapped() throws Throwable {
        Instrumented code = program("ThrowsChecked", """
                @Async public static Task<String> go() throws java.io.IOException {
                    String m = await(later("late"));
                    if (!m.isEmpty()) throw new java.io.IOException(m);
                    return Task.completed(m);
                }
                @Async public static Task<String> caller() {
                    try { return Task.completed(await(go())); }
                    catch (java.io.IOException e) { return Task.completed("caller caught " + e.getMessage()); }
                }
                """);
        Throwable e = driveToFailure(code, "ThrowsChecked", "go");
        assertEquals(IOException.class, e.getClass());
        assertEquals("late", e.getMessage());
        assertEquals("caller caught late", drive(code, "ThrowsChecked", "caller"));
    }

    @Test
    void exceptionBeforeTheFirstAwaitFailsTheTaskInsteadOfThrowingFromTheCall() throws Throwable {
        Instrumented code = program("Early", """
                @Async public static Task<String> go(String s) {
                    log("start");
                    if (s == null) throw new IllegalArgumentException("s is null");
                    return Task.completed(s + await(later("!")));
                }
                """);
        Task<String> t = start(code, "Early", "go", (Object) null);
        assertTrue(t.isDone());
        assertEquals("s is null", assertThrows(IllegalArgumentException.class, t::join).getMessage());
        assertLog("start");
    }

    @Test
    void stackTraceOfThrowAfterAwaitPointsAtTheSourceLine() throws Throwable {
        String body = """
                @Async public static Task<String> go() {
                    String s = await(later("x"));
                    log(s);
                    throw new IllegalStateException("after resume " + s); // THROW
                }
                """;
        Instrumented code = program("Lines", body);
        Throwable e = driveToFailure(code, "Lines", "go");
        StackTraceElement top = e.getStackTrace()[0];
        assertEquals("p.Lines", top.getClassName());
        assertEquals("go", top.getMethodName());
        assertEquals("Lines.java", top.getFileName());
        assertEquals(lineOf(source("Lines", body), "// THROW"), top.getLineNumber());
    }

    @Test
    void stackTraceOfNpeAfterSeveralAwaitsPointsAtTheFaultingLine() throws Throwable {
        String body = """
                static int len(String s) { return s.length(); } // LEN
                @Async public static Task<Integer> go() {
                    String a = await(later("a"));
                    String b = await(later((String) null));
                    int n = a.length();
                    n += len(b); // CALL
                    return Task.completed(n);
                }
                """;
        Instrumented code = program("NpeLines", body);
        Throwable e = driveToFailure(code, "NpeLines", "go");
        assertInstanceOf(NullPointerException.class, e);
        String src = source("NpeLines", body);
        assertEquals("len", e.getStackTrace()[0].getMethodName());
        assertEquals(lineOf(src, "// LEN"), e.getStackTrace()[0].getLineNumber());
        assertEquals("go", e.getStackTrace()[1].getMethodName());
        assertEquals(lineOf(src, "// CALL"), e.getStackTrace()[1].getLineNumber());
    }

    @Test
    void stackTraceBeforeTheFirstSuspensionAlsoPointsAtTheSourceLine() throws Throwable {
        String body = """
                @Async public static Task<Integer> go(int[] xs) {
                    int sum = await(Task.completed(1));
                    sum += xs[5]; // INDEX
                    return Task.completed(sum + await(later(1)));
                }
                """;
        Instrumented code = program("EarlyLines", body);
        Task<Integer> t = start(code, "EarlyLines", "go", (Object) new int[1]);
        Throwable e = failure(t);
        assertInstanceOf(ArrayIndexOutOfBoundsException.class, e);
        assertEquals("go", e.getStackTrace()[0].getMethodName());
        assertEquals(lineOf(source("EarlyLines", body), "// INDEX"), e.getStackTrace()[0].getLineNumber());
    }

    @Test
    void finallyRunsOnBothPathsAfterResuming() throws Throwable {
        Instrumented code = program("Finally", """
                @Async public static Task<String> go(boolean fail) {
                    try {
                        String v = await(later("v"));
                        if (fail) throw new IllegalStateException("failed with " + v);
                        return Task.completed(v);
                    } finally {
                        log("finally fail=" + fail);
                    }
                }
                """);
        assertEquals("v", drive(code, "Finally", "go", false));
        assertLog("finally fail=false");
        reset();
        Throwable e = driveToFailure(code, "Finally", "go", true);
        assertEquals("failed with v", e.getMessage());
        assertLog("finally fail=true");
    }

    @Test
    void errorsAreRethrownUnwrapped() throws Throwable {
        Instrumented code = program("Errors", """
                static final class MyError extends Error { MyError(String m) { super(m); } }
                @Async public static Task<String> inner() { await(later(0)); throw new MyError("fatal"); }
                @Async public static Task<String> go() {
                    try { return Task.completed(await(inner())); }
                    catch (Error e) { return Task.completed(e.getClass().getSimpleName() + ":" + e.getMessage()); }
                }
                """);
        assertEquals("MyError:fatal", drive(code, "Errors", "go"));
        Task<String> t = start(code, "Errors", "inner");
        run();
        Error e = assertThrows(Error.class, t::join);
        assertEquals("fatal", e.getMessage());
    }

    @Test
    void suppressedExceptionsOfAnAwaitedFailureAreKept() throws Throwable {
        Instrumented code = program("Suppressed", """
                @Async public static Task<Integer> go(RuntimeException e) {
                    try { return Task.completed(await(later(1)) + (Integer) await(failLater(e))); }
                    catch (RuntimeException caught) { return Task.completed(caught.getSuppressed().length); }
                }
                """);
        RuntimeException e = new RuntimeException("primary");
        e.addSuppressed(new IllegalStateException("s1"));
        e.addSuppressed(new IllegalArgumentException("s2"));
        assertEquals(2, (int) drive(code, "Suppressed", "go", e));
    }

    @Test
    void failurePropagatesThroughAChainRunningEachFinallyInnermostFirst() throws Throwable {
        Instrumented code = program("ChainFail", """
                @Async static Task<Integer> level(int n, RuntimeException e) {
                    try {
                        if (n == 0) return Task.completed(await(later(0)) + (Integer) await(failLater(e)));
                        return Task.completed(await(level(n - 1, e)) + 1);
                    } finally {
                        log("finally " + n);
                    }
                }
                public static Task<Integer> go(RuntimeException e) { return level(3, e); }
                """);
        IllegalStateException e = new IllegalStateException("deep");
        assertSame(e, driveToFailure(code, "ChainFail", "go", e));
        assertLog("finally 0", "finally 1", "finally 2", "finally 3");
    }

    @Test
    void awaitingACancelledFutureThrowsCancellationExceptionAndTheAwaiterContinues() throws Throwable {
        Instrumented code = program("CancelledOther", """
                @Async public static Task<String> go(CompletableFuture<String> f) {
                    try {
                        return Task.completed(await(f));
                    } catch (CancellationException e) {
                        String after = await(later("after"));
                        return Task.completed("saw cancellation, then " + after);
                    }
                }
                """);
        CompletableFuture<String> f = new CompletableFuture<>();
        Task<String> t = start(code, "CancelledOther", "go", f);
        f.cancel(true);
        assertFalse(t.isDone());
        run();
        assertFalse(t.isCancelled());
        assertEquals("saw cancellation, then after", t.join());
    }

    @Test
    void exceptionCaughtAndRethrownAfterAnotherAwaitKeepsItsOriginalFramesFirst() throws Throwable {
        Instrumented code = program("Rethrow", """
                @Async public static Task<String> go(RuntimeException e) {
                    try {
                        await(failLater(e));
                        return Task.completed("no");
                    } catch (RuntimeException caught) {
                        log("waiting " + await(later(1)));
                        throw caught;
                    }
                }
                """);
        IllegalStateException e = new IllegalStateException("orig");
        StackTraceElement[] original = e.getStackTrace().clone();
        assertSame(e, driveToFailure(code, "Rethrow", "go", e));
        StackTraceElement[] trace = e.getStackTrace();
        assertArrayEquals(original, java.util.Arrays.copyOf(trace, original.length), "its own frames, unchanged");
        // Then the await it came back through (a suspended one), once: the rethrow adds nothing.
        assertEquals(original.length + 2, trace.length, java.util.Arrays.toString(trace));
        assertEquals("dev.coda.Coda.await(async boundary)", trace[original.length].toString());
        assertEquals("go", trace[original.length + 1].getMethodName());
        assertLog("waiting 1");
    }

    /**
     * A throw that none of the user's handlers catches ends the body inside the body: the last entries but one of
     * its exception table catch anything over all the code after the prologue stores the state machine, and their
     * handler hands the throwable to {@code Coroutine.uncaught}; the last entry covers that handler alone. The user's
     * handlers come first and still see what they catch; the throw reaches the task as the same instance, after the
     * user's finally. The start, before the prologue's store, is covered by none.
     */
    @Test
    void anUncaughtThrowEndsTheBodyThroughTheBodysOwnLastHandler() throws Throwable {
        Instrumented code = program("Uncaught", """
                @Async public static Task<String> go(RuntimeException e) {
                    try {
                        await(later(1));
                        throw e;
                    } catch (IllegalArgumentException wrong) {
                        return Task.completed("caught by the wrong handler");
                    } finally {
                        log("finally");
                    }
                }
                """);
        IllegalStateException e = new IllegalStateException("out");
        assertSame(e, driveToFailure(code, "Uncaught", "go", e));
        assertLog("finally");

        ClassNode host = new ClassNode();
        new ClassReader(code.output.get("p/Uncaught")).accept(host, 0);
        MethodNode body = host.methods.stream()
                .filter(m -> m.name.equals("go") && m.desc.endsWith("Lp/Uncaught$$Coda$go;)Ldev/coda/Coroutine;"))
                .findFirst().orElseThrow();
        List<TryCatchBlockNode> table = body.tryCatchBlocks;
        TryCatchBlockNode rethrow = table.get(table.size() - 1);
        TryCatchBlockNode last = table.get(table.size() - 2);
        assertNull(last.type, "the last handler catches anything");
        assertNull(rethrow.type, "so does the one over its code");
        InsnList insns = body.instructions;
        assertEquals(List.of(Opcodes.ALOAD, Opcodes.SWAP, Opcodes.INVOKEVIRTUAL, Opcodes.ALOAD, Opcodes.ARETURN),
                opcodes(last.handler, rethrow.handler));
        assertEquals(List.of("dev/coda/Coroutine.uncaught(Ljava/lang/Throwable;)V"),
                calls(last.handler, rethrow.handler));
        assertSame(last.handler, rethrow.start, "the second handler covers the first one's code, and only that");
        assertSame(rethrow.handler, rethrow.end);
        // What the first handler throws leaves the body after the carrier of a first step is restored; a step that
        // never suspended is marked first, with a field write.
        assertEquals(List.of("dev/coda/Coroutine.exitThrowing(Ldev/coda/Coroutine;Ljava/lang/Throwable;)"
                + "Ljava/lang/RuntimeException;"), calls(rethrow.handler, null));
        List<Integer> rethrowCode = opcodes(rethrow.handler, null);
        assertEquals(Opcodes.PUTFIELD, rethrowCode.get(5));
        assertEquals(Opcodes.ATHROW, rethrowCode.get(rethrowCode.size() - 1));
        // The first handler's entries come just before it (the user's come first) and cover every instruction after
        // the prologue stores the state machine (the argument after the one parameter, slot 1) in a local of its own;
        // the start before that store, where the body enters, is covered by none.
        List<TryCatchBlockNode> entries = new ArrayList<>();
        for (TryCatchBlockNode entry : table) if (entry.handler == last.handler) entries.add(entry);
        assertEquals(entries, table.subList(table.size() - 1 - entries.size(), table.size() - 1));
        AbstractInsnNode store = null;
        for (AbstractInsnNode n = insns.getFirst(); store == null; n = n.getNext()) {
            if (n.getOpcode() == Opcodes.ASTORE && RealInstructions.previous(n).getOpcode() == Opcodes.ALOAD
                    && ((VarInsnNode) RealInstructions.previous(n)).var == 1) {
                store = n;
            }
        }
        List<String> beforeStore = calls(insns.getFirst(), store);
        assertTrue(beforeStore.contains("dev/coda/Coroutine.enter()Z"), beforeStore.toString());
        for (TryCatchBlockNode entry : table) {
            assertTrue(insns.indexOf(entry.start) > insns.indexOf(store), "an entry covers the start");
        }
        for (int i = insns.indexOf(store) + 1; i < insns.indexOf(last.handler); i++) {
            if (insns.get(i).getOpcode() < 0) continue;
            int at = i;
            assertTrue(entries.stream().anyMatch(x -> insns.indexOf(x.start) < at && at < insns.indexOf(x.end)),
                    "instruction " + i + " not covered");
        }
    }

    /** The opcodes of the real instructions from {@code from} up to {@code to} (null: the end). */
    private static List<Integer> opcodes(AbstractInsnNode from, AbstractInsnNode to) {
        List<Integer> out = new ArrayList<>();
        for (AbstractInsnNode n = from; n != null && n != to; n = n.getNext()) {
            if (n.getOpcode() >= 0) out.add(n.getOpcode());
        }
        return out;
    }

    /** The methods called from {@code from} up to {@code to} (null: the end), as owner.name+descriptor. */
    private static List<String> calls(AbstractInsnNode from, AbstractInsnNode to) {
        List<String> out = new ArrayList<>();
        for (AbstractInsnNode n = from; n != null && n != to; n = n.getNext()) {
            if (n instanceof MethodInsnNode call) out.add(call.owner + "." + call.name + call.desc);
        }
        return out;
    }
}
