package dev.coda.transformer.read;

import java.nio.charset.StandardCharsets;

/**
 * Cheap facts read straight from class-file bytes, before (and instead of) parsing: the version, and whether the
 * constant pool mentions Coda at all.
 *
 * <p>Only the start of each UTF-8 entry is compared. Everything the transformer acts on is named by an entry
 * that starts with a Coda name: a call to {@code Coda.await} needs the class entry {@code dev/coda/Coda}; the
 * {@code @Async} and {@code @Owned} annotations are the descriptors {@code Ldev/coda/Async;} and
 * {@code Ldev/coda/Owned;}. A class whose entries never start that way has nothing to rewrite, and is passed over
 * at the cost of one walk over its constant pool: the agent runs this for every class the JVM loads.
 */
public final class ClassFileFacts {
    public static final int MIN_MAJOR = 61; // Java 17
    /** The newest major ASM reads and writes; the JVMs tested run up to 69, and higher majors are checked by ASM. */
    public static final int MAX_MAJOR = 72; // Java 28

    private static final byte[] CODA_PACKAGE = "dev/coda/".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] CODA_DESCRIPTOR = "Ldev/coda/".getBytes(StandardCharsets.US_ASCII);

    private ClassFileFacts() {}

    /** Thrown for bytes that are not a well-formed class file. */
    public static final class MalformedClassException extends Exception {
        public MalformedClassException(String message) {
            super(message);
        }
    }

    public static int majorVersion(byte[] b) throws MalformedClassException {
        requireHeader(b);
        return ((b[6] & 0xFF) << 8) | (b[7] & 0xFF);
    }

    /** A copy of a class file with another major version. */
    public static byte[] withMajor(byte[] b, int major) {
        byte[] copy = b.clone();
        copy[6] = (byte) (major >> 8);
        copy[7] = (byte) major;
        return copy;
    }

    /** True when a CONSTANT_Utf8 entry starts with {@code dev/coda/} or {@code Ldev/coda/}. */
    public static boolean mentionsCoda(byte[] b) throws MalformedClassException {
        requireHeader(b);
        int count = u2(b, 8);
        int p = 10;
        for (int i = 1; i < count; i++) {
            if (p >= b.length) throw new MalformedClassException("truncated constant pool");
            int tag = b[p] & 0xFF;
            switch (tag) {
                case 1: { // Utf8
                    int len = u2(b, p + 1);
                    int start = p + 3;
                    if (start + len > b.length) throw new MalformedClassException("truncated constant pool");
                    if (startsWith(b, start, len, CODA_PACKAGE) || startsWith(b, start, len, CODA_DESCRIPTOR)) {
                        return true;
                    }
                    p = start + len;
                    break;
                }
                case 3: case 4: case 9: case 10: case 11: case 12: case 17: case 18:
                    p += 5; break;
                case 5: case 6:
                    p += 9; i++; break; // long and double take two entries
                case 7: case 8: case 16: case 19: case 20:
                    p += 3; break;
                case 15:
                    p += 4; break;
                default:
                    throw new MalformedClassException("bad constant pool tag " + tag + " at offset " + p);
            }
        }
        return false;
    }

    /** The internal name the class file gives itself (for a class a loader defined without a name). */
    public static String className(byte[] b) throws MalformedClassException {
        requireHeader(b);
        try {
            return new org.objectweb.asm.ClassReader(b).getClassName();
        } catch (RuntimeException e) {
            throw new MalformedClassException("cannot read the class name (" + e + ")");
        }
    }

    private static void requireHeader(byte[] b) throws MalformedClassException {
        if (b == null || b.length < 10) throw new MalformedClassException("truncated class file header");
        if ((b[0] & 0xFF) != 0xCA || (b[1] & 0xFF) != 0xFE || (b[2] & 0xFF) != 0xBA || (b[3] & 0xFF) != 0xBE) {
            throw new MalformedClassException("not a class file (bad magic number)");
        }
    }

    private static int u2(byte[] b, int p) throws MalformedClassException {
        if (p + 1 >= b.length) throw new MalformedClassException("truncated class file");
        return ((b[p] & 0xFF) << 8) | (b[p + 1] & 0xFF);
    }

    private static boolean startsWith(byte[] b, int start, int len, byte[] prefix) {
        if (len < prefix.length) return false;
        for (int j = 0; j < prefix.length; j++) if (b[start + j] != prefix[j]) return false;
        return true;
    }
}
