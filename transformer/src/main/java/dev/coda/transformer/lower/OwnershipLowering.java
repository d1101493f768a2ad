package dev.coda.transformer.lower;

import dev.coda.transformer.analysis.RealInstructions;
import static org.objectweb.asm.Opcodes.*;

import dev.coda.transformer.CodaNames;
import dev.coda.transformer.analysis.ControlFlow;
import dev.coda.transformer.analysis.Diagnostics;
import dev.coda.transformer.analysis.FrameRecorder;
import dev.coda.transformer.analysis.LocalNames;
import dev.coda.transformer.analysis.LocalSlots;
import dev.coda.transformer.emit.FrameComputer;
import dev.coda.transformer.hierarchy.ClassHierarchy;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Deque;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.objectweb.asm.Type;
import org.objectweb.asm.Opcodes;
import org.objectweb.asm.tree.AbstractInsnNode;
import org.objectweb.asm.tree.ClassNode;
import org.objectweb.asm.tree.InsnList;
import org.objectweb.asm.tree.InsnNode;
import org.objectweb.asm.tree.LabelNode;
import org.objectweb.asm.tree.LocalVariableAnnotationNode;
import org.objectweb.asm.tree.LocalVariableNode;
import org.objectweb.asm.tree.MethodInsnNode;
import org.objectweb.asm.tree.MethodNode;
import org.objectweb.asm.tree.VarInsnNode;
import org.objectweb.asm.tree.analysis.AnalyzerException;
import org.objectweb.asm.tree.analysis.Frame;
import org.objectweb.asm.tree.analysis.SourceValue;

/**
 * The lower stage: turns the ownership of async resources (owned variables, try-with-resources) into plain
 * bytecode, which the later stages then treat like any other code, as Kotlin lowers constructs before it builds a
 * state machine. In an async method:
 * <ul>
 *   <li>each owned variable (a try-with-resources resource of an AsyncCloseable type, an {@code @Owned} local or
 *       parameter) gets a <b>drop flag</b>, a boolean local {@code drop$NAME}: false on entry, set to
 *       {@code value != null} after every store, cleared when the value is dropped or moved out. A flag that is live
 *       across an await is saved in the state machine like any other local, so there it is a field;</li>
 *   <li>each {@code close()} of an {@code AsyncCloseable} (javac's try-with-resources code: on every exit of the
 *       {@code try}, with the JLS suppression rules already in place) becomes <b>drop glue</b>: clear the flag, then
 *       await {@code Coroutine.drop(r, flag)}, which closes the value only if the flag was set. Glue awaits are
 *       {@code awaitCleanup} markers: never a point where a cancellation is delivered;</li>
 *   <li>{@code @Owned} locals and parameters get the same glue on every exit of their scope ({@link ScopeGlue});</li>
 *   <li>{@code Coda.move(x)} of an owned {@code x} clears x's flag;</li>
 *   <li>an await whose value goes straight into an owned variable becomes an {@code awaitOwned} marker, so a
 *       cancellation delivered there drops the value in transit.</li>
 * </ul>
 * It also rejects {@code @Owned} on a type that is not an AsyncCloseable, and an assignment to an owned variable that
 * may still hold a live value. A method that owns nothing is returned as it is; otherwise its frames are
 * recomputed, since the flags are new locals and the glue new code.
 */
public final class OwnershipLowering {
    private static final String DROP_DESC = "(L" + CodaNames.ASYNC_CLOSEABLE + ";Z)" + CodaNames.TASK_DESC;
    private static final String DROP_FAILING_DESC =
            "(L" + CodaNames.ASYNC_CLOSEABLE + ";ZLjava/lang/Throwable;)" + CodaNames.TASK_DESC;

    private final ClassNode host;
    private final MethodNode m;
    private final ClassHierarchy hierarchy;
    private final Diagnostics diagnostics;
    private SourceFrames frames;
    /** For each {@code close()}, the local of the exception in flight there, or -1 (see {@link ResourceHandlers}). */
    private final Map<MethodInsnNode, Integer> inFlightAt = new HashMap<>();
    private boolean failed;

