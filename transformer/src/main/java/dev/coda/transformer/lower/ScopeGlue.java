package dev.coda.transformer.lower;

import static org.objectweb.asm.Opcodes.*;

import dev.coda.transformer.CodaNames;
import dev.coda.transformer.analysis.BranchTargets;
import dev.coda.transformer.analysis.ControlFlow;
import dev.coda.transformer.analysis.LocalSlots;
import dev.coda.transformer.analysis.RealInstructions;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
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
 * Drop glue where the scope of an {@code @Owned} local (the ranges the compiler records) or parameter (the whole
 * function) is left, in two passes: a catch-all handler per scope, outermost first, that drops the value and
 * rethrows; then glue on every normal exit, innermost first, before any {@code finally} code javac inlined on the way
 * out, with the scope's own handler cut out of that tail so that a {@code finally} never runs twice. Each piece of
 * glue is covered by exactly the entries that enclose its scope. The README's "Drop glue for scopes" gives the rule
 * in full. It knows a scope only as the compiler recorded it, and an inlined {@code finally} only by the gap it
 * leaves in the entries of its {@code try}.
 */
final class ScopeGlue {
    /** An {@code @Owned} variable with its flag, and the catch-all entries written for it so far. */
    private record Scope(DropFlag flag, List<TryCatchBlockNode> handlers) {
        OwnedVariable v() {
            return flag.variable();
        }
    }

    /** A piece of glue and the labels around it. */
    private record Glue(LabelNode start, LabelNode end, InsnList code) {}

    private final MethodNode m;
    /** Where the code as compiled begins and ends; a parameter's handler covers all of it. */
    private final LabelNode codeStart;
    private final LabelNode codeEnd;
    /** Outermost first. */
    private final List<Scope> scopes = new ArrayList<>();
    /** The handler entries of the parameters handled so far (each parameter's scope encloses the later ones'). */
    private final List<TryCatchBlockNode> parameterHandlers = new ArrayList<>();
    /** Per insertion point: the last piece of glue placed after it, so later glue goes after earlier glue. */
    private final Map<AbstractInsnNode, AbstractInsnNode> cursors = new HashMap<>();

    private ScopeGlue(MethodNode m, LabelNode codeStart, LabelNode codeEnd) {
        this.m = m;
        this.codeStart = codeStart;
        this.codeEnd = codeEnd;
    }

    /** The glue of every {@code @Owned} variable of {@code flags}, in the code between the two labels. */
    static void write(MethodNode m, LabelNode codeStart, LabelNode codeEnd, List<DropFlag> flags) {
        ScopeGlue glue = new ScopeGlue(m, codeStart, codeEnd);
        // Scopes nest: a parameter's encloses every local's, a longer range encloses a shorter one it overlaps.
        List<DropFlag> outerFirst = new ArrayList<>(flags);
        outerFirst.sort(Comparator.comparingInt(f -> glue.scopeOrder(f.variable())));
        for (DropFlag f : outerFirst) glue.scopes.add(new Scope(f, new ArrayList<>()));
        glue.scopes.forEach(glue::addHandler);
        for (int i = glue.scopes.size() - 1; i >= 0; i--) glue.addExitGlue(glue.scopes.get(i));
        ExceptionTable.removeEmpty(m);
    }

    /** Parameters first, in declaration order; then locals, longer scopes first. */
    private int scopeOrder(OwnedVariable v) {
        if (v.kind() == OwnedVariable.Kind.PARAMETER) return -1_000_000 + v.slot();
        int length = 0;
        for (LabelNode[] r : v.ranges()) length += index(r[1]) - index(r[0]);
        return -length;
    }

    // ---- pass 1: handlers ---------------------------------------------------------------------------------------

    /** The catch-all handler of {@code s}; called for outer scopes before inner ones, parameters in order first. */
    private void addHandler(Scope s) {
        OwnedVariable v = s.v();
        List<LabelNode[]> ranges = v.kind() == OwnedVariable.Kind.PARAMETER
                ? List.<LabelNode[]>of(new LabelNode[] {codeStart, codeEnd}) : v.ranges();
        Set<TryCatchBlockNode> enclosing = new HashSet<>();
        for (TryCatchBlockNode e : m.tryCatchBlocks) if (encloses(s, e)) enclosing.add(e);
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
            s.handlers().add(x);
            m.tryCatchBlocks.add(at++, x);
        }
        if (v.kind() == OwnedVariable.Kind.PARAMETER) parameterHandlers.addAll(s.handlers());

