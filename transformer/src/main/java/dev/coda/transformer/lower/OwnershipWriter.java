package dev.coda.transformer.lower;

import static org.objectweb.asm.Opcodes.*;

import dev.coda.transformer.CodaNames;
import dev.coda.transformer.analysis.LocalSlots;
import java.util.ArrayList;
import java.util.List;
import org.objectweb.asm.tree.AbstractInsnNode;
import org.objectweb.asm.tree.InsnList;
import org.objectweb.asm.tree.InsnNode;
import org.objectweb.asm.tree.LabelNode;
import org.objectweb.asm.tree.LocalVariableNode;
import org.objectweb.asm.tree.MethodInsnNode;
import org.objectweb.asm.tree.MethodNode;
import org.objectweb.asm.tree.VarInsnNode;

/**
 * Writes what {@link OwnershipFinder} found into the method: a drop flag per owned variable (a boolean local
 * {@code drop$NAME}, false on entry or, for a parameter, whether it holds a value; set after every store, cleared by
 * a move), drop glue in place of every close, {@code awaitOwned} in place of every await whose value goes straight
 * into an owned variable; then hands the flags of the {@code @Owned} variables to {@link ScopeGlue}. It checks
 * nothing and rewrites exactly the instructions the {@link Ownership} names; the frames it leaves are stale.
 */
final class OwnershipWriter {
    private OwnershipWriter() {}

    static void write(MethodNode m, Ownership found) {
        List<OwnedVariable> all = new ArrayList<>(found.resources());
        all.addAll(found.scoped());
        int[] flags = new int[all.size()];
        for (int i = 0; i < all.size(); i++) flags[i] = LocalSlots.take(m, 1);
        // The code as compiled, which an @Owned parameter's handler covers.
        LabelNode codeStart = new LabelNode();
        LabelNode codeEnd = new LabelNode();
        if (!found.scoped().isEmpty()) {
            m.instructions.insert(codeStart);
            m.instructions.add(codeEnd);
        }
        InsnList entry = new InsnList();
        LabelNode start = new LabelNode();
        LabelNode end = new LabelNode();
        entry.add(start);
        List<DropFlag> scopedFlags = new ArrayList<>();
        for (int i = 0; i < all.size(); i++) {
            OwnedVariable v = all.get(i);
            int flag = flags[i];
            if (v.kind() == OwnedVariable.Kind.PARAMETER) {
                entry.add(new VarInsnNode(ALOAD, v.slot()));
                entry.add(DropGlue.owns());
            } else {
                entry.add(new InsnNode(ICONST_0));
            }
            entry.add(new VarInsnNode(ISTORE, flag));
            if (m.localVariables != null) {
                m.localVariables.add(new LocalVariableNode("drop$" + v.name(), "Z", null, start, end, flag));
            }
            List<AbstractInsnNode> sets = new ArrayList<>();
            for (AbstractInsnNode store : v.stores()) sets.add(setFlagAfter(m, store, v.slot(), flag));
            for (MethodInsnNode close : v.closes()) replaceClose(m, close, flag, found.inFlightAt(close));
            for (MethodInsnNode move : v.moves()) m.instructions.insert(move, DropGlue.clearFlag(flag));
            if (v.kind() != OwnedVariable.Kind.RESOURCE) scopedFlags.add(new DropFlag(v, flag, List.copyOf(sets)));
        }
        found.owningAwaits().forEach(await -> markOwning(m, await));
        for (MethodInsnNode close : found.unownedCloses()) replaceClose(m, close, -1, found.inFlightAt(close));
        m.instructions.insert(entry);
        if (!scopedFlags.isEmpty()) ScopeGlue.write(m, codeStart, codeEnd, scopedFlags);
        m.instructions.add(end); // after the glue's handlers too: a flag keeps its name everywhere
    }

    /** {@code flag = Coroutine.owns(value)} right after {@code store}; returns the flag's {@code ISTORE}. */
    private static AbstractInsnNode setFlagAfter(MethodNode m, AbstractInsnNode store, int slot, int flag) {
        InsnList set = new InsnList();
        VarInsnNode setFlag = new VarInsnNode(ISTORE, flag);
        set.add(new VarInsnNode(ALOAD, slot));
        set.add(DropGlue.owns());
        set.add(setFlag);
        m.instructions.insert(store, set);
        return setFlag;
    }

    /**
     * {@code r.close()} becomes {@code awaitCleanup(Coroutine.drop(r, flag))} with the flag cleared first; in a
     * compiler's handler of a try-with-resources, {@code Coroutine.dropFailing(r, flag, t)} with the exception in
     * flight.
     */
    private static void replaceClose(MethodNode m, MethodInsnNode close, int flag, int inFlight) {
        m.instructions.insert(close, DropGlue.drop(flag, inFlight));
        m.instructions.remove(close);
    }

    /** {@code await(x)} becomes {@code awaitOwned(x)}: a value in transit there is dropped on cancellation. */
    private static void markOwning(MethodNode m, MethodInsnNode await) {
        InsnList owning = new InsnList();
        if (await.desc.equals(CodaNames.AWAIT_STAGE_DESC)) {
            owning.add(new MethodInsnNode(INVOKESTATIC, CodaNames.COROUTINE, "adapt",
                    "(Ljava/util/concurrent/CompletionStage;)Ldev/coda/Task;", false));
        }
        owning.add(DropGlue.marker(CodaNames.AWAIT_OWNED));
        m.instructions.insert(await, owning);
        m.instructions.remove(await);
    }
}