    /** Try-with-resources resources, keyed by the set of stores that define them. */
    private final Map<Set<AbstractInsnNode>, OwnedVariable> resources = new LinkedHashMap<>();
    /** {@code @Owned} locals and parameters. */
    private final List<OwnedVariable> scoped = new ArrayList<>();

    private OwnershipLowering(ClassNode host, MethodNode m, ClassHierarchy hierarchy, Diagnostics diagnostics) {
        this.host = host;
        this.m = m;
        this.hierarchy = hierarchy;
        this.diagnostics = diagnostics;
    }

    /**
     * {@code m} lowered (a new node with fresh frames), {@code m} itself if it owns nothing, or null on error.
     * {@code m} is never changed: the work is done on a copy, so a later stage that rejects the method puts back the
     * method as it was compiled.
     */
    public static MethodNode lower(ClassNode host, MethodNode m, ClassHierarchy hierarchy, Diagnostics diagnostics) {
        MethodNode copy = new MethodNode(Opcodes.ASM9, m.access, m.name, m.desc, m.signature,
                m.exceptions.toArray(new String[0]));
        m.accept(copy);
        MethodNode lowered = new OwnershipLowering(host, copy, hierarchy, diagnostics).lower();
        return lowered == copy ? m : lowered;
    }

    private MethodNode lower() {
        List<MethodInsnNode> closes = new ArrayList<>();
        List<MethodInsnNode> moves = new ArrayList<>();
        for (AbstractInsnNode n = m.instructions.getFirst(); n != null; n = n.getNext()) {
            if (isAsyncClose(n, hierarchy)) closes.add((MethodInsnNode) n);
            else if (isMove(n)) moves.add((MethodInsnNode) n);
        }
        List<LocalVariableAnnotationNode> ownedLocals = ownedLocalAnnotations();
        List<Integer> ownedParameters = OwnedParameters.indices(host, m);
        if (closes.isEmpty() && moves.isEmpty() && ownedLocals.isEmpty() && ownedParameters.isEmpty()) return m;
        frames = SourceFrames.of(host, m, diagnostics);
        if (frames == null) return null;

        // ---- find the owned variables
        for (int index : ownedParameters) addParameter(index);
        if (!ownedLocals.isEmpty()) {
            FrameRecorder types = FrameRecorder.record(host.name, m);
            for (LocalVariableAnnotationNode a : ownedLocals) addLocal(a, types);
        }
        List<MethodInsnNode> unowned = new ArrayList<>();
        for (MethodInsnNode close : closes) {
            // A close of an @Owned variable (try (@Owned X x = ...), or x.close()) drops it through its own flag.
            OwnedVariable o = scopedOwnerOf(close);
            if (o == null) o = resourceClosedBy(close);
            if (o != null) o.closes.add(close);
            else if (frameAt(close) != null) unowned.add(close);
        }
        for (MethodInsnNode move : moves) {
            OwnedVariable o = ownerOfMoved(move);
            if (o != null) o.moves.add(move);
            else if (frameAt(move) != null) error(move, "Coda.move in " + Diagnostics.describe(host, m) + " is given a "
                    + "value that is not owned here; pass it an @Owned variable or a try-with-resources resource of "
                    + "an AsyncCloseable type");
        }
        ControlFlow flow = scoped.isEmpty() ? null : controlFlow();
        for (OwnedVariable v : scoped) {
            if (flow == null) continue;
            // Stores in the scope set the flag too.
            v.stores.addAll(AssignmentCheck.assignments(v, flow, frames, Diagnostics.describe(host, m), this::error));
        }
        if (failed) return null;
        Set<MethodInsnNode> owningAwaits = new LinkedHashSet<>();
        for (OwnedVariable v : resources.values()) owningAwaits.addAll(awaitsStoredInto(v));
        for (OwnedVariable v : scoped) owningAwaits.addAll(awaitsStoredInto(v));
        // The exception in flight at each close is read from the source frames too, before the writing starts.
        for (MethodInsnNode close : closes) inFlightAt.put(close, ResourceHandlers.exceptionInFlight(frames, close));
        // Source frames are indexed by instruction: everything above read them, nothing below does.
        frames = null;

        // ---- write the flags, the glue and the markers
        List<OwnedVariable> all = new ArrayList<>(resources.values());
        all.addAll(scoped);
        for (OwnedVariable v : all) {
            v.flag = LocalSlots.take(m, 1);
            if (v.name == null) {
                v.name = LocalNames.nameOr(LocalNames.storedBy(m, v.slot, v.stores.iterator().next()), v.slot);
            }
        }
        ScopeGlue glue = scoped.isEmpty() ? null : new ScopeGlue(m);
        InsnList entry = new InsnList();
        LabelNode start = new LabelNode();
        LabelNode end = new LabelNode();
        entry.add(start);
        for (OwnedVariable v : all) {
            if (v.kind == OwnedVariable.Kind.PARAMETER) {
                entry.add(new VarInsnNode(ALOAD, v.slot));
                entry.add(owns());
            } else {
                entry.add(new InsnNode(ICONST_0));
            }
            entry.add(new VarInsnNode(ISTORE, v.flag));
            if (m.localVariables != null) {
                m.localVariables.add(new LocalVariableNode("drop$" + v.name, "Z", null, start, end, v.flag));
            }
            for (AbstractInsnNode store : v.stores) setFlagAfter(store, v);
            for (MethodInsnNode close : v.closes) replaceClose(close, v.flag);
            for (MethodInsnNode move : v.moves) clearFlagAfter(move, v.flag);
        }
        owningAwaits.forEach(this::markOwning);
        for (MethodInsnNode close : unowned) replaceClose(close, -1);
        m.instructions.insert(entry);
        if (glue != null) {
            // Scopes nest: a parameter's encloses every local's, a longer range encloses a shorter one it overlaps.
            List<OwnedVariable> outerFirst = new ArrayList<>(scoped);
            outerFirst.sort(Comparator.comparingInt(this::scopeOrder));
            outerFirst.forEach(glue::track);
            outerFirst.forEach(glue::addHandler);
            for (int i = outerFirst.size() - 1; i >= 0; i--) glue.addExitGlue(outerFirst.get(i));
            ExceptionTable.removeEmpty(m);
        }
        m.instructions.add(end); // after the glue's handlers too: a flag keeps its name everywhere
        return FrameComputer.withFrames(host, m, hierarchy);
    }

