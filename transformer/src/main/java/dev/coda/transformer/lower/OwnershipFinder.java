package dev.coda.transformer.lower;

import static org.objectweb.asm.Opcodes.*;

import dev.coda.transformer.CodaNames;
import dev.coda.transformer.analysis.ControlFlow;
import dev.coda.transformer.analysis.Diagnostics;
import dev.coda.transformer.analysis.FrameRecorder;
import dev.coda.transformer.analysis.LocalNames;
import dev.coda.transformer.analysis.RealInstructions;
import dev.coda.transformer.hierarchy.ClassHierarchy;
import dev.coda.transformer.select.OwnedParameters;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.objectweb.asm.Type;
import org.objectweb.asm.tree.AbstractInsnNode;
import org.objectweb.asm.tree.ClassNode;
import org.objectweb.asm.tree.LabelNode;
import org.objectweb.asm.tree.LocalVariableAnnotationNode;
import org.objectweb.asm.tree.LocalVariableNode;
import org.objectweb.asm.tree.MethodInsnNode;
import org.objectweb.asm.tree.MethodNode;
import org.objectweb.asm.tree.VarInsnNode;
import org.objectweb.asm.tree.analysis.AnalyzerException;
import org.objectweb.asm.tree.analysis.SourceValue;

/**
 * Finds what a method owns, without changing its code: try-with-resources resources of an AsyncCloseable type,
 * {@code @Owned} locals and parameters, their stores, closes and moves, the awaits whose value goes straight into
 * one, and the exception in flight at each close. It rejects {@code @Owned} on a type that is not an AsyncCloseable,
 * a move of an unowned value and, with {@link AssignmentCheck}, an assignment over a live value. It knows a resource
 * only as a local written by {@code ASTORE}s alone: the close of anything else (a field, a parameter, a computed
 * value) is an unowned close.
 */
final class OwnershipFinder {
    private final ClassNode host;
    private final MethodNode m;
    private final ClassHierarchy hierarchy;
    private final Diagnostics diagnostics;
    private final SourceFrames frames;
    /** Try-with-resources resources, keyed by the set of stores that define them. */
    private final Map<Set<AbstractInsnNode>, OwnedVariable> resources = new LinkedHashMap<>();
    /** {@code @Owned} locals and parameters. */
    private final List<OwnedVariable> scoped = new ArrayList<>();
    private boolean failed;

    private OwnershipFinder(ClassNode host, MethodNode m, ClassHierarchy hierarchy, Diagnostics diagnostics,
                            SourceFrames frames) {
        this.host = host;
        this.m = m;
        this.hierarchy = hierarchy;
        this.diagnostics = diagnostics;
        this.frames = frames;
    }

    /**
     * What {@code m}, whose {@code @Owned} parameters are {@code ownedParameters}, owns; {@link Ownership#none()} if
     * it mentions no ownership, or null on error (reported).
     */
    static Ownership find(ClassNode host, MethodNode m, List<Integer> ownedParameters, ClassHierarchy hierarchy,
                          Diagnostics diagnostics) {
        List<MethodInsnNode> closes = new ArrayList<>();
        List<MethodInsnNode> moves = new ArrayList<>();
        for (AbstractInsnNode n = m.instructions.getFirst(); n != null; n = n.getNext()) {
            if (OwnershipLowering.isAsyncClose(n, hierarchy)) closes.add((MethodInsnNode) n);
            else if (isMove(n)) moves.add((MethodInsnNode) n);
        }
        List<LocalVariableAnnotationNode> ownedLocals = ownedLocalAnnotations(m);
        List<Integer> ownedInPart = OwnedParameters.ownedInPart(host, m);
        if (closes.isEmpty() && moves.isEmpty() && ownedLocals.isEmpty() && ownedParameters.isEmpty()
                && ownedInPart.isEmpty()) {
            return Ownership.none();
        }
        SourceFrames frames = SourceFrames.of(host, m, diagnostics);
        if (frames == null) return null;
        return new OwnershipFinder(host, m, hierarchy, diagnostics, frames)
                .find(closes, moves, ownedLocals, ownedParameters, ownedInPart);
    }

