package dev.coda.transformer.lower;

import dev.coda.transformer.analysis.RealInstructions;
import static org.objectweb.asm.Opcodes.*;

import dev.coda.transformer.CodaNames;
import dev.coda.transformer.analysis.BranchTargets;
import dev.coda.transformer.analysis.ControlFlow;
import dev.coda.transformer.analysis.LocalSlots;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.objectweb.asm.tree.AbstractInsnNode;
import org.objectweb.asm.tree.InsnList;
import org.objectweb.asm.tree.InsnNode;
import org.objectweb.asm.tree.JumpInsnNode;
import org.objectweb.asm.tree.LabelNode;
import org.objectweb.asm.tree.LocalVariableNode;
import org.objectweb.asm.tree.LookupSwitchInsnNode;
import org.objectweb.asm.tree.MethodInsnNode;
import org.objectweb.asm.tree.MethodNode;
import org.objectweb.asm.tree.TableSwitchInsnNode;
import org.objectweb.asm.tree.TryCatchBlockNode;
import org.objectweb.asm.tree.VarInsnNode;

/**
 * Drop glue where the scope of an {@code @Owned} local (the ranges the compiler records for it) or of an
 * {@code @Owned} parameter (the whole function) is left. javac writes this code itself for try-with-resources;
 * here it is written from the scope alone, in two passes:
 * <ol>
 *   <li><b>handlers</b>, outermost scope first: a catch-all entry over the scope whose handler drops the value,
 *       adding a close failure to the exception in flight as suppressed, and rethrows. It sits in the exception
 *       table just before the entries that enclose the scope, and its own code is covered by those entries;</li>
 *   <li><b>exits</b>, innermost scope first, so inner values are dropped first: glue on every normal way out of
 *       the scope (a jump out, a return, falling off its end), each way out first made a {@code goto} by
 *       {@link ExitJumps}, so glue is always straight-line code.</li>
 * </ol>
 * Where a jump or return leaves the scope through enclosing {@code finally} blocks, javac has inlined those blocks
 * before the jump, inside the scope's range: the glue goes before them, where the enclosing {@code try} still
 * covers it (as try-with-resources would close there), and the scope's handler no longer covers that tail, so a
 * {@code finally} never runs twice. Each piece of glue is covered by exactly the entries that enclose its scope
 * ({@link ExceptionTable} splits the others around it).
 */
final class ScopeGlue {
    private final MethodNode m;
    /** Per insertion point: the last piece of glue placed after it, so later glue goes after earlier glue. */
    private final Map<AbstractInsnNode, AbstractInsnNode> cursors = new HashMap<>();
    /** The handler entries of the parameters handled so far (each parameter's scope encloses the later ones'). */
    private final List<TryCatchBlockNode> parameterHandlers = new ArrayList<>();
    /** Where the original code ends; parameter handlers cover everything before it. */
    private final LabelNode codeStart = new LabelNode();
    private final LabelNode codeEnd = new LabelNode();

    ScopeGlue(MethodNode m) {
        this.m = m;
        m.instructions.insert(codeStart);
        m.instructions.add(codeEnd);
    }

    // ---- pass 1: handlers ---------------------------------------------------------------------------------------

