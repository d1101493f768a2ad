package dev.coda.transformer.lower;

import static org.objectweb.asm.Opcodes.*;

import dev.coda.transformer.CodaNames;
import dev.coda.transformer.analysis.Diagnostics;
import dev.coda.transformer.emit.FrameComputer;
import dev.coda.transformer.hierarchy.ClassHierarchy;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.objectweb.asm.tree.AbstractInsnNode;
import org.objectweb.asm.tree.ClassNode;
import org.objectweb.asm.tree.InsnList;
import org.objectweb.asm.tree.InsnNode;
import org.objectweb.asm.tree.LabelNode;
import org.objectweb.asm.tree.LocalVariableNode;
import org.objectweb.asm.tree.MethodInsnNode;
import org.objectweb.asm.tree.MethodNode;
import org.objectweb.asm.tree.TypeInsnNode;
import org.objectweb.asm.tree.VarInsnNode;
import org.objectweb.asm.tree.analysis.Analyzer;
import org.objectweb.asm.tree.analysis.AnalyzerException;
import org.objectweb.asm.tree.analysis.Frame;
import org.objectweb.asm.tree.analysis.SourceInterpreter;
import org.objectweb.asm.tree.analysis.SourceValue;

/**
 * The lower stage: turns the ownership of async resources (SPEC §5) into plain bytecode, which the later stages then
 * treat like any other code, as Kotlin lowers constructs before it builds a state machine. In an async method:
 * <ul>
 *   <li>each owned variable gets a <b>drop flag</b>, a boolean local {@code drop$NAME}: false on entry, set to
 *       {@code value != null} after every store, cleared when the value is dropped or moved out. A flag that is live
 *       across an await is saved in the state machine like any other local, so there it is a field;</li>
 *   <li>each {@code close()} of an {@code AsyncCloseable} (javac's try-with-resources code: on every exit of the
 *       {@code try}, with the JLS suppression rules already in place) becomes <b>drop glue</b>: clear the flag, then
 *       await {@code Coroutine.drop(r, flag)}, which closes the value only if the flag was set. Glue awaits are
 *       {@code awaitCleanup} markers: never a point where a cancellation is delivered;</li>
 *   <li>{@code Coda.move(x)} of an owned {@code x} clears x's flag;</li>
 *   <li>an await whose value goes straight into an owned variable becomes an {@code awaitOwned} marker, so a
 *       cancellation delivered there drops the value in transit (SPEC §5.5).</li>
 * </ul>
 * Which stores belong to an owned variable comes from ASM's source analysis: the stores that reach the receiver of
 * a {@code close()}. A method that owns nothing is returned as it is; otherwise its frames are recomputed, since
 * the flags are new locals.
 */
public final class OwnershipLowering {
    private static final String DROP_DESC = "(L" + CodaNames.ASYNC_CLOSEABLE + ";Z)" + CodaNames.TASK_DESC;

    private final ClassNode host;
    private final MethodNode m;
    private final ClassHierarchy hierarchy;
    private final Diagnostics diagnostics;
    private Frame<SourceValue>[] frames;

    /** The owned variables, keyed by the set of stores that define them. */
    private final Map<Set<AbstractInsnNode>, Owned> owned = new LinkedHashMap<>();

    /** One owned variable: its slot, the stores that define it, and its drop flag's slot. */
    private static final class Owned {
        final int slot;
        final Set<AbstractInsnNode> stores;
        final int flag;
        final List<MethodInsnNode> closes = new ArrayList<>();
        final List<MethodInsnNode> moves = new ArrayList<>();

        Owned(int slot, Set<AbstractInsnNode> stores, int flag) {
            this.slot = slot;
            this.stores = stores;
            this.flag = flag;
        }
    }

    private OwnershipLowering(ClassNode host, MethodNode m, ClassHierarchy hierarchy, Diagnostics diagnostics) {
        this.host = host;
        this.m = m;
        this.hierarchy = hierarchy;
        this.diagnostics = diagnostics;
    }

    /** {@code m} lowered (a new node with fresh frames), {@code m} itself if it owns nothing, or null on error. */
    public static MethodNode lower(ClassNode host, MethodNode m, ClassHierarchy hierarchy, Diagnostics diagnostics) {
        return new OwnershipLowering(host, m, hierarchy, diagnostics).lower();
    }