    // ---- finding owned variables ---------------------------------------------------------------------------------

    /** The resource whose {@code close()} this is, created at its first close; null if the receiver is no local. */
    private OwnedVariable resourceClosedBy(MethodInsnNode close) {
        Frame<SourceValue> f = frameAt(close);
        if (f == null) return null;
        Set<AbstractInsnNode> stores = storesOf(f.getStack(f.getStackSize() - 1));
        if (stores == null) return null;
        int slot = ((VarInsnNode) stores.iterator().next()).var;
        return resources.computeIfAbsent(stores,
                k -> new OwnedVariable(OwnedVariable.Kind.RESOURCE, slot, new LinkedHashSet<>(k), List.of()));
    }

    /**
     * The stores that wrote the local a value was loaded from, if the value is an {@code ALOAD} of a local written
     * only by {@code ASTORE}s; null otherwise (a parameter, or anything computed).
     */
    private Set<AbstractInsnNode> storesOf(SourceValue value) {
        if (value.insns.size() != 1) return null;
        AbstractInsnNode source = value.insns.iterator().next();
        if (source.getOpcode() != ALOAD) return null;
        Set<AbstractInsnNode> stores = frameAt(source).getLocal(((VarInsnNode) source).var).insns;
        if (stores.isEmpty()) return null;
        for (AbstractInsnNode s : stores) if (s.getOpcode() != ASTORE) return null;
        return stores;
    }

    private List<LocalVariableAnnotationNode> ownedLocalAnnotations() {
        List<LocalVariableAnnotationNode> found = new ArrayList<>();
        for (List<LocalVariableAnnotationNode> list : List.of(nonNull(m.invisibleLocalVariableAnnotations),
                nonNull(m.visibleLocalVariableAnnotations))) {
            for (LocalVariableAnnotationNode a : list) {
                if (a.desc.equals(CodaNames.OWNED_DESC) && a.typePath == null) found.add(a);
            }
        }
        return found;
    }