    /** The catch-all handler of {@code v}; call for outer scopes before inner ones, parameters in order first. */
    void addHandler(OwnedVariable v) {
        List<LabelNode[]> ranges = v.kind == OwnedVariable.Kind.PARAMETER
                ? List.<LabelNode[]>of(new LabelNode[] {codeStart, codeEnd}) : v.ranges;
        Set<TryCatchBlockNode> enclosing = new HashSet<>();
        for (TryCatchBlockNode e : m.tryCatchBlocks) if (encloses(v, e)) enclosing.add(e);
        int at = m.tryCatchBlocks.size();
        for (int i = 0; i < m.tryCatchBlocks.size(); i++) {
            if (enclosing.contains(m.tryCatchBlocks.get(i))) {
                at = i;
                break;
            }
        }
        LabelNode handler = new LabelNode();
        for (LabelNode[] r : ranges) {
            TryCatchBlockNode x = new TryCatchBlockNode(r[0], r[1], handler, null);
            v.handlers.add(x);
            m.tryCatchBlocks.add(at++, x);
        }
        if (v.kind == OwnedVariable.Kind.PARAMETER) parameterHandlers.addAll(v.handlers);

        // handler: t = the exception; drop the value, a failure suppressed onto t; throw t
        int primary = LocalSlots.take(m, 1);
        int secondary = LocalSlots.take(m, 1);
        LabelNode dropStart = new LabelNode();
        LabelNode dropEnd = new LabelNode();
        LabelNode suppress = new LabelNode();
        LabelNode rethrow = new LabelNode();
        LabelNode end = new LabelNode();
        InsnList code = new InsnList();
        code.add(handler);
        code.add(new VarInsnNode(ASTORE, primary));
        code.add(glue(v, dropStart, dropEnd, primary));
        code.add(new JumpInsnNode(GOTO, rethrow));
        code.add(suppress);
        code.add(new VarInsnNode(ASTORE, secondary));
        code.add(new VarInsnNode(ALOAD, primary));
        code.add(new VarInsnNode(ALOAD, secondary));
        code.add(new MethodInsnNode(INVOKESTATIC, CodaNames.COROUTINE, "suppress",
                "(Ljava/lang/Throwable;Ljava/lang/Throwable;)V", false));
        code.add(rethrow);
        code.add(new VarInsnNode(ALOAD, primary));
        code.add(new InsnNode(ATHROW));
        code.add(end);
        m.instructions.add(code);
        m.tryCatchBlocks.add(0, new TryCatchBlockNode(dropStart, dropEnd, suppress, "java/lang/Throwable"));
        cover(handler, end, enclosing);
        nameLocals(v, handler, end, primary);
    }

    /**
     * Debug names in a handler's code, so that what a suspension there saves gets named fields: the exception in
     * flight, the value, and the values of the enclosing scopes, whose handlers it runs into.
     */
    private void nameLocals(OwnedVariable v, LabelNode start, LabelNode end, int primary) {
        if (m.localVariables == null) return;
        m.localVariables.add(new LocalVariableNode("thrown$" + v.name, "Ljava/lang/Throwable;", null, start, end, primary));
        for (OwnedVariable u : scoped) {
            boolean enclosing = u == v || u.handlers.stream().anyMatch(e -> encloses(v, e));
            if (enclosing) m.localVariables.add(new LocalVariableNode(u.name, u.desc, null, start, end, u.slot));
        }
    }

    // ---- pass 2: exits ------------------------------------------------------------------------------------------

    /** Glue on every normal exit of {@code v}'s scope; call for inner scopes before outer ones. */
    void addExitGlue(OwnedVariable v) {
        if (v.kind == OwnedVariable.Kind.PARAMETER) {
            for (AbstractInsnNode n : m.instructions.toArray()) {
                if (isReturn(n) && inOriginalCode(n)) insertBefore(v, returnPoint(n), null);
            }
            return;
        }
        ExitJumps.split(m, n -> inScope(v, n));
        for (AbstractInsnNode n : m.instructions.toArray()) {
            if (n.getOpcode() < 0 || !inScope(v, n)) continue;
            if (n.getOpcode() == GOTO && !inScope(v, ((JumpInsnNode) n).label)) {
                insertAtExit(v, n);
            } else if (isReturn(n)) {
                insertAtExit(v, n);
            } else if (fallsThrough(n)) {
                AbstractInsnNode next = RealInstructions.next(n);
                if (next == null || !inScope(v, next)) insertAfter(v, n);
            }
        }
    }

