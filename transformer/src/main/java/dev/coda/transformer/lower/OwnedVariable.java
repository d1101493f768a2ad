package dev.coda.transformer.lower;

import dev.coda.transformer.CodaNames;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import org.objectweb.asm.tree.AbstractInsnNode;
import org.objectweb.asm.tree.InsnList;
import org.objectweb.asm.tree.LabelNode;
import org.objectweb.asm.tree.MethodInsnNode;

/**
 * A variable whose value an async method owns, as {@link OwnershipFinder} found it: the method must close that
 * value exactly once, when the variable's scope ends, unless {@code Coda.move} hands it on first. Once handed on it
 * no longer changes. It knows instructions of the code as compiled, not where the writer's glue went.
 *
 * @param name   the source name, for diagnostics and the drop flag's name; a stand-in when {@code named} is false
 * @param named  whether the class file gives the variable's source name (it does not without {@code -g})
 * @param desc   the declared type, for the debug names of glue code
 * @param stores the stores that give it a value: the declarations first, then the assignments in its scope; none
 *               for a parameter
 * @param ranges LOCAL: the compiler's ranges, {start, end} pairs; empty otherwise
 */
record OwnedVariable(Kind kind, int slot, String name, boolean named, String desc, Set<AbstractInsnNode> stores,
                     List<LabelNode[]> ranges, List<MethodInsnNode> closes, List<MethodInsnNode> moves) {
    enum Kind {
        /** A try-with-resources resource of an AsyncCloseable type: the compiler's own code closes it on every exit. */
        RESOURCE,
        /** An {@code @Owned} local: dropped when its scope, as the compiler records it, is left. */
        LOCAL,
        /** An {@code @Owned} parameter: dropped when the function exits. */
        PARAMETER
    }

    /** The type of a variable whose declared type is unknown. */
    static final String ASYNC_CLOSEABLE_DESC = "L" + CodaNames.ASYNC_CLOSEABLE + ";";

    /** One the finder is still building: its closes and moves are still being collected. */
    static OwnedVariable found(Kind kind, int slot, String name, boolean named, String desc,
                               Set<AbstractInsnNode> declarations, List<LabelNode[]> ranges) {
        return new OwnedVariable(kind, slot, name, named, desc, new LinkedHashSet<>(declarations), ranges,
                new ArrayList<>(), new ArrayList<>());
    }

    /** How messages name it, as {@link #describe}. */
    String described() {
        return describe(kind, name, named, slot);
    }

    /**
     * How messages name a variable: what it is, then its source name in quotes, so that no name can read as part of
     * the sentence ({@code @Owned parameter 'in'}); without a source name, its slot.
     */
    static String describe(Kind kind, String name, boolean named, int slot) {
        String what = switch (kind) {
            case RESOURCE -> "try-with-resources resource";
            case LOCAL -> "@Owned variable";
            case PARAMETER -> "@Owned parameter";
        };
        return named ? what + " '" + name + "'" : what + " in slot " + slot;
    }

    /** As handed on: with the assignments found in its scope among its stores, and nothing left to collect. */
    OwnedVariable complete(List<AbstractInsnNode> assignments) {
        Set<AbstractInsnNode> all = new LinkedHashSet<>(stores);
        all.addAll(assignments);
        return new OwnedVariable(kind, slot, name, named, desc, Collections.unmodifiableSet(all), List.copyOf(ranges),
                List.copyOf(closes), List.copyOf(moves));
    }

    /** The store that declares it (a LOCAL's first); undefined for a parameter. */
    AbstractInsnNode declaration() {
        return stores.iterator().next();
    }

    /** Whether {@code n} lies in one of its ranges. */
    boolean inRanges(InsnList code, AbstractInsnNode n) {
        int at = code.indexOf(n);
        for (LabelNode[] r : ranges) if (code.indexOf(r[0]) <= at && at < code.indexOf(r[1])) return true;
        return false;
    }
}
