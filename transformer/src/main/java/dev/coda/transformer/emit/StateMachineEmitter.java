package dev.coda.transformer.emit;

import static org.objectweb.asm.Opcodes.*;

import dev.coda.transformer.CodaNames;
import dev.coda.transformer.plan.AwaitSite;
import dev.coda.transformer.plan.Param;
import dev.coda.transformer.plan.StateMachinePlan;
import dev.coda.transformer.read.InstrumentedMarker;
import java.util.List;
import java.util.Map;
import org.objectweb.asm.tree.ClassNode;
import org.objectweb.asm.tree.FieldNode;
import org.objectweb.asm.tree.InsnList;
import org.objectweb.asm.tree.InsnNode;
import org.objectweb.asm.tree.JumpInsnNode;
import org.objectweb.asm.tree.LabelNode;
import org.objectweb.asm.tree.LdcInsnNode;
import org.objectweb.asm.tree.MethodInsnNode;
import org.objectweb.asm.tree.MethodNode;
import org.objectweb.asm.tree.TypeInsnNode;
import org.objectweb.asm.tree.VarInsnNode;

/**
 * The generated state-machine class: a final synthetic subclass of {@code dev.coda.Coroutine} in the host's
 * package, whose fields are the {@code state} label and the spilled locals (a parameter among them only if it is live
 * across an await), and whose {@code resume()} calls the body method in the host.
 */
public final class StateMachineEmitter {
    private StateMachineEmitter() {}

    public static ClassNode emit(StateMachinePlan plan, int classVersion) {
        ClassNode c = new ClassNode(ASM9);
        c.version = classVersion;
        c.access = ACC_FINAL | ACC_SUPER | ACC_SYNTHETIC;
        c.name = plan.className();
        c.superName = CodaNames.COROUTINE;
        c.sourceFile = plan.sourceFile();
        for (Map.Entry<String, String> f : plan.fields().entrySet()) {
            c.fields.add(new FieldNode(ACC_SYNTHETIC, f.getKey(), f.getValue(), null, null));
        }
        c.methods.add(constructor());
        c.methods.add(resume(plan));
        c.methods.add(awaitFrame(plan));
        if (plan.params().stream().anyMatch(Param::owned)) c.methods.add(ownedParameters(plan));
        InstrumentedMarker.mark(c);
        return c;
    }

    private static MethodNode constructor() {
        MethodNode init = new MethodNode(ASM9, ACC_SYNTHETIC, "<init>", "()V", null, null);
        init.instructions.add(Asm.aload(0));
        init.instructions.add(new MethodInsnNode(INVOKESPECIAL, CodaNames.COROUTINE, "<init>", "()V", false));
        init.instructions.add(new InsnNode(RETURN));
        return init;
    }

    /**
     * {@code protected AsyncCloseable[] ownedParameters(Object[] arguments)}: the {@code @Owned} parameters among the
     * arguments a start kept (see {@code Coroutine.startWith}), in declaration order; the runtime drops them when
     * the task is cancelled before its body ran.
     */
    private static MethodNode ownedParameters(StateMachinePlan plan) {
        MethodNode m = new MethodNode(ASM9, ACC_PROTECTED | ACC_FINAL | ACC_SYNTHETIC, "ownedParameters",
                "([Ljava/lang/Object;)[L" + CodaNames.ASYNC_CLOSEABLE + ";", null, null);
        List<Param> params = plan.params();
        List<Param> owned = params.stream().filter(Param::owned).toList();
        m.instructions.add(Asm.iconst(owned.size()));
        m.instructions.add(new TypeInsnNode(ANEWARRAY, CodaNames.ASYNC_CLOSEABLE));
        for (int i = 0; i < owned.size(); i++) {
            m.instructions.add(new InsnNode(DUP));
            m.instructions.add(Asm.iconst(i));
            m.instructions.add(Asm.aload(1));
            m.instructions.add(Asm.iconst(params.indexOf(owned.get(i))));
            m.instructions.add(new InsnNode(AALOAD));
            m.instructions.add(new TypeInsnNode(CHECKCAST, CodaNames.ASYNC_CLOSEABLE));
            m.instructions.add(new InsnNode(AASTORE));
        }
        m.instructions.add(new InsnNode(ARETURN));
        return m;
    }

