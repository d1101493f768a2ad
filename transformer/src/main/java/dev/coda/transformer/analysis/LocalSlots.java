package dev.coda.transformer.analysis;

import org.objectweb.asm.tree.MethodNode;

/**
 * The one way new locals are made: a fresh slot lies past every slot the method uses so far, and is counted into its
 * {@code maxLocals} at once, so the next one taken, by this stage or a later one, is fresh too. A slot is never
 * handed out twice, not even once its value is dead: frames computed afterwards decide how far each lives.
 */
public final class LocalSlots {
    private LocalSlots() {}

    /** A fresh local of {@code size} slots (2 for a long or a double, else 1) in {@code m}. */
    public static int take(MethodNode m, int size) {
        int slot = m.maxLocals;
        m.maxLocals += size;
        return slot;
    }
}
