package dev.coda.transformer.check;

import dev.coda.transformer.CodaNames;
import dev.coda.transformer.Diagnostic;
import dev.coda.transformer.analysis.ControlFlow;
import dev.coda.transformer.analysis.Diagnostics;
import dev.coda.transformer.hierarchy.ClassHierarchy;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Predicate;
import org.objectweb.asm.LimitExceededException;
import org.objectweb.asm.Opcodes;
import org.objectweb.asm.tree.AbstractInsnNode;
import org.objectweb.asm.tree.ClassNode;
import org.objectweb.asm.tree.FieldInsnNode;
import org.objectweb.asm.tree.MethodInsnNode;
import org.objectweb.asm.tree.MethodNode;
import org.objectweb.asm.tree.VarInsnNode;
import org.objectweb.asm.tree.analysis.Analyzer;
import org.objectweb.asm.tree.analysis.AnalyzerException;
import org.objectweb.asm.tree.analysis.Frame;
import org.objectweb.asm.tree.analysis.SourceInterpreter;
import org.objectweb.asm.tree.analysis.SourceValue;

/**
 * A {@code java.util.concurrent.locks.Lock} that an async method may still hold when it reaches an await. A lock
 * belongs to the thread that locked it, and the method may resume on another: there {@code unlock()} throws
 * {@code IllegalMonitorStateException} and the lock stays held for good. Run on a class as compiled (before the
 * rewrite changes it), it reports each such await, once per source line, as a warning; a build that asks for errors
 * turns them into errors ({@link Diagnostic#asError()}).
 *
 * <p>A forward data flow over the method's normal and exception edges: {@code lock()}, {@code lockInterruptibly()}
 * and {@code tryLock(...)} on a Lock add the lock, named by where its reference comes from (a local, a field, a
 * call); {@code unlock()} removes it, or every lock when its reference cannot be named.
 */
public final class HeldLocks {
    private static final String LOCK = "java/util/concurrent/locks/Lock";

    private HeldLocks() {}

    /** The warnings for class {@code c} as compiled; {@code c} is read, not changed. */
    public static List<Diagnostic> find(ClassNode c, ClassHierarchy hierarchy) {
        Diagnostics diagnostics = new Diagnostics(c);
        for (MethodNode m : c.methods) {
            if (m.instructions == null || m.instructions.size() == 0 || !awaits(m)) continue;
            try {
                // A method that calls no Lock method holds none: the data flow, whose cost grows with the method's
                // size and the values on its stack, runs only where a lock is taken or released.
                if (callsLock(m, hierarchy)) check(c, m, hierarchy, diagnostics);
            } catch (AnalyzerException | ClassHierarchy.MissingClassException e) {
                // Code that does not analyse is reported by the rewrite itself; an unknown class holds no lock.
            } catch (LimitExceededException e) {
                diagnostics.warning(m, null, Diagnostics.describe(c, m) + " takes or releases a "
                        + "java.util.concurrent.locks.Lock, and is too large to check whether it may hold one at an "
                        + "await; check it by hand, or split it");
            }
        }
        return diagnostics.all();
    }

    private static boolean awaits(MethodNode m) {
        return any(m, HeldLocks::isAwait);
    }

    private static boolean callsLock(MethodNode m, ClassHierarchy hierarchy) {
        return any(m, n -> n instanceof MethodInsnNode call && lockCall(call, hierarchy) != null);
    }

    private static boolean any(MethodNode m, Predicate<AbstractInsnNode> test) {
        for (AbstractInsnNode n : m.instructions) if (test.test(n)) return true;
        return false;
    }

    private static boolean isAwait(AbstractInsnNode n) {
        return n instanceof MethodInsnNode call && call.owner.equals(CodaNames.CODA) && call.name.equals("await");
    }

