package dev.coda.transformer.read;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.HashSet;
import java.util.Set;
import org.objectweb.asm.ClassReader;

/**
 * The JVM's format checks on the parts of a class file that ASM reads leniently and Coda writes anew: constant-pool
 * references that must name a class or a UTF-8 entry, the lengths of attributes, and within each {@code Code}
 * attribute the instruction stream's fixed operands, the exception table, the line-number and local-variable tables
 * and the structure of the stack map. The JVM refuses a class that fails one of these with a
 * {@code ClassFormatError} or {@code VerifyError}. Coda replaces the code of the methods it rewrites and rebuilds
 * some class-level attributes, which would repair such a defect silently; so a class that fails here is refused as
 * malformed instead, and loads (or fails to) exactly as it was written. Parts the host writer copies byte for byte
 * (the constant pool's contents, untouched methods) need no check: the JVM still sees them as they were.
 *
 * <p>One rule is Coda's own: a line-number or local-variable entry must start (and a range end) on an instruction.
 * The JVM accepts one that does not, but its place in the rewritten code would be meaningless, so such a class is
 * refused with that reason and runs as it was written.
 */
public final class FormatCheck {
    private static final int CLASS = 7, UTF8 = 1;

    private final ClassReader reader;
    private final byte[] b;

    private FormatCheck(ClassReader reader) {
        this.reader = reader;
        this.b = reader.b;
    }

    /** Throws unless the class passes every check above. */
    public static void check(ClassReader reader) throws ClassFileFacts.MalformedClassException {
        try {
            new FormatCheck(reader).run();
        } catch (IndexOutOfBoundsException e) {
            throw new ClassFileFacts.MalformedClassException("truncated class file");
        }
    }

    private void run() throws ClassFileFacts.MalformedClassException {
        constantPool();
        int p = reader.header; // access_flags
        requireEntry(u2(p + 2), CLASS, "this_class");
        int superClass = u2(p + 4);
        if (superClass != 0) requireEntry(superClass, CLASS, "super_class");
        int interfaces = u2(p + 6);
        p += 8;
        for (int i = 0; i < interfaces; i++, p += 2) requireEntry(u2(p), CLASS, "interface");
        for (int kind = 0; kind < 2; kind++) { // fields, then methods
            int count = u2(p);
            p += 2;
            for (int i = 0; i < count; i++) {
                String what = kind == 0 ? "field" : "method";
                String name = utf8(u2(p + 2), what + " name"), descriptor = utf8(u2(p + 4), what + " descriptor");
                if (kind == 0) field(name, descriptor);
                else method(name, descriptor);
                p = attributes(p + 6, kind == 1);
            }
        }
        p = attributes(p, false);
        if (p != b.length) throw malformed("extra bytes at the end of the class file");
    }

    /** Every entry's references point at entries of the right kind, and every name and descriptor is legal. */
    private void constantPool() throws ClassFileFacts.MalformedClassException {
        for (int i = 1; i < reader.getItemCount(); i++) {
            int item = reader.getItem(i);
            if (item == 0) continue; // the second slot of a long or double
            switch (b[item - 1]) {
                case 1 -> modifiedUtf8(item + 2, u2(item));
                case 7 -> className(utf8(u2(item), "class name"));
                case 8, 16, 19, 20 -> {
                    String text = utf8(u2(item), "constant");
                    if (b[item - 1] == 16) methodDescriptor(text);
                }
                case 9, 10, 11 -> {
                    requireEntry(u2(item), CLASS, "member owner");
                    NameAndType member = nameAndType(u2(item + 2), "member");
                    if (b[item - 1] == 9) field(member.name(), member.descriptor());
                    else method(member.name(), member.descriptor());
                }
                case 12 -> {
                    utf8(u2(item), "name");
                    utf8(u2(item + 2), "descriptor");
                }
                case 15 -> {
                    int kind = u1(item);
                    if (kind < 1 || kind > 9) throw malformed("bad method handle kind " + kind);
                    int reference = u2(item + 1);
                    // Fields for kinds 1-4, an interface method for 9, a method of either kind for 6 and 7.
                    int tag = kind <= 4 ? 9 : kind == 9 ? 11 : 10;
                    if ((kind == 6 || kind == 7) && reference > 0 && reference < reader.getItemCount()
                            && reader.getItem(reference) != 0 && b[reader.getItem(reference) - 1] == 11) {
                        tag = 11;
                    }
                    requireEntry(reference, tag, "method handle reference");
                }
                case 17, 18 -> {
                    NameAndType dynamic = nameAndType(u2(item + 2), "dynamic");
                    unqualified(dynamic.name(), false);
                    if (b[item - 1] == 17) fieldDescriptor(dynamic.descriptor(), 0);
                    else methodDescriptor(dynamic.descriptor());
                }
                default -> { }
            }
        }
    }