    private Ownership find(List<MethodInsnNode> closes, List<MethodInsnNode> moves,
                           List<LocalVariableAnnotationNode> ownedLocals, List<Integer> ownedParameters,
                           List<Integer> ownedInPart) {
        for (int index : ownedParameters) addParameter(index);
        for (int index : ownedInPart) {
            int slot = LocalNames.parameterSlot(m, index);
            refuseOwnedInPart(OwnedVariable.Kind.PARAMETER, slot, m.instructions.getFirst());
        }
        if (!ownedLocals.isEmpty()) {
            FrameRecorder types = FrameRecorder.record(host.name, m);
            for (LocalVariableAnnotationNode a : ownedLocals) {
                if (OwnedParameters.annotatesWholeType(a.typePath)) addLocal(a, types);
                else refuseOwnedInPart(OwnedVariable.Kind.LOCAL, a.index.get(0), a.start.get(0));
            }
        }
        List<MethodInsnNode> unowned = new ArrayList<>();
        for (MethodInsnNode close : closes) {
            // A close of an @Owned variable (try (@Owned X x = ...), or x.close()) drops it through its own flag.
            OwnedVariable o = scopedOwnerOf(close);
            if (o == null) o = resourceClosedBy(close);
            if (o != null) o.closes().add(close);
            else if (frames.at(close) != null) unowned.add(close);
        }
        for (MethodInsnNode move : moves) {
            OwnedVariable o = ownerOfMoved(move);
            if (o != null) o.moves().add(move);
            else if (frames.at(move) != null) error(move, "Coda.move in " + Diagnostics.describe(host, m) + " is given a "
                    + "value that is not owned here; pass it an @Owned variable or a try-with-resources resource of "
                    + "an AsyncCloseable type");
        }
        List<OwnedVariable> checked = new ArrayList<>();
        ControlFlow flow = scoped.isEmpty() ? null : controlFlow();
        for (OwnedVariable v : scoped) {
            checked.add(v.complete(flow == null ? List.of()
                    : AssignmentCheck.assignments(v, flow, frames, Diagnostics.describe(host, m), this::error)));
        }
        if (failed) return null;
        List<OwnedVariable> closed = new ArrayList<>();
        for (OwnedVariable v : resources.values()) closed.add(v.complete(List.of()));
        Set<MethodInsnNode> owningAwaits = new LinkedHashSet<>();
        for (OwnedVariable v : closed) owningAwaits.addAll(awaitsStoredInto(v));
        for (OwnedVariable v : checked) owningAwaits.addAll(awaitsStoredInto(v));
        Map<MethodInsnNode, Integer> inFlight = new HashMap<>();
        for (MethodInsnNode close : closes) inFlight.put(close, ResourceHandlers.exceptionInFlight(frames, close));
        return new Ownership(true, List.copyOf(closed), List.copyOf(checked), List.copyOf(unowned),
                List.copyOf(owningAwaits), Map.copyOf(inFlight));
    }

    /** The method's control flow; null when ASM cannot compute it, which the analysis stage reports. */
    private ControlFlow controlFlow() {
        try {
            return ControlFlow.of(host.name, m);
        } catch (AnalyzerException e) {
            return null;
        }
    }

    // ---- resources ------------------------------------------------------------------------------------------------

    /** The resource whose {@code close()} this is, created at its first close; null if the receiver is no local. */
    private OwnedVariable resourceClosedBy(MethodInsnNode close) {
        SourceValue receiver = frames.top(close);
        if (receiver == null) return null;
        Set<AbstractInsnNode> stores = storesOf(receiver);
        if (stores == null) return null;
        AbstractInsnNode declaration = stores.iterator().next();
        int slot = ((VarInsnNode) declaration).var;
        LocalVariableNode variable = LocalNames.storedBy(m, slot, declaration);
        return resources.computeIfAbsent(stores, k -> OwnedVariable.found(OwnedVariable.Kind.RESOURCE, slot,
                LocalNames.nameOr(variable, slot), variable != null, OwnedVariable.ASYNC_CLOSEABLE_DESC, k, List.of()));
    }

