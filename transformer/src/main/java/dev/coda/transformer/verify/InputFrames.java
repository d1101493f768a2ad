package dev.coda.transformer.verify;

import dev.coda.transformer.analysis.BranchTargets;
import dev.coda.transformer.hierarchy.ClassHierarchy;
import dev.coda.transformer.hierarchy.HierarchyVerifier;
import dev.coda.transformer.read.ClassFileFacts;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.objectweb.asm.Opcodes;
import org.objectweb.asm.Type;
import org.objectweb.asm.tree.AbstractInsnNode;
import org.objectweb.asm.tree.ClassNode;
import org.objectweb.asm.tree.FrameNode;
import org.objectweb.asm.tree.InsnNode;
import org.objectweb.asm.tree.LabelNode;
import org.objectweb.asm.tree.MethodNode;
import org.objectweb.asm.tree.TryCatchBlockNode;
import org.objectweb.asm.tree.TypeInsnNode;
import org.objectweb.asm.tree.analysis.AnalyzerException;
import org.objectweb.asm.tree.analysis.BasicValue;
import org.objectweb.asm.tree.analysis.Frame;

/**
 * Type-checks a method Coda is about to rewrite against the stack map frames it was compiled with, as the JVM's
 * verifier does: a frame where every branch, handler and instruction after an unconditional jump lands, and the
 * state arriving there assignable to the frame declared. Coda computes new frames for the code it writes, so a
 * method whose declared frames the JVM would refuse is refused here, as a malformed class, instead of being
 * repaired. (Frames of the methods Coda leaves alone are copied as they are, and the JVM checks them itself.)
 */
public final class InputFrames {
    private final String owner;
    private final MethodNode method;
    private final HierarchyVerifier verifier;
    private final AbstractInsnNode[] code;
    /** The declared frame in force at each instruction that has one. */
    private final Map<AbstractInsnNode, Frame<BasicValue>> declared = new HashMap<>();

    private InputFrames(ClassNode owner, MethodNode method, ClassHierarchy hierarchy) {
        this.owner = owner.name;
        this.method = method;
        List<Type> interfaces = new ArrayList<>();
        for (String i : owner.interfaces) interfaces.add(Type.getObjectType(i));
        this.verifier = new HierarchyVerifier(hierarchy, Type.getObjectType(owner.name),
                owner.superName == null ? null : Type.getObjectType(owner.superName), interfaces,
                (owner.access & Opcodes.ACC_INTERFACE) != 0);
        this.code = method.instructions.toArray();
    }

    /** Throws when {@code method} (read with expanded frames) does not type-check against its declared frames. */
    public static void check(ClassNode owner, MethodNode method, ClassHierarchy hierarchy)
            throws ClassFileFacts.MalformedClassException {
        if (method.instructions.size() == 0) return;
        InputFrames check = new InputFrames(owner, method, hierarchy);
        try {
            check.run();
        } catch (AnalyzerException | IndexOutOfBoundsException | IllegalStateException e) {
            throw new ClassFileFacts.MalformedClassException("the code of " + owner.name.replace('/', '.') + "."
                    + method.name + method.desc + " does not match its stack map frames (" + e.getMessage() + ")");
        }
    }

    private void run() throws AnalyzerException {
        FrameNode pending = null;
        for (AbstractInsnNode n : code) {
            if (n instanceof FrameNode f) pending = f;
            else if (n.getOpcode() >= 0 && pending != null) {
                declared.put(n, frame(pending));
                pending = null;
            }
        }
        Frame<BasicValue> current = initial();
        for (int i = 0; i < code.length; i++) {
            AbstractInsnNode n = code[i];
            if (n.getOpcode() < 0) continue;
            Frame<BasicValue> frame = declared.get(n);
            if (frame != null) {
                if (current != null) requireAssignable(current, frame, n);
                current = frame;
            }
            if (current == null) throw fail(n, "expecting a stack map frame after an unconditional jump");
            for (TryCatchBlockNode handler : method.tryCatchBlocks) {
                if (covers(handler, i)) {
                    Frame<BasicValue> target = frameAt(handler.handler);
                    Frame<BasicValue> thrown = new Frame<>(current);
                    thrown.clearStack();
                    thrown.push(verifier.newValue(Type.getObjectType(handler.type == null ? "java/lang/Throwable" : handler.type)));
                    requireAssignable(thrown, target, n);
                }
            }
            Frame<BasicValue> next = new Frame<>(current);
            next.execute(n, verifier);
            for (LabelNode target : BranchTargets.of(n)) requireAssignable(next, frameAt(target), n);
            current = isUnconditional(n.getOpcode()) ? null : next;
        }
    }