    /** The JVM's modified UTF-8: no zero byte, no four-byte forms, every continuation byte where it belongs. */
    private void modifiedUtf8(int p, int length) throws ClassFileFacts.MalformedClassException {
        int end = p + length;
        while (p < end) {
            int c = u1(p);
            int continuations = c == 0 ? -1 : c < 0x80 ? 0 : (c & 0xE0) == 0xC0 ? 1 : (c & 0xF0) == 0xE0 ? 2 : -1;
            if (continuations < 0 || p + continuations >= end) throw malformed("illegal UTF-8 string in the constant pool");
            for (int k = 1; k <= continuations; k++) {
                if ((u1(p + k) & 0xC0) != 0x80) throw malformed("illegal UTF-8 string in the constant pool");
            }
            p += 1 + continuations;
        }
    }

    private void field(String name, String descriptor) throws ClassFileFacts.MalformedClassException {
        unqualified(name, false);
        if (fieldDescriptor(descriptor, 0) != descriptor.length()) throw illegal("field descriptor", descriptor);
    }

    private void method(String name, String descriptor) throws ClassFileFacts.MalformedClassException {
        if (!name.equals("<init>") && !name.equals("<clinit>")) unqualified(name, true);
        methodDescriptor(descriptor);
        if (name.equals("<init>") && !descriptor.endsWith(")V")) throw illegal("constructor descriptor", descriptor);
    }

    private static void unqualified(String name, boolean method) throws ClassFileFacts.MalformedClassException {
        if (name.isEmpty()) throw illegal("name", name);
        for (int i = 0; i < name.length(); i++) {
            char c = name.charAt(i);
            if (c == '.' || c == ';' || c == '[' || c == '/' || (method && (c == '<' || c == '>'))) throw illegal("name", name);
        }
    }

    private static void className(String name) throws ClassFileFacts.MalformedClassException {
        if (name.startsWith("[")) {
            if (fieldDescriptor(name, 0) != name.length()) throw illegal("class name", name);
            return;
        }
        for (String segment : name.split("/", -1)) unqualified(segment, false);
    }

    private static void methodDescriptor(String d) throws ClassFileFacts.MalformedClassException {
        if (!d.startsWith("(")) throw illegal("method descriptor", d);
        int i = 1;
        while (i < d.length() && d.charAt(i) != ')') i = fieldDescriptor(d, i);
        if (i >= d.length()) throw illegal("method descriptor", d);
        i++;
        int end = i < d.length() && d.charAt(i) == 'V' ? i + 1 : fieldDescriptor(d, i);
        if (end != d.length()) throw illegal("method descriptor", d);
    }

    /** The end of the field descriptor that starts at {@code i}. */
    private static int fieldDescriptor(String d, int i) throws ClassFileFacts.MalformedClassException {
        int dimensions = 0;
        while (i < d.length() && d.charAt(i) == '[') {
            i++;
            if (++dimensions > 255) throw illegal("descriptor", d);
        }
        if (i >= d.length()) throw illegal("descriptor", d);
        char c = d.charAt(i);
        if ("BCDFIJSZ".indexOf(c) >= 0) return i + 1;
        int semicolon = d.indexOf(';', i);
        if (c != 'L' || semicolon < 0) throw illegal("descriptor", d);
        className(d.substring(i + 1, semicolon));
        return semicolon + 1;
    }

    private static ClassFileFacts.MalformedClassException illegal(String what, String text) {
        return malformed("illegal " + what + " '" + text + "'");
    }

