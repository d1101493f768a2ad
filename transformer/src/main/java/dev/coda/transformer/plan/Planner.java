package dev.coda.transformer.plan;

import dev.coda.transformer.analysis.RealInstructions;
import dev.coda.transformer.CodaNames;
import dev.coda.transformer.select.AsyncMethod;
import dev.coda.transformer.analysis.Diagnostics;
import dev.coda.transformer.analysis.LocalNames;
import dev.coda.transformer.analysis.MethodAnalysis;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.objectweb.asm.Label;
import org.objectweb.asm.Opcodes;
import org.objectweb.asm.Type;
import org.objectweb.asm.tree.AbstractInsnNode;
import org.objectweb.asm.tree.ClassNode;
import org.objectweb.asm.tree.LocalVariableNode;
import org.objectweb.asm.tree.MethodInsnNode;
import org.objectweb.asm.tree.MethodNode;
import org.objectweb.asm.tree.TypeInsnNode;
import org.objectweb.asm.tree.VarInsnNode;

/**
 * The plan stage: from an analysed async method, decide the state machine's name and fields, and what each await
 * saves. Only live locals are saved (Kotlin's rule: a reference that is dead across a suspension is not kept), each
 * in a field typed as the verifier sees it and named after the source variable when a LocalVariableTable exists.
 * Fields are shared between await sites when name and type agree, since only one site is suspended at a time.
 */
public final class Planner {
    private final ClassNode host;
    private final Diagnostics diagnostics;
    private final Set<String> classNamesTaken = new HashSet<>();

    /** The JVM's limit on the slots a method's parameters take (a long or double two), its receiver included. */
    private static final int MAX_PARAMETER_SLOTS = 255;

    public Planner(ClassNode host, Diagnostics diagnostics) {
        this.host = host;
        this.diagnostics = diagnostics;
    }

    /** The plan, or null with an error reported when some await cannot be supported. */
    public StateMachinePlan plan(AsyncMethod async, MethodAnalysis analysis) {
        MethodNode m = async.method();
        Fields fields = new Fields();
        List<Param> params = params(m, async.ownedParameters());
        int parameterSlots = Param.slots(params);
        if (parameterSlots + 1 > MAX_PARAMETER_SLOTS) {
            diagnostics.error(m, null, "cannot rewrite " + Diagnostics.describe(host, m) + ": its parameters take "
                    + parameterSlots + " slots" + ((m.access & Opcodes.ACC_STATIC) == 0
                    ? " with the receiver" : "") + ", and its body takes the state machine in one more (the JVM "
                    + "allows " + MAX_PARAMETER_SLOTS + "); pass some of them in an object");
            return null;
        }
        // The receiver, and a parameter's slot with no LocalVariableTable entry at an await (class files without
        // debug information), are spilled into a field named after the parameter.
        Map<Integer, String> parameterNames = new HashMap<>();
        for (Param p : params) parameterNames.put(p.slot(), p.name());

        List<AwaitSite> sites = new ArrayList<>();
        Map<TypeInsnNode, Relocation> relocations = new LinkedHashMap<>();
        int state = 1;
        for (MethodInsnNode await : async.awaits()) {
            Object[] locals = analysis.localsBefore(await);
            Object[] stack = analysis.stackBefore(await);
            if (locals == null) continue; // unreachable: left as is, never runs
            Set<String> usedHere = new HashSet<>();
            List<Spill> savedLocals = new ArrayList<>();
            List<Spill> savedStack = new ArrayList<>();
            for (Saved v : savedAt(locals, stack, analysis.liveBefore(await))) {
                if (v.type() instanceof Label || v.type() == (Object) Opcodes.UNINITIALIZED_THIS) {
                    String why = relocate(m, analysis, v.type(), relocations, "an object under construction is "
                            + (v.local() ? "held in a local variable" : "on the operand stack"));
                    if (why != null) return unsupported(m, await, why);
                } else if (v.local()) {
                    LocalVariableNode var = LocalNames.variableAt(m, v.index(), await);
                    String parameterName = parameterNames.get(v.index());
                    boolean receiver = v.index() == 0 && (m.access & Opcodes.ACC_STATIC) == 0;
                    String name = parameterName != null && (receiver || var == null) ? parameterName
                            : LocalNames.nameOr(var, v.index());
                    savedLocals.add(fields.spill(v.index(), name, descriptor(v.type(), var), usedHere));
                } else {
                    int position = savedStack.size();
                    savedStack.add(fields.spill(position, "stack" + position, descriptor(v.type(), null), usedHere));
                }
            }
            sites.add(new AwaitSite(state++, await, AwaitSite.Kind.of(await), savedLocals, savedStack,
                    Diagnostics.lineOf(m, await)));
        }
        boolean itf = (host.access & Opcodes.ACC_INTERFACE) != 0;
        return new StateMachinePlan(className(m), host.name, itf, host.sourceFile, async, params, sites,
                List.copyOf(relocations.values()), fields.all());
    }