    private static void check(ClassNode c, MethodNode m, ClassHierarchy hierarchy, Diagnostics diagnostics)
            throws AnalyzerException {
        ControlFlow flow = ControlFlow.of(c.name, m);
        Frame<SourceValue>[] sources = new Analyzer<>(new SourceInterpreter()).analyze(c.name, m);
        AbstractInsnNode[] code = m.instructions.toArray();
        // Per instruction: the locks that may be held on entry, each with the line it was acquired at.
        @SuppressWarnings("unchecked")
        Map<String, Integer>[] held = new Map[code.length];
        held[0] = new HashMap<>();
        Deque<Integer> work = new ArrayDeque<>(List.of(0));
        while (!work.isEmpty()) {
            int i = work.poll();
            Map<String, Integer> out = new HashMap<>(held[i]);
            if (code[i] instanceof MethodInsnNode call && sources[i] != null) {
                String lock = lockCall(call, hierarchy);
                if (lock != null) {
                    String key = receiverKey(sources[i], call);
                    if (lock.equals("unlock")) {
                        if (key == null) out.clear();
                        else out.remove(key);
                    } else if (key != null) {
                        out.putIfAbsent(key, Diagnostics.lineOf(m, call));
                    }
                }
            }
            for (int s : flow.normal[i]) flowInto(held, s, out, work);
            for (int s : flow.exceptional[i]) flowInto(held, s, held[i], work); // thrown before its effect
        }
        Set<Integer> lines = new HashSet<>();
        for (int i = 0; i < code.length; i++) {
            if (!isAwait(code[i]) || held[i] == null || held[i].isEmpty()) continue;
            if (!lines.add(Diagnostics.lineOf(m, code[i]))) continue;
            Map<Integer, String> byLine = new TreeMap<>();
            held[i].forEach((key, line) -> byLine.put(line, key));
            String acquired = byLine.keySet().stream().map(l -> "line " + l).reduce((a, b) -> a + ", " + b).orElse("");
            String message = Diagnostics.describe(c, m) + " may still hold the java.util.concurrent.locks.Lock it "
                    + "locked at " + acquired + " when it reaches this await; a Lock belongs to the thread that "
                    + "locked it and the method may resume on another, where unlock() throws "
                    + "IllegalMonitorStateException and the lock stays held: unlock before the await";
            diagnostics.warning(m, code[i], message);
        }
    }

    private static void flowInto(Map<String, Integer>[] held, int s, Map<String, Integer> in, Deque<Integer> work) {
        if (held[s] == null) {
            held[s] = new HashMap<>(in);
            work.add(s);
        } else {
            boolean grew = false;
            for (Map.Entry<String, Integer> e : in.entrySet()) grew |= held[s].putIfAbsent(e.getKey(), e.getValue()) == null;
            if (grew) work.add(s);
        }
    }

    /** "lock" for an acquisition, "unlock" for a release, of a Lock; null for any other call. */
    private static String lockCall(MethodInsnNode call, ClassHierarchy hierarchy) {
        if (call.getOpcode() == Opcodes.INVOKESTATIC) return null;
        boolean acquire = (call.name.equals("lock") || call.name.equals("lockInterruptibly")) && call.desc.equals("()V")
                || call.name.equals("tryLock") && call.desc.endsWith(")Z");
        boolean release = call.name.equals("unlock") && call.desc.equals("()V");
        if (!acquire && !release) return null;
        if (!call.owner.equals(LOCK) && !hierarchy.isSubtypeOf(call.owner, LOCK)) return null;
        return release ? "unlock" : "lock";
    }

    /** Where the receiver of {@code call} comes from, as a name; null when it comes from more than one place. */
    private static String receiverKey(Frame<SourceValue> frame, MethodInsnNode call) {
        int args = org.objectweb.asm.Type.getArgumentTypes(call.desc).length;
        SourceValue receiver = frame.getStack(frame.getStackSize() - 1 - args);
        if (receiver.insns.size() != 1) return null;
        AbstractInsnNode source = receiver.insns.iterator().next();
        if (source instanceof VarInsnNode v) return "local " + v.var;
        if (source instanceof FieldInsnNode f) return "field " + f.owner + "." + f.name;
        if (source instanceof MethodInsnNode m) return "call " + m.owner + "." + m.name + m.desc;
        return null;
    }
}
