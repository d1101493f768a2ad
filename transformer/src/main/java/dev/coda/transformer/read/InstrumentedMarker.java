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
 * makes instrumenting twice a no-op. Its one-byte body is the format: which protocol between the written code and
 * the runtime the class follows. It changes when that protocol does, so that a class written for another runtime is
 * reported instead of failing with a {@code NoSuchMethodError} when it runs.
 *
 * <p>Formats: 1, the stub ran the body's first step between {@code Coroutine.enter()} and {@code exit(carrier)};
 * 2, the body starts itself and returns its state machine to the stub's {@code Coroutine.exit(sm)}.
 */
public final class InstrumentedMarker extends Attribute {
    public static final String NAME = "dev.coda.Instrumented";
    public static final int FORMAT = 2;

    private final int format;

    public InstrumentedMarker() {
        this(FORMAT);
    }

    /** A marker of {@code format}: {@link #FORMAT} for what this transformer writes; another to stand for another's. */
    public InstrumentedMarker(int format) {
        super(NAME);
        this.format = format;
    }

    /** The prototypes to pass to {@link ClassReader#accept} so that the marker is recognised. */
    public static Attribute[] prototypes() {
        return new Attribute[] {new InstrumentedMarker()};
    }

    public static boolean isMarked(ClassNode node) {
        return node.attrs != null && node.attrs.stream().anyMatch(a -> NAME.equals(a.type));
    }

    /** The format of a marked class's marker; 0 for a marker with no body. */
    public static int formatOf(ClassNode node) {
        for (Attribute a : node.attrs) if (a instanceof InstrumentedMarker m) return m.format;
        throw new IllegalArgumentException(node.name + " is not marked");
    }

    public static void mark(ClassNode node) {
        if (isMarked(node)) return;
        if (node.attrs == null) node.attrs = new java.util.ArrayList<>();
        node.attrs.add(new InstrumentedMarker());
    }

    @Override
    protected Attribute read(ClassReader reader, int offset, int length, char[] buf, int codeOff, Label[] labels) {
        return new InstrumentedMarker(length == 0 ? 0 : reader.readByte(offset));
    }

    @Override
    protected ByteVector write(ClassWriter writer, byte[] code, int len, int maxStack, int maxLocals) {
        return new ByteVector(1).putByte(format);
    }
}