    /**
     * A jump or return that leaves the scope: glue before any finally code javac inlined there (covered as the last
     * instruction of the try is, and cut out of the scope's own handler up to the exit), else right before it.
     */
    private void insertAtExit(OwnedVariable v, AbstractInsnNode exit) {
        LabelNode tail = finallyTail(v, exit);
        if (tail == null) {
            insertBefore(v, isReturn(exit) ? returnPoint(exit) : exit, null);
            return;
        }
        insertBefore(v, RealInstructions.next(tail), exit, enclosingAt(v, RealInstructions.previous(tail)));
    }

    /**
     * Where javac's inlined copies of enclosing finally blocks (and try-with-resources closes) begin before
     * {@code exit}: the earliest end, before the exit, of a catch-all entry that encloses the scope but not the
     * exit. Null if no finally block is left. javac's catch-alls are untyped for {@code finally} and typed
     * {@code Throwable} for try-with-resources; a user's {@code catch (Throwable t)} never leaves such a gap.
     */
    private LabelNode finallyTail(OwnedVariable v, AbstractInsnNode exit) {
        int at = index(exit);
        LabelNode tail = null;
        Set<LabelNode> seen = new HashSet<>();
        for (TryCatchBlockNode e : m.tryCatchBlocks) {
            if (!ControlFlow.catchesAll(e) || isScopeHandler(e) || !encloses(v, e) || !seen.add(e.handler)) continue;
            // A try statement is all the entries of its handler, in segments around the code javac inlined.
            LabelNode last = null;
            boolean coversExit = false;
            for (TryCatchBlockNode segment : m.tryCatchBlocks) {
                if (segment.handler != e.handler) continue;
                if (covers(segment, exit)) coversExit = true;
                if (index(segment.end) <= at && (last == null || index(segment.end) > index(last))) last = segment.end;
            }
            if (!coversExit && last != null && (tail == null || index(last) < index(tail))) tail = last;
        }
        return tail;
    }

    /**
     * {@code xRETURN}, or the {@code Task.completed(v)}-style call just before an ARETURN, which stays adjacent: unless
     * another path jumps in between (a ternary or switch whose arms each end in a factory), which must meet the glue too.
     */
    private AbstractInsnNode returnPoint(AbstractInsnNode ret) {
        if (ret.getOpcode() != ARETURN) return ret;
        AbstractInsnNode call = RealInstructions.previous(ret);
        if (!(call instanceof MethodInsnNode) || call.getOpcode() != INVOKESTATIC) return ret;
        MethodInsnNode mi = (MethodInsnNode) call;
        boolean factory = (mi.owner.equals(CodaNames.TASK) && (mi.name.equals("completed") || mi.name.equals("done")))
                || (mi.owner.equals(CodaNames.COMPLETABLE_FUTURE) && mi.name.equals("completedFuture"));
        if (!factory || BranchTargets.between(call.getNext(), ret, BranchTargets.of(m))) return ret;
        return call;
    }

    // ---- placing glue -------------------------------------------------------------------------------------------

    /** Glue right before {@code at} (after glue already placed there), covered as {@code at} is. */
    private void insertBefore(OwnedVariable v, AbstractInsnNode at, AbstractInsnNode exit) {
        insertBefore(v, at, exit, enclosingAt(v, at));
    }

    /**
     * Glue right before {@code at}, covered by exactly {@code should}. With {@code exit} set, the glue begins a
     * finally tail that runs to {@code exit}: the scope's own handler stops covering it.
     */
    private void insertBefore(OwnedVariable v, AbstractInsnNode at, AbstractInsnNode exit, Set<TryCatchBlockNode> should) {
        LabelNode start = new LabelNode();
        LabelNode end = new LabelNode();
        m.instructions.insertBefore(at, glue(v, start, end, -1));
        cover(start, end, should);
        if (exit != null) v.handlers.addAll(ExceptionTable.uncover(m, v.handlers, start, exit));
    }

