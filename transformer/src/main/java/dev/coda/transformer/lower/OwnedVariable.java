package dev.coda.transformer.lower;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.objectweb.asm.tree.AbstractInsnNode;
import org.objectweb.asm.tree.InsnList;
import org.objectweb.asm.tree.LabelNode;
import org.objectweb.asm.tree.MethodInsnNode;
import org.objectweb.asm.tree.TryCatchBlockNode;

/** A variable whose value an async method owns (SPEC §5.1), as the lower stage found it. */
final class OwnedVariable {
    enum Kind {
        /** A try-with-resources resource of an AsyncCloseable type: javac's own code closes it on every exit. */
        RESOURCE,
        /** An {@code @Owned} local: dropped when its scope, as the compiler records it, is left. */
        LOCAL,
        /** An {@code @Owned} parameter: dropped when the function exits. */
        PARAMETER
    }

    final Kind kind;
    final int slot;
    /** Stores that give it its value: for LOCAL, the stores just before its ranges first; none for PARAMETER. */
    final Set<AbstractInsnNode> stores;
    /** LOCAL: the compiler's ranges, {start, end} pairs; empty otherwise. */
    final List<LabelNode[]> ranges;
    /**
     * LOCAL: the instruction that sets the flag after each declaration, which belongs to the scope too: a scope whose
     * range is empty (a declaration that ends its block) is left right there.
     */
    final List<AbstractInsnNode> flagSets = new ArrayList<>();
    /** The drop flag's local slot. */
    int flag;
    /** LOCAL and PARAMETER: the catch-all entries that drop the value when an exception leaves the scope. */
    final List<TryCatchBlockNode> handlers = new ArrayList<>();
    /** The source name, for diagnostics and the drop flag's name. */
    String name;
    /** The declared type, for the debug names of glue code. */
    String desc = "L" + dev.coda.transformer.CodaNames.ASYNC_CLOSEABLE + ";";
    final List<MethodInsnNode> closes = new ArrayList<>();
    final List<MethodInsnNode> moves = new ArrayList<>();

    OwnedVariable(Kind kind, int slot, Set<AbstractInsnNode> stores, List<LabelNode[]> ranges) {
        this.kind = kind;
        this.slot = slot;
        this.stores = stores;
        this.ranges = ranges;
    }

    /** Whether {@code n} lies in one of its ranges. */
    boolean inRanges(InsnList code, AbstractInsnNode n) {
        int at = code.indexOf(n);
        for (LabelNode[] r : ranges) if (code.indexOf(r[0]) <= at && at < code.indexOf(r[1])) return true;
        return false;
    }
}