    /** A value an await saves: a live local ({@code index}: its slot) or an operand below the awaited task. */
    private record Saved(boolean local, int index, Object type) {}

    /** The values saved at an await: the live locals, then the operand stack below the awaited task, bottom first. */
    private static List<Saved> savedAt(Object[] locals, Object[] stack, BitSet live) {
        List<Saved> saved = new ArrayList<>();
        for (int slot = 0; slot < locals.length; slot++) {
            Object t = locals[slot];
            if (t == (Object) Opcodes.TOP || !live.get(slot)) continue;
            saved.add(new Saved(true, slot, t));
            if (t == (Object) Opcodes.LONG || t == (Object) Opcodes.DOUBLE) slot++;
        }
        for (int i = 0; i < stack.length - 1; i++) {
            saved.add(new Saved(false, i, stack[i]));
            if (stack[i] == (Object) Opcodes.LONG || stack[i] == (Object) Opcodes.DOUBLE) i++;
        }
        return saved;
    }

    /**
     * An uninitialised value at an await: records the relocation of its {@code new} and returns null, or returns why it
     * cannot be saved ({@code where} for an object no relocation applies to).
     */
    private static String relocate(MethodNode m, MethodAnalysis analysis, Object t,
                                   Map<TypeInsnNode, Relocation> relocations, String where) {
        if (t == (Object) Opcodes.UNINITIALIZED_THIS) return "'this' is not initialised yet";
        Relocation r = relocation(m, analysis, (Label) t);
        if (r == null) return where;
        relocations.putIfAbsent(r.newInsn(), r);
        return null;
    }

    private StateMachinePlan unsupported(MethodNode m, AbstractInsnNode at, String why) {
        diagnostics.error(m, at, "cannot suspend at this Coda.await in " + Diagnostics.describe(host, m) + ": " + why
                + "; assign the awaited value to a local variable first");
        return null;
    }

    /**
     * {@code Host$$Coda$name}; an overload (or a method whose own name ends like {@code $2}) gets the first free
     * {@code $2}, {@code $3}..., in method order, so no two state machines of a class share a name.
     */
    private String className(MethodNode m) {
        String base = host.name + CodaNames.STATE_MACHINE_INFIX + m.name.replace('<', '_').replace('>', '_');
        String name = base;
        for (int n = 2; !classNamesTaken.add(name); n++) name = base + "$" + n;
        return name;
    }

    private List<Param> params(MethodNode m, List<Integer> owned) {
        List<Param> params = new ArrayList<>();
        int slot = 0;
        if ((m.access & Opcodes.ACC_STATIC) == 0) {
            params.add(new Param(0, "L" + host.name + ";", "this$0", false));
            slot = 1;
        }
        Type[] args = Type.getArgumentTypes(m.desc);
        for (int i = 0; i < args.length; i++) {
            params.add(new Param(slot, args[i].getDescriptor(), LocalNames.memberName(m, i, slot), owned.contains(i)));
            slot += args[i].getSize();
        }
        return params;
    }

    /** The field type for a verifier type; null for the null type. Int-like locals keep their declared type. */
    private static String descriptor(Object t, LocalVariableNode var) {
        if (t == (Object) Opcodes.INTEGER) {
            if (var != null && var.desc.length() == 1 && "ZBCSI".indexOf(var.desc.charAt(0)) >= 0) return var.desc;
            return "I";
        }
        if (t == (Object) Opcodes.FLOAT) return "F";
        if (t == (Object) Opcodes.LONG) return "J";
        if (t == (Object) Opcodes.DOUBLE) return "D";
        if (t == (Object) Opcodes.NULL) return null;
        String name = (String) t;
        return name.charAt(0) == '[' ? name : "L" + name + ";";
    }