    /** Glue right after {@code after} (after glue already placed there): where the scope falls off its end. */
    private void insertAfter(OwnedVariable v, AbstractInsnNode after) {
        LabelNode start = new LabelNode();
        LabelNode end = new LabelNode();
        m.instructions.insert(cursors.getOrDefault(after, after), glue(v, start, end, -1));
        cursors.put(after, end);
        cover(start, end, enclosingAt(v, after));
    }

    /** The drop of {@code v} between the labels {@code start} and {@code end}; see {@link OwnershipLowering#dropGlue}. */
    private static InsnList glue(OwnedVariable v, LabelNode start, LabelNode end, int inFlight) {
        InsnList g = new InsnList();
        g.add(start);
        g.add(new VarInsnNode(ALOAD, v.slot));
        g.add(OwnershipLowering.dropGlue(v.flag, inFlight));
        g.add(end);
        return g;
    }

    /** {@link ExceptionTable#cover}, keeping the owned variables' lists of handler entries complete. */
    private void cover(LabelNode start, LabelNode end, Set<TryCatchBlockNode> should) {
        ExceptionTable.cover(m, start, end, should, this::renamePiece);
    }

    /** Keeps the owned variables' handler lists complete when one of their entries is split. */
    private final List<OwnedVariable> scoped = new ArrayList<>();

    void track(OwnedVariable v) {
        scoped.add(v);
    }

    private void renamePiece(TryCatchBlockNode of, TryCatchBlockNode piece) {
        for (OwnedVariable v : scoped) if (v.handlers.contains(of)) v.handlers.add(piece);
        if (parameterHandlers.contains(of)) parameterHandlers.add(piece);
    }

    // ---- scope facts --------------------------------------------------------------------------------------------

    /** The entries that enclose {@code v}'s scope and cover {@code at}: they must cover glue placed at {@code at}. */
    private Set<TryCatchBlockNode> enclosingAt(OwnedVariable v, AbstractInsnNode at) {
        Set<TryCatchBlockNode> set = new HashSet<>();
        for (TryCatchBlockNode e : m.tryCatchBlocks) if (encloses(v, e) && covers(e, at)) set.add(e);
        return set;
    }

    /**
     * Whether {@code e} encloses {@code v}'s scope: for a local, it covers the store that declares it (which is in
     * the scope's block, outside any try inside it); for a parameter, it is the handler of an earlier parameter.
     */
    private boolean encloses(OwnedVariable v, TryCatchBlockNode e) {
        if (v.handlers.contains(e)) return false;
        if (v.kind == OwnedVariable.Kind.PARAMETER) return parameterHandlers.contains(e);
        // A try statement is all the entries of its handler: javac splits its range around inlined finally code.
        AbstractInsnNode declaration = v.stores.iterator().next();
        for (TryCatchBlockNode segment : m.tryCatchBlocks) {
            if (segment.handler == e.handler && java.util.Objects.equals(segment.type, e.type)
                    && covers(segment, declaration)) {
                return true;
            }
        }
        return false;
    }

    private boolean isScopeHandler(TryCatchBlockNode e) {
        for (OwnedVariable v : scoped) if (v.handlers.contains(e)) return true;
        return false;
    }

    private boolean inScope(OwnedVariable v, AbstractInsnNode n) {
        return v.flagSets.contains(n) || v.inRanges(m.instructions, n);
    }

    private boolean inOriginalCode(AbstractInsnNode n) {
        return index(n) < index(codeEnd);
    }

    private boolean covers(TryCatchBlockNode e, AbstractInsnNode n) {
        return ExceptionTable.covers(m, e, n);
    }

    private int index(AbstractInsnNode n) {
        return m.instructions.indexOf(n);
    }

    private static boolean isReturn(AbstractInsnNode n) {
        return n.getOpcode() >= IRETURN && n.getOpcode() <= RETURN;
    }

    private static boolean fallsThrough(AbstractInsnNode n) {
        int op = n.getOpcode();
        return op != GOTO && op != ATHROW && !isReturn(n) && !(n instanceof TableSwitchInsnNode)
                && !(n instanceof LookupSwitchInsnNode);
    }
}