    /** Checks a table of attributes at {@code p}; returns the offset after it. */
    private int attributes(int p, boolean ofMethod) throws ClassFileFacts.MalformedClassException {
        int count = u2(p);
        p += 2;
        for (int i = 0; i < count; i++) {
            Attribute a = attribute(p, b.length, "attribute", "the end of the file");
            if (ofMethod && a.name().equals("Code")) code(a.start(), a.end());
            if (a.name().equals("InnerClasses")) innerClasses(a.start(), a.end());
            p = a.end();
        }
        return p;
    }

    /** An attribute's name and where its content starts and ends. */
    private record Attribute(String name, int start, int end) {
        int length() {
            return end - start;
        }
    }

    /** The header of the attribute at {@code p}, which must end by {@code limit}; {@code kind} names it in errors. */
    private Attribute attribute(int p, int limit, String kind, String limitName)
            throws ClassFileFacts.MalformedClassException {
        String name = utf8(u2(p), kind + " name");
        int length = u4(p + 2);
        int start = p + 6, end = start + length;
        if (length < 0 || end > limit) throw malformed(kind + " " + name + " runs past " + limitName);
        return new Attribute(name, start, end);
    }

    private void innerClasses(int p, int end) throws ClassFileFacts.MalformedClassException {
        int count = u2(p);
        if (end - p != 2 + 8 * count) throw malformed("InnerClasses has wrong length");
        for (int i = 0, q = p + 2; i < count; i++, q += 8) {
            requireEntry(u2(q), CLASS, "inner_class_info_index");
            if (u2(q + 2) != 0) requireEntry(u2(q + 2), CLASS, "outer_class_info_index");
            if (u2(q + 4) != 0) requireEntry(u2(q + 4), UTF8, "inner_name_index");
        }
    }

    private void code(int p, int end) throws ClassFileFacts.MalformedClassException {
        int maxLocals = u2(p + 2);
        int codeLength = u4(p + 4);
        int code = p + 8;
        if (codeLength <= 0 || codeLength >= 65536 || code + codeLength > end) throw malformed("bad code_length");
        boolean[] starts = instructions(code, codeLength);
        p = code + codeLength;
        int handlers = u2(p);
        p += 2;
        for (int i = 0; i < handlers; i++, p += 8) {
            int from = u2(p), to = u2(p + 2), handler = u2(p + 4), type = u2(p + 6);
            if (to > codeLength || from >= to || !starts[from] || !starts[to] || handler >= codeLength
                    || !starts[handler]) {
                throw malformed("illegal exception table range or handler");
            }
            if (type != 0) requireEntry(type, CLASS, "catch_type");
        }
        int count = u2(p);
        p += 2;
        Set<String> variables = new HashSet<>();
        Set<String> typedVariables = new HashSet<>();
        boolean stackMap = false;
        for (int i = 0; i < count; i++) {
            Attribute a = attribute(p, end, "code attribute", "its end");
            int start = a.start();
            int length = a.length();
            switch (a.name()) {
                case "LineNumberTable" -> {
                    int n = u2(start);
                    if (length != 2 + 4 * n) throw malformed("LineNumberTable has wrong length");
                    for (int j = 0; j < n; j++) {
                        if (u2(start + 2 + 4 * j) >= codeLength) throw malformed("invalid pc in LineNumberTable");
                        // The JVM lets this pass; Coda could not say where in the rewritten code such a line starts.
                        if (!starts[u2(start + 2 + 4 * j)]) throw malformed("a LineNumberTable entry starts inside an instruction");
                    }
                }
                case "LocalVariableTable" -> variables(start, length, starts, maxLocals, false, variables);
                case "LocalVariableTypeTable" -> variables(start, length, starts, maxLocals, true, typedVariables);
                case "StackMapTable" -> {
                    if (stackMap) throw malformed("multiple StackMapTable attributes");
                    stackMap = true;
                    stackMap(start, a.end(), code, codeLength, starts);
                }
                default -> { }
            }
            p = a.end();
        }
        if (p != end) throw malformed("Code attribute has wrong length");
        for (String typed : typedVariables) {
            if (!variables.contains(typed)) throw malformed("LocalVariableTypeTable entry matches no LocalVariableTable entry");
        }
    }

