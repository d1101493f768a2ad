package dev.coda.transformer.plan;

import java.util.List;
import org.objectweb.asm.tree.AbstractInsnNode;
import org.objectweb.asm.tree.MethodInsnNode;
import org.objectweb.asm.tree.TypeInsnNode;
import org.objectweb.asm.tree.VarInsnNode;

/**
 * A {@code new X(..., await(...), ...)}: the uninitialised object that javac pushes before the arguments cannot be
 * saved in a field, so its {@code NEW}/{@code DUP} pair is moved to just before the constructor call, after the
 * arguments (which are parked in fresh locals). Object creation then happens after the awaits, which Java cannot
 * observe: allocation has no side effects until the constructor runs.
 *
 * <p>{@code hiddenMoves} are the {@code ASTORE}s and {@code ALOAD}s that carry the two uninitialised references
 * through locals: javac parks the whole operand stack in locals around a switch expression holding a {@code try}
 * ({@code new X(switch (k) { case 1 -> { try { yield await(t); } finally { ... } } ... })}) and reloads it at the
 * end of every arm. Once the {@code NEW}/{@code DUP} are gone those moves carry nothing and go too.
 *
 * <p>{@code dup} is null for an object the expression discards, as ECJ writes it: {@code NEW} alone, its one
 * reference consumed by the constructor call.
 */
public record Relocation(TypeInsnNode newInsn, AbstractInsnNode dup, List<VarInsnNode> hiddenMoves,
                         MethodInsnNode init) {}