    /**
     * The stores that wrote the local a value was loaded from, if the value is an {@code ALOAD} of a local written
     * only by {@code ASTORE}s; null otherwise (a parameter, or anything computed).
     */
    private Set<AbstractInsnNode> storesOf(SourceValue value) {
        if (value.insns.size() != 1) return null;
        AbstractInsnNode source = value.insns.iterator().next();
        if (source.getOpcode() != ALOAD) return null;
        Set<AbstractInsnNode> stores = frames.writersOf(((VarInsnNode) source).var, source);
        if (stores.isEmpty()) return null;
        for (AbstractInsnNode s : stores) if (s.getOpcode() != ASTORE) return null;
        return stores;
    }

    // ---- @Owned locals and parameters -------------------------------------------------------------------------------

    /** Every {@code @Owned} of a local, on its whole type or on a part of it (refused: see refuseOwnedInPart). */
    private static List<LocalVariableAnnotationNode> ownedLocalAnnotations(MethodNode m) {
        List<LocalVariableAnnotationNode> found = new ArrayList<>();
        for (List<LocalVariableAnnotationNode> list : List.of(nonNull(m.invisibleLocalVariableAnnotations),
                nonNull(m.visibleLocalVariableAnnotations))) {
            for (LocalVariableAnnotationNode a : list) if (a.desc.equals(CodaNames.OWNED_DESC)) found.add(a);
        }
        return found;
    }

    /**
     * {@code @Owned} on a part of a variable's type ({@code @Owned Conn[] cs} annotates the elements,
     * {@code List<@Owned Conn>} a type argument) would own nothing: an error, not a silent no-op.
     */
    private void refuseOwnedInPart(OwnedVariable.Kind kind, int slot, AbstractInsnNode at) {
        LocalVariableNode variable = LocalNames.variableAt(m, slot, at);
        String named = OwnedVariable.describe(kind, LocalNames.nameOr(variable, slot), variable != null, slot);
        error(at, "@Owned annotates a part of the type of the " + named.substring("@Owned ".length()) + " in "
                + Diagnostics.describe(host, m) + " (an array's elements, or a type argument), which owns nothing: "
                + "only a whole variable can be owned: annotate the variable's own type, or hold each element in an "
                + "@Owned variable of its own");
    }

    private static <T> List<T> nonNull(List<T> list) {
        return list == null ? List.of() : list;
    }

    private void addParameter(int index) {
        int slot = LocalNames.parameterSlot(m, index);
        boolean named = LocalNames.parameterName(m, index, slot) != null;
        String name = LocalNames.memberName(m, index, slot); // as the planner names its spill field
        String desc = Type.getArgumentTypes(m.desc)[index].getDescriptor();
        OwnedVariable.Kind kind = OwnedVariable.Kind.PARAMETER;
        if (checkOwnable(OwnedVariable.describe(kind, name, named, slot), desc, m.instructions.getFirst())) {
            scoped.add(OwnedVariable.found(kind, slot, name, named, desc, Set.of(), List.of()));
        }
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
        LocalVariableNode variable = LocalNames.storedBy(m, slot, declaration);
        String name = LocalNames.nameOr(variable, slot);
        Object[] stack = types.stackBefore(declaration);
        Object stored = stack == null ? null : stack[stack.length - 1];
        String desc = variable != null ? variable.desc : descriptorOf(stored);
        OwnedVariable.Kind kind = OwnedVariable.Kind.LOCAL;
        if (checkOwnable(OwnedVariable.describe(kind, name, variable != null, slot), desc, declaration)) {
            scoped.add(OwnedVariable.found(kind, slot, name, variable != null,
                    desc != null ? desc : OwnedVariable.ASYNC_CLOSEABLE_DESC, declarations, ranges));
        }
    }

    /** The descriptor of a verifier type; null for the null type, which has nothing to check. */
    private static String descriptorOf(Object stored) {
        if (stored instanceof String name) return name.charAt(0) == '[' ? name : "L" + name + ";";
        return null;
    }