    /** Each entry goes into {@code seen} as start, length, name and slot, the key the two tables are matched on. */
    private void variables(int p, int length, boolean[] starts, int maxLocals, boolean typed, Set<String> seen)
            throws ClassFileFacts.MalformedClassException {
        int codeLength = starts.length - 1;
        String table = typed ? "LocalVariableTypeTable" : "LocalVariableTable";
        int n = u2(p);
        if (length != 2 + 10 * n) throw malformed(table + " has wrong length");
        for (int j = 0, q = p + 2; j < n; j++, q += 10) {
            int start = u2(q), range = u2(q + 2), slot = u2(q + 8);
            String name = utf8(u2(q + 4), table + " name");
            String descriptor = utf8(u2(q + 6), table + " descriptor");
            if (start >= codeLength || start + range > codeLength) throw malformed("invalid range in " + table);
            // As for line numbers: the JVM lets this pass, but the range could not be carried over.
            if (!starts[start] || !starts[start + range]) throw malformed("a " + table + " range has an end inside an instruction");
            unqualified(name, false);
            if (!typed && fieldDescriptor(descriptor, 0) != descriptor.length()) throw illegal("descriptor", descriptor);
            int size = !typed && (descriptor.equals("J") || descriptor.equals("D")) ? 2 : 1;
            if (slot + size > maxLocals) throw malformed("invalid slot in " + table);
            if (!seen.add(start + ":" + range + ":" + name + ":" + slot)) throw malformed("duplicate entry in " + table);
        }
    }

    private void stackMap(int p, int end, int code, int codeLength, boolean[] starts) throws ClassFileFacts.MalformedClassException {
        int frames = u2(p);
        p += 2;
        int offset = -1;
        for (int i = 0; i < frames; i++) {
            int type = u1(p++);
            int delta, locals = 0, stack = 0;
            if (type < 64) {
                delta = type;
            } else if (type < 128) {
                delta = type - 64;
                stack = 1;
            } else if (type < 247) {
                throw malformed("reserved stack map frame type " + type);
            } else {
                delta = u2(p);
                p += 2;
                if (type == 247) stack = 1;
                else if (type >= 252 && type <= 254) locals = type - 251;
                else if (type == 255) {
                    locals = u2(p);
                    p += 2;
                    for (int j = 0; j < locals; j++) p = verificationType(p, code, codeLength, starts);
                    locals = 0;
                    stack = u2(p);
                    p += 2;
                }
            }
            for (int j = 0; j < locals + stack; j++) p = verificationType(p, code, codeLength, starts);
            offset += delta + 1;
            if (offset >= codeLength || !starts[offset]) throw malformed("stack map frame at a bad offset");
            if (p > end) throw malformed("StackMapTable runs past its end");
        }
        if (p != end) throw malformed("StackMapTable has wrong length");
    }

    private int verificationType(int p, int code, int codeLength, boolean[] starts) throws ClassFileFacts.MalformedClassException {
        int tag = u1(p);
        if (tag > 8) throw malformed("bad verification type " + tag + " in StackMapTable");
        if (tag == 7) requireEntry(u2(p + 1), CLASS, "StackMapTable class");
        if (tag == 8 && (u2(p + 1) >= codeLength || !starts[u2(p + 1)] || u1(code + u2(p + 1)) != 0xbb)) {
            throw malformed("uninitialized type in StackMapTable does not point at a new instruction");
        }
        return p + (tag >= 7 ? 3 : 1);
    }

