package dev.coda.transformer.plan;

import org.objectweb.asm.tree.AbstractInsnNode;
import org.objectweb.asm.tree.MethodInsnNode;
import org.objectweb.asm.tree.TypeInsnNode;

/**
 * A {@code new X(..., await(...), ...)}: the uninitialised object that javac pushes before the arguments cannot be
 * saved in a field, so its {@code NEW}/{@code DUP} pair is moved to just before the constructor call, after the
 * arguments (which are parked in fresh locals). Object creation then happens after the awaits, which Java cannot
 * observe: allocation has no side effects until the constructor runs.
 */
public record Relocation(TypeInsnNode newInsn, AbstractInsnNode dup, MethodInsnNode init) {}