    /**
     * {@code protected StackTraceElement awaitFrame()}: the source position of the await the body is suspended at,
     * as a stack frame of the user's method. The runtime asks for it only when a failure comes back through that
     * await; the lines are one string constant indexed by the state label (a char per await holding its line + 1,
     * so that 0 reads as -1, unknown), so the class holds no table and the success path runs nothing.
     */
    private static MethodNode awaitFrame(StateMachinePlan plan) {
        char[] lines = new char[plan.sites().size() + 1];
        for (AwaitSite site : plan.sites()) {
            lines[site.state()] = site.line() > 0 && site.line() < Character.MAX_VALUE ? (char) (site.line() + 1) : 0;
        }
        MethodNode m = new MethodNode(ASM9, ACC_PROTECTED | ACC_FINAL | ACC_SYNTHETIC, "awaitFrame",
                "()Ljava/lang/StackTraceElement;", null, null);
        m.instructions.add(new TypeInsnNode(NEW, "java/lang/StackTraceElement"));
        m.instructions.add(new InsnNode(DUP));
        m.instructions.add(new LdcInsnNode(plan.host().replace('/', '.')));
        m.instructions.add(new LdcInsnNode(plan.async().method().name));
        m.instructions.add(plan.sourceFile() == null ? new InsnNode(ACONST_NULL) : new LdcInsnNode(plan.sourceFile()));
        m.instructions.add(new LdcInsnNode(new String(lines)));
        m.instructions.add(Asm.aload(0));
        m.instructions.add(Asm.getfield(plan.className(), StateMachinePlan.STATE_FIELD, "I"));
        m.instructions.add(new MethodInsnNode(INVOKEVIRTUAL, "java/lang/String", "charAt", "(I)C", false));
        m.instructions.add(new InsnNode(ICONST_M1));
        m.instructions.add(new InsnNode(IADD));
        m.instructions.add(new MethodInsnNode(INVOKESPECIAL, "java/lang/StackTraceElement", "<init>",
                "(Ljava/lang/String;Ljava/lang/String;Ljava/lang/String;I)V", false));
        m.instructions.add(new InsnNode(ARETURN));
        return m;
    }

    /**
     * {@code protected void resume()}: the body, at a resumption with stand-ins for the arguments, which the body
     * reads only at its first step; at the first step of a start through {@code startWith} (state 0), with the
     * arguments kept there.
     */
    private static MethodNode resume(StateMachinePlan plan) {
        MethodNode resume = new MethodNode(ASM9, ACC_PROTECTED | ACC_FINAL | ACC_SYNTHETIC, "resume", "()V", null, null);
        InsnList code = resume.instructions;
        LabelNode resumption = new LabelNode();
        code.add(Asm.aload(0));
        code.add(Asm.getfield(plan.className(), StateMachinePlan.STATE_FIELD, "I"));
        code.add(new JumpInsnNode(IFNE, resumption));
        code.add(Asm.aload(0));
        code.add(RuntimeCalls.startArguments());
        code.add(new VarInsnNode(ASTORE, 1));
        List<Param> params = plan.params();
        for (int i = 0; i < params.size(); i++) {
            code.add(Asm.aload(1));
            code.add(Asm.iconst(i));
            code.add(new InsnNode(AALOAD));
            Asm.unbox(code, params.get(i).descriptor());
        }
        callBody(plan, code);
        code.add(resumption);
        for (Param p : params) code.add(Asm.zero(p.descriptor()));
        callBody(plan, code);
        return resume;
    }

    /** {@code Host.name(arguments on the stack..., this); return}: the state machine it returns is this one. */
    private static void callBody(StateMachinePlan plan, InsnList code) {
        code.add(Asm.aload(0));
        code.add(BodyEmitter.invoke(plan));
        code.add(new InsnNode(POP));
        code.add(new InsnNode(RETURN));
    }
}