    private static <T> List<T> nonNull(List<T> list) {
        return list == null ? List.of() : list;
    }

    private void addParameter(int index) {
        Type[] args = Type.getArgumentTypes(m.desc);
        int slot = (m.access & ACC_STATIC) != 0 ? 0 : 1;
        for (int i = 0; i < index; i++) slot += args[i].getSize();
        OwnedVariable v = new OwnedVariable(OwnedVariable.Kind.PARAMETER, slot, new LinkedHashSet<>(), List.of());
        v.name = LocalNames.parameterName(m, index, slot);
        if (v.name == null) v.name = "parameter " + index;
        if (checkOwnable(v, args[index].getDescriptor(), m.instructions.getFirst())) scoped.add(v);
    }

    /**
     * The variables an {@code @Owned} local annotation describes: one per slot, since javac records every inlined
     * copy of a finally block's local, each in a slot of its own, under one annotation.
     */
    private void addLocal(LocalVariableAnnotationNode a, FrameRecorder types) {
        Map<Integer, List<LabelNode[]>> rangesBySlot = new LinkedHashMap<>();
        for (int i = 0; i < a.start.size(); i++) {
            rangesBySlot.computeIfAbsent(a.index.get(i), k -> new ArrayList<>())
                    .add(new LabelNode[] {a.start.get(i), a.end.get(i)});
        }
        rangesBySlot.forEach((slot, ranges) -> addLocal(slot, ranges, types));
    }

    private void addLocal(int slot, List<LabelNode[]> ranges, FrameRecorder types) {
        Set<AbstractInsnNode> declarations = new LinkedHashSet<>();
        for (LabelNode[] r : ranges) {
            AbstractInsnNode before = RealInstructions.previous(r[0]);
            if (before != null && before.getOpcode() == ASTORE && ((VarInsnNode) before).var == slot) declarations.add(before);
        }
        if (declarations.isEmpty()) {
            error(ranges.get(0)[0], "cannot find where the @Owned variable in slot " + slot + " of "
                    + Diagnostics.describe(host, m) + " is declared; declare it with an initialiser");
            return;
        }
        AbstractInsnNode declaration = declarations.iterator().next();
        OwnedVariable v = new OwnedVariable(OwnedVariable.Kind.LOCAL, slot, declarations, ranges);
        v.name = LocalNames.nameOr(LocalNames.storedBy(m, slot, declaration), slot);
        Object[] stack = types.stackBefore(declaration);
        Object stored = stack == null ? null : stack[stack.length - 1];
        String desc = localDescriptor(slot, declaration, stored);
        if (checkOwnable(v, desc, declaration)) scoped.add(v);
    }

    /** The declared type of a local from the LocalVariableTable, else the verifier's type of the stored value. */
    private String localDescriptor(int slot, AbstractInsnNode store, Object stored) {
        LocalVariableNode var = LocalNames.storedBy(m, slot, store);
        if (var != null) return var.desc;
        if (stored instanceof String) {
            String name = (String) stored;
            return name.charAt(0) == '[' ? name : "L" + name + ";";
        }
        return null; // the null type: nothing to check
    }

    /** Rejects {@code @Owned} on a type that is not AsyncCloseable. */
    private boolean checkOwnable(OwnedVariable v, String desc, AbstractInsnNode at) {
        if (desc == null) return true;
        Type type = Type.getType(desc);
        boolean ok = type.getSort() == Type.OBJECT
                && !type.getInternalName().startsWith("java/")
                && hierarchy.isSubtypeOf(type.getInternalName(), CodaNames.ASYNC_CLOSEABLE);
        if (ok) v.desc = desc;
        if (!ok) {
            error(at, "@Owned " + v.name + " in " + Diagnostics.describe(host, m) + " has type "
                    + type.getClassName() + ", which is not an AsyncCloseable; only an AsyncCloseable can be owned: "
                    + "remove @Owned, or make the type implement dev.coda.AsyncCloseable");
        }
        return ok;
    }

