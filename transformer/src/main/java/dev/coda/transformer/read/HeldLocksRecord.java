package dev.coda.transformer.read;

import dev.coda.transformer.Diagnostic;
import java.util.ArrayList;
import java.util.List;
import org.objectweb.asm.Attribute;
import org.objectweb.asm.ByteVector;
import org.objectweb.asm.ClassReader;
import org.objectweb.asm.ClassWriter;
import org.objectweb.asm.Label;
import org.objectweb.asm.tree.ClassNode;

/**
 * The class attribute in which a rewritten host keeps the held-lock warnings found in it as compiled, so that a build
 * that meets the class again, already rewritten, reports them again (and fails on them if asked): the code they
 * were found in is gone from the host by then. Written only when there is a warning. Its body: a {@code u2} count,
 * then per warning a {@code u2} line and the {@code u2} index of its message, a {@code CONSTANT_Utf8}.
 */
public final class HeldLocksRecord extends Attribute {
    public static final String NAME = "dev.coda.HeldLocks";

    /** One warning as recorded: where, and what it says. */
    public record Entry(int line, String message) {}

    private final List<Entry> entries;

    private HeldLocksRecord(List<Entry> entries) {
        super(NAME);
        this.entries = List.copyOf(entries);
    }

    /** The record of {@code warnings}; null if there are none. */
    public static HeldLocksRecord of(List<Diagnostic> warnings) {
        if (warnings.isEmpty()) return null;
        return new HeldLocksRecord(warnings.stream().map(d -> new Entry(d.line(), d.message())).toList());
    }

    /** The prototypes to pass to {@link ClassReader#accept} so that the record is read. */
    public static Attribute prototype() {
        return new HeldLocksRecord(List.of());
    }

    /** The warnings recorded in {@code c}, read with {@link #prototype()}. */
    public static List<Entry> entriesOf(ClassNode c) {
        List<Entry> entries = new ArrayList<>();
        if (c.attrs != null) for (Attribute a : c.attrs) if (a instanceof HeldLocksRecord r) entries.addAll(r.entries);
        return entries;
    }

    @Override
    protected Attribute read(ClassReader reader, int offset, int length, char[] buf, int codeOff, Label[] labels) {
        int count = reader.readUnsignedShort(offset);
        List<Entry> read = new ArrayList<>(count);
        for (int i = 0, at = offset + 2; i < count; i++, at += 4) {
            read.add(new Entry(reader.readUnsignedShort(at), reader.readUTF8(at + 2, buf)));
        }
        return new HeldLocksRecord(read);
    }

    @Override
    protected ByteVector write(ClassWriter writer, byte[] code, int len, int maxStack, int maxLocals) {
        ByteVector body = new ByteVector(2 + 4 * entries.size()).putShort(entries.size());
        for (Entry e : entries) body.putShort(e.line()).putShort(writer.newUTF8(e.message()));
        return body;
    }
}
