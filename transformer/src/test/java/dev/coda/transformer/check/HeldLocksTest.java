package dev.coda.transformer.check;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.coda.transformer.ClassFileLocator;
import dev.coda.transformer.Diagnostic;
import dev.coda.transformer.Transformer;
import dev.coda.transformer.fuzz.ProgramGenerator;
import dev.coda.transformer.hierarchy.ClassHierarchy;
import dev.coda.transformer.read.ClassFileFacts;
import dev.coda.transformer.support.InMemoryCompiler;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.objectweb.asm.ClassReader;
import org.objectweb.asm.tree.ClassNode;

/** An async method that may hold a java.util.concurrent.locks.Lock at an await is warned about, once per line. */
class HeldLocksTest {
    private static final String SOURCE = """
            package p;
            import dev.coda.*;
            import java.util.concurrent.locks.*;
            import static dev.coda.Coda.await;
            public class Locks {
                static final ReentrantLock LOCK = new ReentrantLock();
                static final ReadWriteLock RW = new ReentrantReadWriteLock();
                static int counter;
                @Async static Task<Integer> heldAcross(Lock lock, Task<Integer> t) {
                    lock.lock();
                    try {
                        return Task.completed(await(t));
                    } finally {
                        lock.unlock();
                    }
                }
                @Async static Task<Integer> releasedFirst(Lock lock, Task<Integer> t) {
                    lock.lock();
                    try {
                        counter++;
                    } finally {
                        lock.unlock();
                    }
                    return Task.completed(await(t));
                }
                @Async static Task<Integer> fieldHeldOnOnePath(boolean b, Task<Integer> t) {
                    LOCK.lock();
                    if (b) LOCK.unlock();
                    int v = await(t);
                    if (!b) LOCK.unlock();
                    return Task.completed(v);
                }
                @Async static Task<Integer> readLock(Task<Integer> t) throws InterruptedException {
                    RW.readLock().lockInterruptibly();
                    try {
                        return Task.completed(await(t) + await(t));
                    } finally {
                        RW.readLock().unlock();
                    }
                }
                static int notAsync(Lock lock) {
                    lock.lock();
                    try {
                        return counter;
                    } finally {
                        lock.unlock();
                    }
                }
            }
            """;

    private static List<String> find(boolean asErrors) throws ClassFileFacts.MalformedClassException {
        byte[] bytes = InMemoryCompiler.compile(Map.of("p/Locks.java", SOURCE)).get("p/Locks");
        Transformer t = new Transformer(ClassFileLocator.of(HeldLocksTest.class.getClassLoader()));
        return t.transform(bytes).heldLocks().stream().map(d -> asErrors ? d.asError() : d).map(Diagnostic::toString)
                .toList();
    }

    private static String expected(String kind, int line, String method, String locked) {
        return "p/Locks.java:" + line + ": " + kind + ": Locks." + method + " may still hold the "
                + "java.util.concurrent.locks.Lock it locked at " + locked + " when it reaches this await; a Lock "
                + "belongs to the thread that locked it and the method may resume on another, where unlock() throws "
                + "IllegalMonitorStateException and the lock stays held: unlock before the await";
    }

    @Test
    void warnsAtEachAwaitWhereALockMayBeHeld() throws Exception {
        assertEquals(List.of(
                expected("warning", 12, "heldAcross", "line 10"),
                expected("warning", 29, "fieldHeldOnOnePath", "line 27"),
                expected("warning", 36, "readLock", "line 34")), find(false));
    }

    @Test
    void anErrorWhenTheBuildAsksForOne() throws Exception {
        assertEquals(expected("error", 12, "heldAcross", "line 10"), find(true).get(0));
    }

    /**
     * A method that calls no Lock method is not analysed: the analysis of the values on the stack grows with a
     * method's size, and a long generated method (seed 20261211, program 2746, with javac) once took it past ASM's
     * budget, which failed the whole transform for a check that had nothing to find.
     */
    @Test
    void aMethodThatTakesNoLockIsNotAnalysed() throws Exception {
        ProgramGenerator.Program program = new ProgramGenerator(20261211L).generate(2746);
        byte[] bytes = InMemoryCompiler.compile(Map.of(program.fileName(), program.source()))
                .get(program.fileName().replace(".java", ""));
        ClassNode c = new ClassNode();
        new ClassReader(bytes).accept(c, ClassReader.EXPAND_FRAMES);
        ClassHierarchy hierarchy = new ClassHierarchy(ClassFileLocator.of(HeldLocksTest.class.getClassLoader()));
        assertEquals(List.of(), HeldLocks.find(c, hierarchy));
    }
}
