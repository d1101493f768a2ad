package dev.coda.transformer.read;

import org.objectweb.asm.Attribute;
import org.objectweb.asm.ByteVector;
import org.objectweb.asm.ClassReader;
import org.objectweb.asm.ClassWriter;
import org.objectweb.asm.Label;
import org.objectweb.asm.tree.ClassNode;

/**
 * The class attribute that marks a class as written by Coda: the rewritten host and every generated state machine.
 * The JVM and javac ignore unknown attributes; the transformer and the agent pass over a marked class, which
 * makes instrumenting twice a no-op. Its one-byte body is the marker format version.
 */
public final class InstrumentedMarker extends Attribute {
    public static final String NAME = "dev.coda.Instrumented";
    public static final int FORMAT = 1;

    public InstrumentedMarker() {
        super(NAME);
    }

    /** The prototypes to pass to {@link ClassReader#accept} so that the marker is recognised. */
    public static Attribute[] prototypes() {
        return new Attribute[] {new InstrumentedMarker()};
    }

    public static boolean isMarked(ClassNode node) {
        return node.attrs != null && node.attrs.stream().anyMatch(a -> NAME.equals(a.type));
    }

    public static void mark(ClassNode node) {
        if (isMarked(node)) return;
        if (node.attrs == null) node.attrs = new java.util.ArrayList<>();
        node.attrs.add(new InstrumentedMarker());
    }

    @Override
    protected Attribute read(ClassReader reader, int offset, int length, char[] buf, int codeOff, Label[] labels) {
        return new InstrumentedMarker();
    }

    @Override
    protected ByteVector write(ClassWriter writer, byte[] code, int len, int maxStack, int maxLocals) {
        return new ByteVector(1).putByte(FORMAT);
    }
}