    /** The owned variable that {@code Coda.move(x)} is given, or null. */
    private OwnedVariable ownerOfMoved(MethodInsnNode move) {
        OwnedVariable v = scopedOwnerOf(move);
        if (v != null) return v;
        Frame<SourceValue> f = frameAt(move);
        Set<AbstractInsnNode> stores = f == null ? null : storesOf(f.getStack(f.getStackSize() - 1));
        return stores == null ? null : resources.get(stores);
    }

    /** The {@code @Owned} variable whose value is on top of the stack before {@code call}, loaded in its scope. */
    private OwnedVariable scopedOwnerOf(MethodInsnNode call) {
        Frame<SourceValue> f = frameAt(call);
        if (f == null) return null;
        AbstractInsnNode load = single(f.getStack(f.getStackSize() - 1));
        if (load == null || load.getOpcode() != ALOAD) return null;
        OwnedVariable owner = ownerLoadedBy((VarInsnNode) load);
        return owner != null ? owner : ownerCopiedInto((VarInsnNode) load);
    }

    /** The {@code @Owned} variable that {@code load} reads, or null. */
    private OwnedVariable ownerLoadedBy(VarInsnNode load) {
        for (OwnedVariable v : scoped) {
            if (v.slot == load.var && (v.kind == OwnedVariable.Kind.PARAMETER || v.inRanges(m.instructions, load))) return v;
        }
        return null;
    }

    /**
     * {@code try (x)} over an {@code @Owned x}: compilers close a hidden copy of {@code x}, a local whose every store
     * stores a load of {@code x}. That close is {@code x}'s. Returns {@code x}, or null if {@code load} reads no such
     * copy.
     */
    private OwnedVariable ownerCopiedInto(VarInsnNode load) {
        Set<AbstractInsnNode> stores = frameAt(load).getLocal(load.var).insns;
        OwnedVariable copied = null;
        for (AbstractInsnNode store : stores) {
            if (store.getOpcode() != ASTORE) return null;
            Frame<SourceValue> at = frameAt(store);
            AbstractInsnNode source = at == null ? null : single(at.getStack(at.getStackSize() - 1));
            if (source == null || source.getOpcode() != ALOAD) return null;
            OwnedVariable o = ownerLoadedBy((VarInsnNode) source);
            if (o == null || (copied != null && copied != o)) return null;
            copied = o;
        }
        return copied;
    }

    /** The method's control flow; null when ASM cannot compute it, which the analysis stage reports. */
    private ControlFlow controlFlow() {
        try {
            return ControlFlow.of(host.name, m);
        } catch (AnalyzerException e) {
            return null;
        }
    }

    /** Parameters first, in declaration order; then locals, longer scopes first. */
    private int scopeOrder(OwnedVariable v) {
        if (v.kind == OwnedVariable.Kind.PARAMETER) return -1_000_000 + v.slot;
        int length = 0;
        for (LabelNode[] r : v.ranges) length += m.instructions.indexOf(r[1]) - m.instructions.indexOf(r[0]);
        return -length;
    }

    // ---- writing ----------------------------------------------------------------------------------------------------

    private Frame<SourceValue> frameAt(AbstractInsnNode n) {
        return frames.at(n);
    }