    /**
     * Marks the start of every instruction, checking the operands the JVM requires to be fixed and ASM ignores:
     * the two zero bytes of {@code invokedynamic} and the count and zero byte of {@code invokeinterface}.
     */
    private boolean[] instructions(int code, int length) throws ClassFileFacts.MalformedClassException {
        boolean[] starts = new boolean[length + 1];
        int pc = 0;
        while (pc < length) {
            starts[pc] = true;
            int op = u1(code + pc);
            int size;
            switch (op) {
                case 0xaa -> { // tableswitch
                    int q = (pc + 4) & ~3;
                    int low = u4(code + q + 4), high = u4(code + q + 8);
                    long entries = (long) high - low + 1;
                    if (entries <= 0 || entries > 65535) throw malformed("bad tableswitch");
                    size = q - pc + 12 + 4 * (int) entries;
                }
                case 0xab -> { // lookupswitch
                    int q = (pc + 4) & ~3;
                    int pairs = u4(code + q + 4);
                    if (pairs < 0 || pairs > 65535) throw malformed("bad lookupswitch");
                    size = q - pc + 8 + 8 * pairs;
                }
                case 0xc4 -> size = u1(code + pc + 1) == 0x84 ? 6 : 4; // wide
                case 0xb9 -> { // invokeinterface
                    if (u1(code + pc + 3) == 0 || u1(code + pc + 4) != 0) throw malformed("bad invokeinterface operands");
                    size = 5;
                }
                case 0xba -> { // invokedynamic
                    if (u1(code + pc + 3) != 0 || u1(code + pc + 4) != 0) throw malformed("bad invokedynamic operands");
                    size = 5;
                }
                default -> {
                    size = SIZES[op];
                    if (size == 0) throw malformed("unknown opcode " + op);
                }
            }
            pc += size;
        }
        if (pc != length) throw malformed("the last instruction runs past the end of the code");
        starts[length] = true; // the end of the code, where ranges may end
        return starts;
    }

    /** Instruction sizes by opcode; 0 for one of no fixed size, or none at all. */
    private static final int[] SIZES = new int[256];

    static {
        Arrays.fill(SIZES, 0x00, 0xca, 1);
        for (int op : new int[] {0x10, 0x12, 0xa9, 0xbc}) SIZES[op] = 2; // bipush, ldc, ret, newarray
        Arrays.fill(SIZES, 0x15, 0x1a, 2); // loads with an index
        Arrays.fill(SIZES, 0x36, 0x3b, 2); // stores with an index
        for (int op : new int[] {0x11, 0x13, 0x14, 0x84, 0xbb, 0xbd, 0xc0, 0xc1, 0xc6, 0xc7}) SIZES[op] = 3;
        Arrays.fill(SIZES, 0x99, 0xa9, 3); // conditional jumps, goto, jsr
        Arrays.fill(SIZES, 0xb2, 0xb9, 3); // field access and invokes with a constant-pool index
        SIZES[0xc5] = 4; // multianewarray
        SIZES[0xc8] = SIZES[0xc9] = 5; // goto_w, jsr_w
        SIZES[0xaa] = SIZES[0xab] = SIZES[0xb9] = SIZES[0xba] = SIZES[0xc4] = 0; // handled one by one
    }

    private void requireEntry(int index, int tag, String what) throws ClassFileFacts.MalformedClassException {
        if (index <= 0 || index >= reader.getItemCount() || reader.getItem(index) == 0
                || b[reader.getItem(index) - 1] != tag) {
            throw malformed("invalid constant pool index " + index + " for " + what);
        }
    }

    private record NameAndType(String name, String descriptor) {}

    /** The NameAndType entry {@code index}, its parts checked as the {@code what} name and descriptor. */
    private NameAndType nameAndType(int index, String what) throws ClassFileFacts.MalformedClassException {
        requireEntry(index, 12, what + " name and type");
        int item = reader.getItem(index);
        return new NameAndType(utf8(u2(item), what + " name"), utf8(u2(item + 2), what + " descriptor"));
    }

    /** The entry's text, decoded byte for byte: enough to compare the ASCII names the checks look for. */
    private String utf8(int index, String what) throws ClassFileFacts.MalformedClassException {
        requireEntry(index, UTF8, what);
        int item = reader.getItem(index);
        return new String(b, item + 2, u2(item), StandardCharsets.ISO_8859_1);
    }

    private int u1(int p) {
        return b[p] & 0xFF;
    }

    private int u2(int p) {
        return ((b[p] & 0xFF) << 8) | (b[p + 1] & 0xFF);
    }

    private int u4(int p) {
        return (u2(p) << 16) | u2(p + 2);
    }

    private static ClassFileFacts.MalformedClassException malformed(String message) {
        return new ClassFileFacts.MalformedClassException(message);
    }
}
