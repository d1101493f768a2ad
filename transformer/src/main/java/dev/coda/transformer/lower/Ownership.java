package dev.coda.transformer.lower;

import java.util.List;
import java.util.Map;
import org.objectweb.asm.tree.MethodInsnNode;

/**
 * What {@link OwnershipFinder} found in one method, for {@link OwnershipWriter}: every instruction the writer
 * rewrites is named here. It describes the code as compiled and holds no frames: nothing in it is recomputed later.
 *
 * @param lowers        false when the method mentions no ownership at all, and is left as compiled
 * @param resources     try-with-resources resources, in the order of their first close
 * @param scoped        {@code @Owned} parameters, in declaration order, then {@code @Owned} locals
 * @param unownedCloses closes of an AsyncCloseable that is no owned variable: always closed, no flag
 * @param owningAwaits  awaits whose value goes straight into an owned variable
 * @param inFlight      for each close in a compiler's try-with-resources handler, the local of the exception in flight
 */
record Ownership(boolean lowers, List<OwnedVariable> resources, List<OwnedVariable> scoped,
                 List<MethodInsnNode> unownedCloses, List<MethodInsnNode> owningAwaits,
                 Map<MethodInsnNode, Integer> inFlight) {
    static Ownership none() {
        return new Ownership(false, List.of(), List.of(), List.of(), List.of(), Map.of());
    }

    /** The local of the exception in flight at {@code close}, or -1. */
    int inFlightAt(MethodInsnNode close) {
        return inFlight.getOrDefault(close, -1);
    }
}