    /** A {@code close()} call on a type that is an AsyncCloseable (JDK types never are). */
    public static boolean isAsyncClose(AbstractInsnNode n, ClassHierarchy hierarchy) {
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

    /**
     * {@code r.close()} becomes {@code awaitCleanup(Coroutine.drop(r, flag))} with the flag cleared first; in javac's
     * handler of a try-with-resources, {@code Coroutine.dropFailing(r, flag, t)} with the exception in flight.
     */
    private void replaceClose(MethodInsnNode close, int flag) {
        m.instructions.insert(close, dropGlue(flag, inFlightAt.getOrDefault(close, -1)));
        m.instructions.remove(close);
    }

    /**
     * Drop glue for the value on the stack: clear its flag, then await {@code Coroutine.drop(value, flag)} as cleanup.
     * A negative {@code flag}: an unowned value, always closed. With the local {@code inFlight} of an exception in
     * flight (else -1), {@code Coroutine.dropFailing(value, flag, exception)}: a scope then cancels its children.
     */
    static InsnList dropGlue(int flag, int inFlight) {
        InsnList glue = new InsnList();
        if (flag < 0) {
            glue.add(new InsnNode(ICONST_1));
        } else {
            glue.add(new VarInsnNode(ILOAD, flag));
            glue.add(new InsnNode(ICONST_0));
            glue.add(new VarInsnNode(ISTORE, flag));
        }
        if (inFlight < 0) {
            glue.add(new MethodInsnNode(INVOKESTATIC, CodaNames.COROUTINE, "drop", DROP_DESC, false));
        } else {
            glue.add(new VarInsnNode(ALOAD, inFlight));
            glue.add(new MethodInsnNode(INVOKESTATIC, CodaNames.COROUTINE, "dropFailing", DROP_FAILING_DESC, false));
        }
        glue.add(marker(CodaNames.AWAIT_CLEANUP));
        glue.add(new InsnNode(POP));
        return glue;
    }

    private void setFlagAfter(AbstractInsnNode store, OwnedVariable v) {
        InsnList set = new InsnList();
        VarInsnNode setFlag = new VarInsnNode(ISTORE, v.flag);
        set.add(new VarInsnNode(ALOAD, v.slot));
        set.add(owns());
        set.add(setFlag);
        m.instructions.insert(store, set);
        v.flagSets.add(setFlag);
    }

    private static MethodInsnNode owns() {
        return new MethodInsnNode(INVOKESTATIC, CodaNames.COROUTINE, "owns", "(Ljava/lang/Object;)Z", false);
    }

    private void clearFlagAfter(AbstractInsnNode n, int flag) {
        InsnList clear = new InsnList();
        clear.add(new InsnNode(ICONST_0));
        clear.add(new VarInsnNode(ISTORE, flag));
        m.instructions.insert(n, clear);
    }

    /**
     * The awaits whose value is stored, perhaps after a cast, straight into {@code v}: also each await among the
     * sources of a merged value ({@code flag ? await(open()) : null}).
     */
    private List<MethodInsnNode> awaitsStoredInto(OwnedVariable v) {
        List<MethodInsnNode> awaits = new ArrayList<>();
        for (AbstractInsnNode store : v.stores) {
            Frame<SourceValue> f = frameAt(store);
            if (f == null) continue;
            Deque<AbstractInsnNode> work = new ArrayDeque<>(f.getStack(f.getStackSize() - 1).insns);
            Set<AbstractInsnNode> seen = new LinkedHashSet<>();
            while (!work.isEmpty()) {
                AbstractInsnNode source = work.poll();
                if (!seen.add(source)) continue;
                if (source.getOpcode() == CHECKCAST) {
                    Frame<SourceValue> g = frameAt(source);
                    if (g != null) work.addAll(g.getStack(g.getStackSize() - 1).insns);
                } else if (source.getOpcode() == INVOKESTATIC) {
                    MethodInsnNode call = (MethodInsnNode) source;
                    if (call.owner.equals(CodaNames.CODA) && call.name.equals(CodaNames.AWAIT) && !awaits.contains(call)) {
                        awaits.add(call);
                    }
                }
            }
        }
        return awaits;
    }

    /** {@code await(x)} becomes {@code awaitOwned(x)}: a value in transit there is dropped on cancellation. */
    private void markOwning(MethodInsnNode await) {
        InsnList owning = new InsnList();
        if (await.desc.equals(CodaNames.AWAIT_STAGE_DESC)) {
            owning.add(new MethodInsnNode(INVOKESTATIC, CodaNames.COROUTINE, "adapt",
                    "(Ljava/util/concurrent/CompletionStage;)Ldev/coda/Task;", false));
        }
        owning.add(marker(CodaNames.AWAIT_OWNED));
        m.instructions.insert(await, owning);
        m.instructions.remove(await);
    }

    private static AbstractInsnNode single(SourceValue v) {
        return v.insns.size() == 1 ? v.insns.iterator().next() : null;
    }

    private static MethodInsnNode marker(String name) {
        return new MethodInsnNode(INVOKESTATIC, CodaNames.COROUTINE, name, CodaNames.MARKER_DESC, false);
    }

    // ---- diagnostics ----------------------------------------------------------------------------------------------

    private void error(AbstractInsnNode at, String message) {
        diagnostics.error(m, at, message);
        failed = true;
    }
}