    private MethodNode lower() {
        List<MethodInsnNode> closes = new ArrayList<>();
        List<MethodInsnNode> moves = new ArrayList<>();
        for (AbstractInsnNode n = m.instructions.getFirst(); n != null; n = n.getNext()) {
            if (isAsyncClose(n)) closes.add((MethodInsnNode) n);
            else if (isMove(n)) moves.add((MethodInsnNode) n);
        }
        if (closes.isEmpty() && moves.isEmpty()) return m;
        try {
            frames = new Analyzer<>(new SourceInterpreter()).analyze(host.name, m);
        } catch (AnalyzerException e) {
            diagnostics.error(m, e.node, "cannot analyse " + Diagnostics.describe(host, m) + ": " + e.getMessage());
            return null;
        }
        List<MethodInsnNode> unowned = new ArrayList<>();
        for (MethodInsnNode close : closes) {
            Owned o = ownerOfOperand(close, 0);
            if (o != null) o.closes.add(close);
            else if (frameAt(close) != null) unowned.add(close);
        }
        boolean ok = true;
        for (MethodInsnNode move : moves) {
            Owned o = ownerOfOperand(move, -1);
            if (o != null) {
                o.moves.add(move);
            } else if (frameAt(move) != null) {
                diagnostics.error(m, move, "Coda.move in " + Diagnostics.describe(host, m) + " is given a value that "
                        + "is not owned here; pass it a try-with-resources resource of an AsyncCloseable type");
                ok = false;
            }
        }
        if (!ok) return null;

        LabelNode start = new LabelNode();
        LabelNode end = new LabelNode();
        InsnList entry = new InsnList();
        entry.add(start);
        if (m.localVariables != null) {
            List<LocalVariableNode> flags = new ArrayList<>();
            for (Owned o : owned.values()) {
                flags.add(new LocalVariableNode("drop$" + variableName(o), "Z", null, start, end, o.flag));
            }
            m.localVariables.addAll(flags);
        }
        for (Owned o : owned.values()) {
            entry.add(new InsnNode(ICONST_0));
            entry.add(new VarInsnNode(ISTORE, o.flag));
            for (AbstractInsnNode store : o.stores) setFlagAfter(store, o);
            for (MethodInsnNode close : o.closes) replaceClose(close, o.flag);
            for (MethodInsnNode move : o.moves) clearFlagAfter(move, o.flag);
            markOwningAwaits(o);
        }
        for (MethodInsnNode close : unowned) replaceClose(close, -1);
        m.instructions.insert(entry);
        m.instructions.add(end);
        return FrameComputer.withFrames(host, m, hierarchy);
    }

    /**
     * The owned variable whose value is operand {@code fromTop} below the top of the stack before {@code call}
     * (0 is the top; -1: the only argument of a one-argument static call, also the top), creating it the first time
     * a close of it is seen; null if the operand is not a local written only by stores.
     */
    private Owned ownerOfOperand(AbstractInsnNode call, int fromTop) {
        Frame<SourceValue> f = frameAt(call);
        if (f == null) return null;
        SourceValue operand = f.getStack(f.getStackSize() - 1 - Math.max(0, fromTop));
        if (operand.insns.size() != 1) return null;
        AbstractInsnNode source = operand.insns.iterator().next();
        if (source.getOpcode() != ALOAD) return null;
        int slot = ((VarInsnNode) source).var;
        Set<AbstractInsnNode> stores = frameAt(source).getLocal(slot).insns;
        if (stores.isEmpty()) return null; // a parameter: owned only when declared @Owned
        for (AbstractInsnNode s : stores) if (s.getOpcode() != ASTORE) return null;
        if (fromTop < 0) return owned.get(stores);
        return owned.computeIfAbsent(stores, k -> new Owned(slot, k, m.maxLocals++));
    }

    private Frame<SourceValue> frameAt(AbstractInsnNode n) {
        return frames[m.instructions.indexOf(n)];
    }

    private boolean isAsyncClose(AbstractInsnNode n) {
        if (n.getOpcode() != INVOKEVIRTUAL && n.getOpcode() != INVOKEINTERFACE) return false;
        MethodInsnNode call = (MethodInsnNode) n;
        if (!call.name.equals("close") || !call.desc.equals("()V") || call.owner.startsWith("java/")) return false;
        return call.owner.charAt(0) != '[' && hierarchy.isSubtypeOf(call.owner, CodaNames.ASYNC_CLOSEABLE);
    }

