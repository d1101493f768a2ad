package dev.coda.transformer.read;

import dev.coda.transformer.Diagnostic;
import java.nio.BufferUnderflowException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
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
 * were found in is gone from the host by then. Written only when there is a warning. Its body stands on its own,
 * so that a tool that copies the attribute into a class with another constant pool keeps it whole: a {@code u2}
 * count, then per warning a {@code u2} line and the message as a {@code u2} length and that many bytes of UTF-8. A
 * body that does not read so is taken for no record.
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
        byte[] body = new byte[length];
        for (int i = 0; i < length; i++) body[i] = (byte) reader.readByte(offset + i);
        ByteBuffer in = ByteBuffer.wrap(body);
        List<Entry> read = new ArrayList<>();
        try {
            for (int count = in.getShort() & 0xFFFF; count > 0; count--) {
                int line = in.getShort() & 0xFFFF;
                byte[] message = new byte[in.getShort() & 0xFFFF];
                in.get(message);
                read.add(new Entry(line, new String(message, StandardCharsets.UTF_8)));
            }
        } catch (BufferUnderflowException e) {
            return new HeldLocksRecord(List.of());
        }
        return new HeldLocksRecord(read);
    }

    @Override
    protected ByteVector write(ClassWriter writer, byte[] code, int len, int maxStack, int maxLocals) {
        ByteVector body = new ByteVector().putShort(entries.size());
        for (Entry e : entries) {
            byte[] message = e.message().getBytes(StandardCharsets.UTF_8);
            int kept = Math.min(message.length, 0xFFFF); // a message longer than that is cut
            body.putShort(e.line()).putShort(kept).putByteArray(message, 0, kept);
        }
        return body;
    }
}