    /**
     * Rejects {@code @Owned} on a type that is not AsyncCloseable; true when {@code desc} (null: unknown) is one.
     * {@code variable} is how the message names the variable.
     */
    private boolean checkOwnable(String variable, String desc, AbstractInsnNode at) {
        if (desc == null) return true;
        Type type = Type.getType(desc);
        boolean ok = type.getSort() == Type.OBJECT
                && !type.getInternalName().startsWith("java/")
                && hierarchy.isSubtypeOf(type.getInternalName(), CodaNames.ASYNC_CLOSEABLE);
        if (!ok) {
            error(at, variable + " in " + Diagnostics.describe(host, m) + " has type "
                    + type.getClassName() + ", which is not an AsyncCloseable; only an AsyncCloseable can be owned: "
                    + "remove @Owned, or make the type implement dev.coda.AsyncCloseable");
        }
        return ok;
    }

    // ---- whose close, whose move ------------------------------------------------------------------------------------

    /** The owned variable that {@code Coda.move(x)} is given, or null. */
    private OwnedVariable ownerOfMoved(MethodInsnNode move) {
        OwnedVariable v = scopedOwnerOf(move);
        if (v != null) return v;
        SourceValue moved = frames.top(move);
        Set<AbstractInsnNode> stores = moved == null ? null : storesOf(moved);
        return stores == null ? null : resources.get(stores);
    }

    /** The {@code @Owned} variable whose value is on top of the stack before {@code call}, loaded in its scope. */
    private OwnedVariable scopedOwnerOf(MethodInsnNode call) {
        SourceValue value = frames.top(call);
        if (value == null) return null;
        AbstractInsnNode load = SourceFrames.single(value);
        if (load == null || load.getOpcode() != ALOAD) return null;
        OwnedVariable owner = ownerLoadedBy((VarInsnNode) load);
        return owner != null ? owner : ownerCopiedInto((VarInsnNode) load);
    }

    /** The {@code @Owned} variable that {@code load} reads, or null. */
    private OwnedVariable ownerLoadedBy(VarInsnNode load) {
        for (OwnedVariable v : scoped) {
            if (v.slot() == load.var && (v.kind() == OwnedVariable.Kind.PARAMETER || v.inRanges(m.instructions, load))) {
                return v;
            }
        }
        return null;
    }

    /**
     * {@code try (x)} over an {@code @Owned x}: compilers close a hidden copy of {@code x}, a local whose every store
     * stores a load of {@code x}. That close is {@code x}'s. Returns {@code x}, or null if {@code load} reads no such
     * copy.
     */
    private OwnedVariable ownerCopiedInto(VarInsnNode load) {
        OwnedVariable copied = null;
        for (AbstractInsnNode store : frames.writersOf(load.var, load)) {
            if (store.getOpcode() != ASTORE) return null;
            SourceValue value = frames.top(store);
            AbstractInsnNode source = value == null ? null : SourceFrames.single(value);
            if (source == null || source.getOpcode() != ALOAD) return null;
            OwnedVariable o = ownerLoadedBy((VarInsnNode) source);
            if (o == null || (copied != null && copied != o)) return null;
            copied = o;
        }
        return copied;
    }

    /**
     * The awaits whose value is stored, perhaps after a cast, straight into {@code v}: also each await among the
     * sources of a merged value ({@code flag ? await(open()) : null}).
     */
    private List<MethodInsnNode> awaitsStoredInto(OwnedVariable v) {
        List<MethodInsnNode> awaits = new ArrayList<>();
        for (AbstractInsnNode store : v.stores()) {
            SourceValue stored = frames.top(store);
            if (stored == null) continue;
            Deque<AbstractInsnNode> work = new ArrayDeque<>(stored.insns);
            Set<AbstractInsnNode> seen = new LinkedHashSet<>();
            while (!work.isEmpty()) {
                AbstractInsnNode source = work.poll();
                if (!seen.add(source)) continue;
                if (source.getOpcode() == CHECKCAST) {
                    SourceValue cast = frames.top(source);
                    if (cast != null) work.addAll(cast.insns);
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

    private static boolean isMove(AbstractInsnNode n) {
        if (n.getOpcode() != INVOKESTATIC) return false;
        MethodInsnNode call = (MethodInsnNode) n;
        return call.owner.equals(CodaNames.CODA) && call.name.equals(CodaNames.MOVE) && call.desc.equals(CodaNames.MOVE_DESC);
    }

    private void error(AbstractInsnNode at, String message) {
        diagnostics.error(m, at, message);
        failed = true;
    }
}
