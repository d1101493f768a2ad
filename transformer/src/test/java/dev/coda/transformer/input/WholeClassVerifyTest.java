package dev.coda.transformer.input;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.coda.transformer.ClassFileLocator;
import dev.coda.transformer.Diagnostic;
import dev.coda.transformer.TransformResult;
import dev.coda.transformer.Transformer;
import dev.coda.transformer.support.InMemoryCompiler;
import dev.coda.transformer.support.MapLoader;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.objectweb.asm.ClassReader;
import org.objectweb.asm.ClassWriter;
import org.objectweb.asm.Opcodes;
import org.objectweb.asm.tree.AbstractInsnNode;
import org.objectweb.asm.tree.ClassNode;
import org.objectweb.asm.tree.InsnNode;
import org.objectweb.asm.tree.MethodNode;

/**
 * The verify stage checks the whole class that will be written, not only the methods Coda wrote: a method copied
 * as compiled that does not verify keeps the class from being rewritten, with an error that says so.
 */
class WholeClassVerifyTest {
    @Test
    void aMethodThatDoesNotVerifyAsCompiledLeavesTheClassUnchanged() throws Exception {
        byte[] compiled = InMemoryCompiler.compile(Map.of("p/Mixed.java", """
                package p;
                import dev.coda.*;
                public class Mixed {
                    @Async static Task<Integer> go(Task<Integer> t) { return Task.completed(Coda.await(t) + 1); }
                    static Object broken() { return null; }
                }
                """)).get("p/Mixed");
        // broken() now returns an int where it declares an Object: the JVM's verifier refuses the class.
        ClassNode node = new ClassNode();
        new ClassReader(compiled).accept(node, 0);
        MethodNode broken = node.methods.stream().filter(m -> m.name.equals("broken")).findFirst().orElseThrow();
        AbstractInsnNode aconstNull = broken.instructions.getFirst();
        while (aconstNull.getOpcode() != Opcodes.ACONST_NULL) aconstNull = aconstNull.getNext();
        broken.instructions.set(aconstNull, new InsnNode(Opcodes.ICONST_0));
        ClassWriter writer = new ClassWriter(0);
        node.accept(writer);
        byte[] bytes = writer.toByteArray();
        assertThrows(VerifyError.class, () -> Class.forName("p.Mixed", true, new MapLoader(Map.of("p/Mixed", bytes))),
                "the JVM refuses the class as compiled");

        ClassFileLocator parent = ClassFileLocator.of(WholeClassVerifyTest.class.getClassLoader());
        TransformResult r = new Transformer(n -> n.equals("p/Mixed") ? bytes : parent.locate(n)).transform(bytes);
        assertFalse(r.changed());
        List<String> errors = r.diagnostics().stream().filter(Diagnostic::isError).map(Diagnostic::toString).toList();
        assertEquals(1, errors.size(), errors.toString());
        String error = errors.get(0);
        assertEquals(true, error.contains("p.Mixed does not verify as it was compiled, so it is left unchanged")
                && error.contains("p.Mixed.broken()Ljava/lang/Object;"), error);
    }
}
