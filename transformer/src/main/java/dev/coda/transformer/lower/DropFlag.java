package dev.coda.transformer.lower;

import java.util.List;
import org.objectweb.asm.tree.AbstractInsnNode;

/**
 * The drop flag {@link OwnershipWriter} gave an {@code @Owned} variable, for {@link ScopeGlue}.
 *
 * @param slot the flag's local: true while the variable holds a value it must drop
 * @param sets the {@code ISTORE}s that set the flag after each store of the variable; they belong to its scope too,
 *             so a scope whose range is empty (a declaration that ends its block) is left right after its flag is set
 */
record DropFlag(OwnedVariable variable, int slot, List<AbstractInsnNode> sets) {}