    private boolean covers(TryCatchBlockNode handler, int index) {
        return method.instructions.indexOf(handler.start) <= index && index < method.instructions.indexOf(handler.end);
    }

    private Frame<BasicValue> frameAt(LabelNode label) throws AnalyzerException {
        AbstractInsnNode n = label;
        while (n != null && n.getOpcode() < 0) n = n.getNext();
        Frame<BasicValue> f = n == null ? null : declared.get(n);
        if (f == null) throw fail(label, "expecting a stack map frame at a branch target");
        return f;
    }

    private static boolean isUnconditional(int opcode) {
        return opcode == Opcodes.GOTO || opcode == Opcodes.ATHROW || opcode == Opcodes.TABLESWITCH
                || opcode == Opcodes.LOOKUPSWITCH || (opcode >= Opcodes.IRETURN && opcode <= Opcodes.RETURN);
    }

    private void requireAssignable(Frame<BasicValue> state, Frame<BasicValue> frame, AbstractInsnNode at)
            throws AnalyzerException {
        for (int l = 0; l < frame.getLocals(); l++) {
            if (!verifier.isAssignable(state.getLocal(l), frame.getLocal(l))) throw fail(at, "local " + l + " is "
                    + state.getLocal(l) + ", the frame declares " + frame.getLocal(l));
        }
        if (state.getStackSize() != frame.getStackSize()) throw fail(at, "stack height differs from the frame's");
        for (int s = 0; s < frame.getStackSize(); s++) {
            if (!verifier.isAssignable(state.getStack(s), frame.getStack(s))) throw fail(at, "stack " + s + " is "
                    + state.getStack(s) + ", the frame declares " + frame.getStack(s));
        }
    }

    private Frame<BasicValue> initial() {
        Frame<BasicValue> f = newFrame();
        int slot = 0;
        if ((method.access & Opcodes.ACC_STATIC) == 0) f.setLocal(slot++, verifier.newValue(Type.getObjectType(owner)));
        for (Type arg : Type.getArgumentTypes(method.desc)) {
            f.setLocal(slot, verifier.newValue(arg));
            slot += arg.getSize();
        }
        return f;
    }

    private Frame<BasicValue> newFrame() {
        Frame<BasicValue> f = new Frame<>(method.maxLocals, method.maxStack);
        for (int l = 0; l < method.maxLocals; l++) f.setLocal(l, BasicValue.UNINITIALIZED_VALUE);
        f.setReturn(verifier.newValue(Type.getReturnType(method.desc)));
        return f;
    }

    /** A frame node read with expanded frames, as ASM values: a long or double takes two locals, one stack entry. */
    private Frame<BasicValue> frame(FrameNode node) throws AnalyzerException {
        Frame<BasicValue> f = newFrame();
        int slot = 0;
        for (Object type : node.local) {
            BasicValue v = value(type);
            f.setLocal(slot++, v);
            if (v.getSize() == 2) slot++;
        }
        for (Object type : node.stack) f.push(value(type));
        return f;
    }

    private BasicValue value(Object type) throws AnalyzerException {
        if (type instanceof String name) return verifier.newValue(Type.getObjectType(name));
        if (type instanceof LabelNode label) { // uninitialized: the type of the NEW at the label
            AbstractInsnNode n = label;
            while (n != null && n.getOpcode() < 0) n = n.getNext();
            if (!(n instanceof TypeInsnNode t) || t.getOpcode() != Opcodes.NEW) {
                throw new IllegalStateException("an uninitialized type that names no new instruction");
            }
            return verifier.newValue(Type.getObjectType(t.desc));
        }
        if (type == Opcodes.INTEGER) return BasicValue.INT_VALUE;
        if (type == Opcodes.FLOAT) return BasicValue.FLOAT_VALUE;
        if (type == Opcodes.LONG) return BasicValue.LONG_VALUE;
        if (type == Opcodes.DOUBLE) return BasicValue.DOUBLE_VALUE;
        if (type == Opcodes.NULL) return verifier.newOperation(new InsnNode(Opcodes.ACONST_NULL));
        if (type == Opcodes.UNINITIALIZED_THIS) return verifier.newValue(Type.getObjectType(owner));
        return BasicValue.UNINITIALIZED_VALUE; // TOP
    }

    private AnalyzerException fail(AbstractInsnNode at, String message) {
        return new AnalyzerException(at, "at instruction " + method.instructions.indexOf(at) + ": " + message);
    }
}
