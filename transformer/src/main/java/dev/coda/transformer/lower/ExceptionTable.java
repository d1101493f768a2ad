package dev.coda.transformer.lower;

import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.function.BiConsumer;
import org.objectweb.asm.tree.AbstractInsnNode;
import org.objectweb.asm.tree.LabelNode;
import org.objectweb.asm.tree.MethodNode;
import org.objectweb.asm.tree.TryCatchBlockNode;

/**
 * Surgery on a method's exception table: making exactly a given set of entries cover a piece of code, and taking a
 * stretch of code out of entries. An entry is split into pieces around what it must no longer cover, next to it in
 * the table, so the order in which handlers are searched never changes. It works on positions in the instruction
 * list as they are when it is called, and cannot tell which entries belong together: callers keep their own lists
 * complete from the pieces it reports.
 */
final class ExceptionTable {
    private ExceptionTable() {}

    /**
     * Makes exactly the entries in {@code should} cover {@code [start, end)}: an entry that covers it and should not
     * is split around it; one that should and does not gets a piece of its own, right after it in the table. Each new
     * piece is reported to {@code split} with the entry it came from.
     */
    static void cover(MethodNode m, LabelNode start, LabelNode end, Set<TryCatchBlockNode> should,
                      BiConsumer<TryCatchBlockNode, TryCatchBlockNode> split) {
        List<TryCatchBlockNode> table = m.tryCatchBlocks;
        // One piece per catch of a try statement: a handler and the type it catches (a multi-catch has several).
        Set<List<Object>> covering = new HashSet<>();
        for (TryCatchBlockNode e : table) {
            if (should.contains(e) && spans(m, e, start, end)) covering.add(catchOf(e));
        }
        for (int i = 0; i < table.size(); i++) {
            TryCatchBlockNode e = table.get(i);
            boolean does = spans(m, e, start, end);
            if (!does && should.contains(e) && !covering.add(catchOf(e))) continue;
            if (does && !should.contains(e)) {
                TryCatchBlockNode rest = new TryCatchBlockNode(end, e.end, e.handler, e.type);
                e.end = start;
                table.add(++i, rest);
                split.accept(e, rest);
            } else if (!does && should.contains(e)) {
                TryCatchBlockNode piece = new TryCatchBlockNode(start, end, e.handler, e.type);
                table.add(++i, piece);
                split.accept(e, piece);
            }
        }
    }

    /**
     * Takes {@code [start, last]} out of {@code entries}: an entry across it keeps the part before {@code start} and
     * gets a new piece for the part after {@code last}, returned in the order made; one inside it becomes empty.
     */
    static List<TryCatchBlockNode> uncover(MethodNode m, List<TryCatchBlockNode> entries, LabelNode start,
                                           AbstractInsnNode last) {
        List<TryCatchBlockNode> pieces = new java.util.ArrayList<>();
        LabelNode resume = new LabelNode();
        m.instructions.insert(last, resume);
        int from = index(m, start);
        int to = index(m, last);
        for (TryCatchBlockNode x : List.copyOf(entries)) {
            int xs = index(m, x.start);
            int xe = index(m, x.end);
            if (xe <= from || xs > to) continue;
            if (xs < from) {
                if (xe > to) {
                    TryCatchBlockNode rest = new TryCatchBlockNode(resume, x.end, x.handler, x.type);
                    m.tryCatchBlocks.add(m.tryCatchBlocks.indexOf(x) + 1, rest);
                    pieces.add(rest);
                }
                x.end = start;
            } else {
                x.start = xe > to ? resume : x.end; // a piece inside the stretch becomes empty, and is removed
            }
        }
        return pieces;
    }

    /** Removes entries that cover no instruction, which splitting can leave behind. */
    static void removeEmpty(MethodNode m) {
        m.tryCatchBlocks.removeIf(e -> {
            for (AbstractInsnNode n = e.start; n != null && n != e.end; n = n.getNext()) if (n.getOpcode() >= 0) return false;
            return true;
        });
    }

    static boolean covers(MethodNode m, TryCatchBlockNode e, AbstractInsnNode n) {
        int at = index(m, n);
        return index(m, e.start) <= at && at < index(m, e.end);
    }

    private static boolean spans(MethodNode m, TryCatchBlockNode e, LabelNode start, LabelNode end) {
        return index(m, e.start) <= index(m, start) && index(m, end) <= index(m, e.end);
    }

    private static List<Object> catchOf(TryCatchBlockNode e) {
        return Arrays.asList(e.handler, e.type);
    }

    private static int index(MethodNode m, AbstractInsnNode n) {
        return m.instructions.indexOf(n);
    }
}