        // handler: t = the exception; drop the value, a failure suppressed onto t; throw t
        int primary = LocalSlots.take(m, 1);
        int secondary = LocalSlots.take(m, 1);
        Glue drop = glue(s, primary);
        LabelNode suppress = new LabelNode();
        LabelNode rethrow = new LabelNode();
        LabelNode end = new LabelNode();
        InsnList code = new InsnList();
        code.add(handler);
        code.add(new VarInsnNode(ASTORE, primary));
        code.add(drop.code());
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
        m.tryCatchBlocks.add(0, new TryCatchBlockNode(drop.start(), drop.end(), suppress, "java/lang/Throwable"));
        cover(handler, end, enclosing);
        nameLocals(s, handler, end, primary);
    }

    /**
     * Debug names in a handler's code, so that what a suspension there saves gets named fields: the exception in
     * flight, the value, and the values of the enclosing scopes, whose handlers it runs into.
     */
    private void nameLocals(Scope s, LabelNode start, LabelNode end, int primary) {
        if (m.localVariables == null) return;
        m.localVariables.add(new LocalVariableNode("thrown$" + s.v().name(), "Ljava/lang/Throwable;", null, start, end,
                primary));
        for (Scope u : scopes) {
            boolean enclosing = u == s || u.handlers().stream().anyMatch(e -> encloses(s, e));
            if (enclosing) m.localVariables.add(new LocalVariableNode(u.v().name(), u.v().desc(), null, start, end, u.v().slot()));
        }
    }

    // ---- pass 2: exits ------------------------------------------------------------------------------------------

    /** Glue on every normal exit of {@code s}'s scope; called for inner scopes before outer ones. */
    private void addExitGlue(Scope s) {
        if (s.v().kind() == OwnedVariable.Kind.PARAMETER) {
            for (AbstractInsnNode n : m.instructions.toArray()) {
                if (isReturn(n) && index(n) < index(codeEnd)) insertBefore(s, returnPoint(n), null);
            }
            return;
        }
        ExitJumps.split(m, n -> inScope(s, n));
        for (AbstractInsnNode n : m.instructions.toArray()) {
            if (n.getOpcode() < 0 || !inScope(s, n)) continue;
            if (n.getOpcode() == GOTO && !inScope(s, ((JumpInsnNode) n).label)) {
                insertAtExit(s, n);
            } else if (isReturn(n)) {
                insertAtExit(s, n);
            } else if (fallsThrough(n)) {
                AbstractInsnNode next = RealInstructions.next(n);
                if (next == null || !inScope(s, next)) insertAfter(s, n);
            }
        }
    }

    /**
     * A jump or return that leaves the scope: glue before any finally code javac inlined there (covered as the try's
     * instruction that leads into that code is, and cut out of the scope's own handler up to the exit), else right
     * before it.
     */
    private void insertAtExit(Scope s, AbstractInsnNode exit) {
        Tail tail = finallyTail(s, exit);
        if (tail == null) {
            insertBefore(s, isReturn(exit) ? returnPoint(exit) : exit, null);
            return;
        }
        insertBefore(s, RealInstructions.next(tail.start()), exit, enclosingAt(s, tail.from()));
    }

    /** Where inlined finally code begins, and the instruction of the try that leads into it. */
    private record Tail(LabelNode start, AbstractInsnNode from) {}

    /**
     * Where javac's inlined copies of enclosing finally blocks (and try-with-resources closes) begin before
     * {@code exit}: the earliest, over the catch-all entries that enclose the scope but not the exit, of where their
     * copy begins. Null if no finally block is left. javac's catch-alls are untyped for {@code finally} and typed
     * {@code Throwable} for try-with-resources; a user's {@code catch (Throwable t)} never leaves such a gap.
     */
    private Tail finallyTail(Scope s, AbstractInsnNode exit) {
        int at = index(exit);
        Tail tail = null;
        Set<LabelNode> seen = new HashSet<>();
        for (TryCatchBlockNode e : m.tryCatchBlocks) {
            if (!ControlFlow.catchesAll(e) || isScopeHandler(e) || !encloses(s, e) || !seen.add(e.handler)) continue;
            // A try statement is all the entries of its handler, in segments around the code javac inlined.
            LabelNode last = null;
            boolean coversExit = false;
            for (TryCatchBlockNode segment : m.tryCatchBlocks) {
                if (segment.handler != e.handler) continue;
                if (covers(segment, exit)) coversExit = true;
                if (index(segment.end) <= at && (last == null || index(segment.end) > index(last))) last = segment.end;
            }
            if (coversExit || last == null) continue;
            Tail copy = copyBefore(e.handler, last, at);
            if (tail == null || index(copy.start()) < index(tail.start())) tail = copy;
        }
        return tail;
    }

    /**
     * Where the finally copy that runs into the exit at {@code at} begins, given {@code gap}, the end of the try's
     * last segment before it. Several copies can share one gap (a {@code break} and a {@code continue} leaving a
     * try-with-resources from one loop body): a later copy is entered by a jump from the try's own code, which no
     * copy makes, so the latest such target before the exit begins the copy; with none, the gap does.
     */
    private Tail copyBefore(LabelNode handler, LabelNode gap, int at) {
        Tail copy = new Tail(gap, RealInstructions.previous(gap));
        for (AbstractInsnNode n = m.instructions.getFirst(); n != null; n = n.getNext()) {
            for (LabelNode target : BranchTargets.of(n)) {
                int i = index(target);
                if (i > index(copy.start()) && i < at && coveredBy(handler, n)) copy = new Tail(target, n);
            }
        }
        return copy;
    }

    private boolean coveredBy(LabelNode handler, AbstractInsnNode n) {
        for (TryCatchBlockNode e : m.tryCatchBlocks) if (e.handler == handler && covers(e, n)) return true;
        return false;
    }

    /**
     * {@code xRETURN}, or the {@code Task.completed(v)}-style call just before an ARETURN, which stays adjacent: unless
     * another path jumps in between (a ternary or switch whose arms each end in a factory), which must meet the glue too.
     */
    private AbstractInsnNode returnPoint(AbstractInsnNode ret) {
        if (ret.getOpcode() != ARETURN) return ret;
        AbstractInsnNode call = RealInstructions.previous(ret);
        if (!(call instanceof MethodInsnNode mi) || call.getOpcode() != INVOKESTATIC) return ret;
        boolean factory = (mi.owner.equals(CodaNames.TASK) && (mi.name.equals("completed") || mi.name.equals("done")))
                || (mi.owner.equals(CodaNames.COMPLETABLE_FUTURE) && mi.name.equals("completedFuture"));
        if (!factory || BranchTargets.between(call.getNext(), ret, BranchTargets.of(m))) return ret;
        return call;
    }

    // ---- placing glue -------------------------------------------------------------------------------------------

    /** Glue right before {@code at} (after glue already placed there), covered as {@code at} is. */
    private void insertBefore(Scope s, AbstractInsnNode at, AbstractInsnNode exit) {
        insertBefore(s, at, exit, enclosingAt(s, at));
    }

    /**
     * Glue right before {@code at}, covered by exactly {@code should}. With {@code exit} set, the glue begins a
     * finally tail that runs to {@code exit}: the scope's own handler stops covering it.
     */
    private void insertBefore(Scope s, AbstractInsnNode at, AbstractInsnNode exit, Set<TryCatchBlockNode> should) {
        Glue g = glue(s, -1);
        m.instructions.insertBefore(at, g.code());
        cover(g.start(), g.end(), should);
        if (exit != null) s.handlers().addAll(ExceptionTable.uncover(m, s.handlers(), g.start(), exit));
    }

    /** Glue right after {@code after} (after glue already placed there): where the scope falls off its end. */
    private void insertAfter(Scope s, AbstractInsnNode after) {
        Glue g = glue(s, -1);
        m.instructions.insert(cursors.getOrDefault(after, after), g.code());
        cursors.put(after, g.end());
        cover(g.start(), g.end(), enclosingAt(s, after));
    }

    /** The drop of {@code s}'s value, with the exception in flight in the local {@code inFlight} (else -1). */
    private static Glue glue(Scope s, int inFlight) {
        LabelNode start = new LabelNode();
        LabelNode end = new LabelNode();
        return new Glue(start, end, DropGlue.drop(s.v().slot(), s.flag().slot(), inFlight, start, end));
    }

    /** {@link ExceptionTable#cover}, keeping the scopes' lists of handler entries complete. */
    private void cover(LabelNode start, LabelNode end, Set<TryCatchBlockNode> should) {
        ExceptionTable.cover(m, start, end, should, (of, piece) -> {
            for (Scope u : scopes) if (u.handlers().contains(of)) u.handlers().add(piece);
            if (parameterHandlers.contains(of)) parameterHandlers.add(piece);
        });
    }

    // ---- scope facts --------------------------------------------------------------------------------------------

    /** The entries that enclose {@code s}'s scope and cover {@code at}: they must cover glue placed at {@code at}. */
    private Set<TryCatchBlockNode> enclosingAt(Scope s, AbstractInsnNode at) {
        Set<TryCatchBlockNode> set = new HashSet<>();
        for (TryCatchBlockNode e : m.tryCatchBlocks) if (encloses(s, e) && covers(e, at)) set.add(e);
        return set;
    }

    /**
     * Whether {@code e} encloses {@code s}'s scope: for a local, it covers the store that declares it (which is in
     * the scope's block, outside any try inside it); for a parameter, it is the handler of an earlier parameter.
     */
    private boolean encloses(Scope s, TryCatchBlockNode e) {
        if (s.handlers().contains(e)) return false;
        if (s.v().kind() == OwnedVariable.Kind.PARAMETER) return parameterHandlers.contains(e);
        // A try statement is all the entries of its handler: javac splits its range around inlined finally code.
        AbstractInsnNode declaration = s.v().declaration();
        for (TryCatchBlockNode segment : m.tryCatchBlocks) {
            if (segment.handler == e.handler && Objects.equals(segment.type, e.type) && covers(segment, declaration)) {
                return true;
            }
        }
        return false;
    }

    private boolean isScopeHandler(TryCatchBlockNode e) {
        for (Scope s : scopes) if (s.handlers().contains(e)) return true;
        return false;
    }

    private boolean inScope(Scope s, AbstractInsnNode n) {
        return s.flag().sets().contains(n) || s.v().inRanges(m.instructions, n);
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