    private static boolean isMove(AbstractInsnNode n) {
        if (n.getOpcode() != INVOKESTATIC) return false;
        MethodInsnNode call = (MethodInsnNode) n;
        return call.owner.equals(CodaNames.CODA) && call.name.equals(CodaNames.MOVE) && call.desc.equals(CodaNames.MOVE_DESC);
    }

    /** {@code r.close()} becomes {@code awaitCleanup(Coroutine.drop(r, flag))} with the flag cleared first. */
    private void replaceClose(MethodInsnNode close, int flag) {
        InsnList glue = new InsnList();
        if (flag < 0) {
            glue.add(new InsnNode(ICONST_1));
        } else {
            glue.add(new VarInsnNode(ILOAD, flag));
            glue.add(new InsnNode(ICONST_0));
            glue.add(new VarInsnNode(ISTORE, flag));
        }
        glue.add(new MethodInsnNode(INVOKESTATIC, CodaNames.COROUTINE, "drop", DROP_DESC, false));
        glue.add(marker(CodaNames.AWAIT_CLEANUP));
        glue.add(new InsnNode(POP));
        m.instructions.insert(close, glue);
        m.instructions.remove(close);
    }

    private void setFlagAfter(AbstractInsnNode store, Owned o) {
        InsnList set = new InsnList();
        set.add(new VarInsnNode(ALOAD, o.slot));
        set.add(new MethodInsnNode(INVOKESTATIC, CodaNames.COROUTINE, "owns", "(Ljava/lang/Object;)Z", false));
        set.add(new VarInsnNode(ISTORE, o.flag));
        m.instructions.insert(store, set);
    }

    private void clearFlagAfter(AbstractInsnNode n, int flag) {
        InsnList clear = new InsnList();
        clear.add(new InsnNode(ICONST_0));
        clear.add(new VarInsnNode(ISTORE, flag));
        m.instructions.insert(n, clear);
    }

    /** An await whose value is stored, perhaps after a cast, straight into {@code o}. */
    private void markOwningAwaits(Owned o) {
        for (AbstractInsnNode store : o.stores) {
            Frame<SourceValue> f = frameAt(store);
            if (f == null) continue;
            SourceValue stored = f.getStack(f.getStackSize() - 1);
            if (stored.insns.size() != 1) continue;
            AbstractInsnNode source = stored.insns.iterator().next();
            if (source instanceof TypeInsnNode && source.getOpcode() == CHECKCAST) {
                Frame<SourceValue> g = frameAt(source);
                SourceValue cast = g.getStack(g.getStackSize() - 1);
                if (cast.insns.size() != 1) continue;
                source = cast.insns.iterator().next();
            }
            if (!(source instanceof MethodInsnNode) || source.getOpcode() != INVOKESTATIC) continue;
            MethodInsnNode await = (MethodInsnNode) source;
            if (!await.owner.equals(CodaNames.CODA) || !await.name.equals(CodaNames.AWAIT)) continue;
            InsnList owning = new InsnList();
            if (await.desc.equals(CodaNames.AWAIT_STAGE_DESC)) {
                owning.add(new MethodInsnNode(INVOKESTATIC, CodaNames.COROUTINE, "adapt",
                        "(Ljava/util/concurrent/CompletionStage;)Ldev/coda/Task;", false));
            }
            owning.add(marker(CodaNames.AWAIT_OWNED));
            m.instructions.insert(await, owning);
            m.instructions.remove(await);
        }
    }

    private static MethodInsnNode marker(String name) {
        return new MethodInsnNode(INVOKESTATIC, CodaNames.COROUTINE, name, CodaNames.MARKER_DESC, false);
    }

    /** The source name of the variable that {@code o}'s first store writes, from the LocalVariableTable. */
    private String variableName(Owned o) {
        AbstractInsnNode next = o.stores.iterator().next().getNext();
        while (next != null && next.getOpcode() < 0) next = next.getNext();
        int at = m.instructions.indexOf(next);
        for (LocalVariableNode v : m.localVariables) {
            if (v.index == o.slot && m.instructions.indexOf(v.start) <= at && at < m.instructions.indexOf(v.end)) {
                return v.name;
            }
        }
        return "local" + o.slot;
    }
}
