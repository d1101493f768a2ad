package dev.coda.transformer.plan;

import java.util.List;
import org.objectweb.asm.Type;

/**
 * A parameter (or {@code this}) of the original method, which the stub hands to the body's first step as an
 * argument. It has a field only if it is live across an await, as any local.
 *
 * @param name  the name a spill of its slot takes where no LocalVariableTable entry names it: {@code this$0}, the
 *              parameter's name from the MethodParameters attribute, or {@code argN}
 * @param owned whether it is an {@code @Owned} parameter, dropped even if the body never runs (the runtime drops it
 *              for a task cancelled before its body ran)
 */
public record Param(int slot, String descriptor, String name, boolean owned) {
    /** The local slots {@code params} take, a long or double two: the body's state machine argument is in the next. */
    public static int slots(List<Param> params) {
        int slots = 0;
        for (Param p : params) slots += Type.getType(p.descriptor()).getSize();
        return slots;
    }
}
