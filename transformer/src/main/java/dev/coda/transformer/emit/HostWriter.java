package dev.coda.transformer.emit;

import dev.coda.transformer.read.HeldLocksRecord;
import dev.coda.transformer.read.InstrumentedMarker;
import java.util.List;
import java.util.Map;
import org.objectweb.asm.ClassReader;
import org.objectweb.asm.ClassVisitor;
import org.objectweb.asm.ClassWriter;
import org.objectweb.asm.MethodVisitor;
import org.objectweb.asm.Opcodes;
import org.objectweb.asm.tree.MethodNode;

/**
 * Writes the rewritten host: the input class file with each rewritten method replaced by the methods that stand for
 * it, and everything else copied as it was, the constant pool and every untouched method byte for byte. A class file
 * the JVM would refuse for something in the parts Coda leaves alone (a malformed constant, a broken attribute of
 * another method) therefore still is refused once rewritten, instead of being quietly repaired by re-serialisation.
 */
public final class HostWriter {
    private HostWriter() {}

    /**
     * @param replacements name + descriptor of each rewritten method, to the methods written in its place
     * @param heldLocks    the held-lock warnings to record in the host, or null if there are none
     */
    public static byte[] write(ClassReader input, Map<String, List<MethodNode>> replacements,
                               HeldLocksRecord heldLocks) {
        ClassWriter writer = new ClassWriter(input, 0);
        input.accept(new ClassVisitor(Opcodes.ASM9, writer) {
            @Override
            public MethodVisitor visitMethod(int access, String name, String descriptor, String signature,
                                             String[] exceptions) {
                List<MethodNode> replaced = replacements.get(name + descriptor);
                // Returning the writer's own visitor is what lets ASM copy the method's bytes unparsed.
                if (replaced == null) return super.visitMethod(access, name, descriptor, signature, exceptions);
                for (MethodNode m : replaced) m.accept(cv);
                return null;
            }

            @Override
            public void visitEnd() {
                cv.visitAttribute(new InstrumentedMarker());
                if (heldLocks != null) cv.visitAttribute(heldLocks);
                super.visitEnd();
            }
        }, InstrumentedMarker.prototypes(), 0);
        return writer.toByteArray();
    }
}
