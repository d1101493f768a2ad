package dev.coda.transformer.input;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.coda.Task;
import dev.coda.transformer.Diagnostic;
import dev.coda.transformer.support.InMemoryCompiler;
import dev.coda.transformer.support.Instrumented;
import dev.coda.transformer.support.MapLoader;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.objectweb.asm.ClassReader;
import org.objectweb.asm.ClassWriter;
import org.objectweb.asm.Opcodes;
import org.objectweb.asm.tree.AbstractInsnNode;
import org.objectweb.asm.tree.ClassNode;
import org.objectweb.asm.tree.InsnList;
import org.objectweb.asm.tree.InsnNode;
import org.objectweb.asm.tree.MethodInsnNode;
import org.objectweb.asm.tree.MethodNode;
import org.objectweb.asm.tree.VarInsnNode;

/**
 * {@code new Box(await(t))} in bytecode no Java compiler writes, but the JVM accepts: the object under construction
 * copied once more, parked in a local that is read after its constructor, swapped, or created without a
 * {@code DUP}. Coda moves a {@code NEW}/{@code DUP} pair only when that is all there is to move; any other shape is
 * refused with the usual diagnostic for an await under a {@code new}, never an internal error, and the class runs
 * as written (its await then says the method was not rewritten).
 */
class HandWrittenConstructionTest {
    private static final String SOURCE = """
            package p;
            import dev.coda.*;
            public class Odd {
                public static final class Box { final int v; public Box(int v) { this.v = v; } }
                @Async public static Task<Integer> go(Task<Integer> t) {
                    return Task.completed(new Box(Coda.await(t)).v);
                }
            }
            """;

    enum Shape {
        /** NEW; DUP; DUP; args; INVOKESPECIAL; POP */
        EXTRA_DUP(m -> {
            m.instructions.insert(dup(m), new InsnNode(Opcodes.DUP));
            m.instructions.insert(init(m), new InsnNode(Opcodes.POP));
        }),
        /** NEW; DUP; ASTORE n; args; INVOKESPECIAL; ALOAD n: the result comes from the local. */
        COPY_IN_A_LOCAL(m -> {
            int slot = m.maxLocals;
            m.instructions.insert(dup(m), new VarInsnNode(Opcodes.ASTORE, slot));
            m.instructions.insert(init(m), new VarInsnNode(Opcodes.ALOAD, slot));
        }),
        /** NEW; DUP; ACONST_NULL; SWAP; args; INVOKESPECIAL; POP */
        SWAP(m -> {
            InsnList swap = new InsnList();
            swap.add(new InsnNode(Opcodes.ACONST_NULL));
            swap.add(new InsnNode(Opcodes.SWAP));
            m.instructions.insert(dup(m), swap);
            m.instructions.insert(init(m), new InsnNode(Opcodes.POP));
        }),
        /** NEW; ASTORE n; ALOAD n; ALOAD n; args; INVOKESPECIAL: no DUP at all. */
        NO_DUP(m -> {
            int slot = m.maxLocals;
            InsnList park = new InsnList();
            park.add(new VarInsnNode(Opcodes.ASTORE, slot));
            park.add(new VarInsnNode(Opcodes.ALOAD, slot));
            park.add(new VarInsnNode(Opcodes.ALOAD, slot));
            AbstractInsnNode dup = dup(m);
            m.instructions.insert(dup, park);
            m.instructions.remove(dup);
        });

        final Consumer<MethodNode> edit;

        Shape(Consumer<MethodNode> edit) {
            this.edit = edit;
        }
    }

    private static AbstractInsnNode dup(MethodNode m) {
        for (AbstractInsnNode n : m.instructions) if (n.getOpcode() == Opcodes.DUP) return n;
        throw new AssertionError("no DUP");
    }

    private static AbstractInsnNode init(MethodNode m) {
        for (AbstractInsnNode n : m.instructions) {
            if (n instanceof MethodInsnNode c && c.name.equals("<init>") && c.owner.equals("p/Odd$Box")) return n;
        }
        throw new AssertionError("no constructor call");
    }

    @ParameterizedTest
    @EnumSource(Shape.class)
    void isRefusedClearlyAndRunsAsWritten(Shape shape) throws Exception {
        Map<String, byte[]> compiled = new java.util.TreeMap<>(InMemoryCompiler.compile(Map.of("p/Odd.java", SOURCE)));
        ClassNode node = new ClassNode();
        new ClassReader(compiled.get("p/Odd")).accept(node, 0);
        MethodNode go = node.methods.stream().filter(m -> m.name.equals("go")).findFirst().orElseThrow();
        shape.edit.accept(go);
        ClassWriter writer = new ClassWriter(ClassWriter.COMPUTE_MAXS); // straight-line code: no frames to write
        node.accept(writer);
        compiled.put("p/Odd", writer.toByteArray());
        // The JVM accepts the shape as written.
        Class<?> asWritten = Class.forName("p.Odd", true, new MapLoader(compiled));
        assertEquals("go", asWritten.getMethod("go", Task.class).getName());

        Instrumented code = Instrumented.of(compiled);
        List<String> errors = code.diagnostics.stream().filter(Diagnostic::isError).map(Diagnostic::toString).toList();
        String where = shape == Shape.COPY_IN_A_LOCAL ? "held in a local variable" : "on the operand stack";
        assertEquals(List.of("p/Odd.java:6: error: cannot suspend at this Coda.await in Odd.go: an object under "
                + "construction is " + where + "; assign the awaited value to a local variable first"), errors);
        assertFalse(code.results.get("p/Odd").changed());
        IllegalStateException notRewritten = assertThrows(IllegalStateException.class,
                () -> code.call("p.Odd", "go", Task.completed(1)));
        assertTrue(notRewritten.getMessage().contains("which was not rewritten"), notRewritten.getMessage());
    }
}