    /**
     * The relocation of the object {@code label} stands for, or null when its code is not the shape the relocation
     * can move: {@code NEW; DUP}, the two references then moved only by loads and stores (javac parks them in locals
     * around a switch expression), one constructor call consuming one and leaving the other on the stack, and no
     * local holding one read after that call. Or, for an object the expression discards, {@code NEW} alone, its one
     * reference consumed by the constructor call: ECJ writes {@code new X(...);} as a statement so, where javac
     * writes {@code DUP} and a {@code POP} after the call. Bytecode of another shape (an extra {@code DUP}, a
     * {@code SWAP}, a copy in a local read after the constructor) is valid, but no Java compiler writes it, and is
     * refused.
     */
    private static Relocation relocation(MethodNode m, MethodAnalysis analysis, Label label) {
        TypeInsnNode nw = analysis.newSites().get(label);
        if (nw == null) return null;
        AbstractInsnNode next = RealInstructions.next(nw);
        AbstractInsnNode dup = next != null && next.getOpcode() == Opcodes.DUP ? next : null;
        int copies = dup == null ? 1 : 2;
        MethodInsnNode init = null;
        for (AbstractInsnNode n = m.instructions.getFirst(); n != null; n = n.getNext()) {
            Object[] stack = analysis.stackBefore(n);
            if (stack == null || n == dup) continue;
            if (n.getOpcode() == Opcodes.INVOKESPECIAL && ((MethodInsnNode) n).name.equals("<init>")) {
                MethodInsnNode call = (MethodInsnNode) n;
                int argSlots = (Type.getArgumentsAndReturnSizes(call.desc) >> 2) - 1;
                int receiver = stack.length - 1 - argSlots;
                if (receiver < 0 || stack[receiver] != label) continue;
                if (init != null) return null; // constructed on two paths
                init = call;
                // With a DUP, exactly one more reference below the receiver, the expression's value; without, none.
                if (count(stack, label) != copies) return null;
                if (dup != null && (receiver == 0 || stack[receiver - 1] != label)) return null;
                Object[] locals = analysis.localsBefore(call);
                AbstractInsnNode after = RealInstructions.next(call);
                for (int slot = 0; slot < locals.length; slot++) {
                    if (locals[slot] == label && after != null && analysis.liveBefore(after).get(slot)) return null;
                }
            } else if (touchesTop(n.getOpcode()) > 0) {
                int top = touchesTop(n.getOpcode());
                for (int i = Math.max(0, stack.length - top); i < stack.length; i++) if (stack[i] == label) return null;
            }
        }
        if (init == null || !init.owner.equals(nw.desc)) return null;
        return new Relocation(nw, dup, hiddenMoves(m, analysis, label), init);
    }

    /** How many stack slots from the top a stack-shuffling instruction reads; 0 for any other instruction. */
    private static int touchesTop(int opcode) {
        return switch (opcode) {
            case Opcodes.POP, Opcodes.DUP -> 1;
            case Opcodes.POP2, Opcodes.DUP2, Opcodes.SWAP, Opcodes.DUP_X1 -> 2;
            case Opcodes.DUP_X2, Opcodes.DUP2_X1 -> 3;
            case Opcodes.DUP2_X2 -> 4;
            default -> 0;
        };
    }

    private static int count(Object[] values, Object value) {
        int n = 0;
        for (Object v : values) if (v == value) n++;
        return n;
    }

    /** The stores and loads that move the uninitialised value {@code label} between the stack and locals. */
    private static List<VarInsnNode> hiddenMoves(MethodNode m, MethodAnalysis analysis, Label label) {
        List<VarInsnNode> moves = new ArrayList<>();
        for (AbstractInsnNode n = m.instructions.getFirst(); n != null; n = n.getNext()) {
            if (n.getOpcode() != Opcodes.ASTORE && n.getOpcode() != Opcodes.ALOAD) continue;
            VarInsnNode v = (VarInsnNode) n;
            Object[] stack = analysis.stackBefore(v);
            Object[] locals = analysis.localsBefore(v);
            if (stack == null) continue;
            Object moved = v.getOpcode() == Opcodes.ASTORE ? stack[stack.length - 1]
                    : v.var < locals.length ? locals[v.var] : null;
            if (moved == label) moves.add(v);
        }
        return moves;
    }

    /** Field names and types of one state machine. */
    private static final class Fields {
        private final Map<String, String> byName = new LinkedHashMap<>();

        Fields() {
            byName.put(StateMachinePlan.STATE_FIELD, "I"); // the resume label; never shared with a local
        }

        /** A field named {@code base} (or {@code base$N}) of type {@code desc}, not yet used at this site. */
        String allocate(String base, String desc, Set<String> usedHere) {
            for (int n = 0; ; n++) {
                String name = n == 0 ? base : base + "$" + n;
                if (usedHere.contains(name) || name.equals(StateMachinePlan.STATE_FIELD)) continue;
                String existing = byName.get(name);
                if (existing == null) byName.put(name, desc);
                else if (!existing.equals(desc)) continue;
                usedHere.add(name);
                return name;
            }
        }

        /** The spill of a value of type {@code desc} into a field named after {@code base}; none for the null type. */
        Spill spill(int index, String base, String desc, Set<String> usedHere) {
            return desc == null ? new Spill(index, null, null) : new Spill(index, desc, allocate(base, desc, usedHere));
        }

        Map<String, String> all() {
            return new LinkedHashMap<>(byName);
        }
    }
}
