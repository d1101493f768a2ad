package dev.coda.transformer.emit;

import static org.objectweb.asm.Opcodes.*;

import dev.coda.transformer.CodaNames;
import dev.coda.transformer.analysis.Diagnostics;
import dev.coda.transformer.select.ReturnKind;
import dev.coda.transformer.plan.Param;
import dev.coda.transformer.plan.StateMachinePlan;
import java.util.ArrayList;
import org.objectweb.asm.tree.InsnList;
import org.objectweb.asm.tree.InsnNode;
import org.objectweb.asm.tree.JumpInsnNode;
import org.objectweb.asm.tree.LabelNode;
import org.objectweb.asm.tree.LineNumberNode;
import org.objectweb.asm.tree.LocalVariableNode;
import org.objectweb.asm.tree.MethodInsnNode;
import org.objectweb.asm.tree.MethodNode;
import org.objectweb.asm.tree.TryCatchBlockNode;
import org.objectweb.asm.tree.TypeInsnNode;
import org.objectweb.asm.tree.VarInsnNode;

/**
 * The method callers see, with the original name, descriptor, modifiers, signature, annotations and parameter
 * names. It makes the state machine and runs the body's first step in its own frame, with its arguments as they are
 * (see {@code Coroutine.enter} for the protocol), then returns the state machine (through
 * {@code .toCompletableFuture()} for functions that return a CompletableFuture or CompletionStage). Must be built
 * before {@link BodyEmitter} rewrites the original.
 */
public final class StubEmitter {
    private StubEmitter() {}

    public static MethodNode stub(StateMachinePlan plan) {
        MethodNode original = plan.async().method();
        MethodNode stub = new MethodNode(ASM9, original.access, original.name, original.desc, original.signature,
                original.exceptions == null ? null : original.exceptions.toArray(new String[0]));
        stub.parameters = original.parameters;
        stub.visibleAnnotations = original.visibleAnnotations;
        stub.invisibleAnnotations = original.invisibleAnnotations;
        stub.visibleTypeAnnotations = original.visibleTypeAnnotations;
        stub.invisibleTypeAnnotations = original.invisibleTypeAnnotations;
        stub.visibleParameterAnnotations = original.visibleParameterAnnotations;
        stub.invisibleParameterAnnotations = original.invisibleParameterAnnotations;
        stub.visibleAnnotableParameterCount = original.visibleAnnotableParameterCount;
        stub.invisibleAnnotableParameterCount = original.invisibleAnnotableParameterCount;
        stub.attrs = original.attrs;

        LabelNode start = new LabelNode();
        LabelNode end = new LabelNode();
        InsnList code = stub.instructions;
        code.add(start);
        int line = Diagnostics.lineOf(original, null);
        if (line > 0) code.add(new LineNumberNode(line, start));
        int sm = plan.parameterSlots();
        int carrier = sm + 1;
        code.add(new TypeInsnNode(NEW, plan.className()));
        code.add(new InsnNode(DUP));
        code.add(new MethodInsnNode(INVOKESPECIAL, plan.className(), "<init>", "()V", false));
        code.add(new VarInsnNode(ASTORE, sm));
        code.add(Asm.aload(sm));
        code.add(RuntimeCalls.enter());
        code.add(new VarInsnNode(ASTORE, carrier));

        LabelNode general = new LabelNode();
        LabelNode firstStep = new LabelNode();
        LabelNode stepped = new LabelNode();
        LabelNode thrown = new LabelNode();
        LabelNode done = new LabelNode();
        code.add(Asm.aload(carrier));
        code.add(Asm.aload(sm));
        code.add(new JumpInsnNode(IF_ACMPEQ, general));
        // The first step, in this frame, with the arguments as they are.
        code.add(firstStep);
        for (Param p : plan.params()) code.add(Asm.load(p.descriptor(), p.slot()));
        code.add(Asm.aload(sm));
        code.add(BodyEmitter.invoke(plan));
        code.add(stepped);
        code.add(Asm.aload(sm));
        code.add(Asm.aload(carrier));
        code.add(RuntimeCalls.exit());
        code.add(new JumpInsnNode(GOTO, done));
        code.add(thrown);
        code.add(new VarInsnNode(ASTORE, carrier + 1));
        // Marked before the call that restores the carrier, which may overflow where the body's call did; only if
        // the step never suspended: a registration made would let another thread own the state machine.
        LabelNode marked = new LabelNode();
        code.add(Asm.aload(sm));
        code.add(RuntimeCalls.getAwaited());
        code.add(new JumpInsnNode(IFNONNULL, marked));
        code.add(Asm.aload(sm));
        code.add(RuntimeCalls.threw());
        code.add(RuntimeCalls.putAwaited());
        code.add(marked);
        code.add(Asm.aload(sm));
        code.add(Asm.aload(carrier));
        code.add(Asm.aload(carrier + 1));
        code.add(RuntimeCalls.exitThrowing());
        code.add(new InsnNode(ATHROW));
        stub.tryCatchBlocks.add(new TryCatchBlockNode(firstStep, stepped, thrown, "java/lang/Throwable"));
        // The general way: the arguments kept, boxed, for the first step wherever it runs.
        code.add(general);
        code.add(Asm.aload(sm));
        code.add(Asm.iconst(plan.params().size()));
        code.add(new TypeInsnNode(ANEWARRAY, "java/lang/Object"));
        for (int i = 0; i < plan.params().size(); i++) {
            Param p = plan.params().get(i);
            code.add(new InsnNode(DUP));
            code.add(Asm.iconst(i));
            code.add(Asm.load(p.descriptor(), p.slot()));
            Asm.box(code, p.descriptor());
            code.add(new InsnNode(AASTORE));
        }
        code.add(RuntimeCalls.startWith());
        code.add(done);
        code.add(Asm.aload(sm));
        if (plan.async().returnKind() != ReturnKind.TASK) {
            code.add(Asm.invokevirtual(CodaNames.TASK, "toCompletableFuture",
                    "()Ljava/util/concurrent/CompletableFuture;"));
        }
        code.add(new InsnNode(ARETURN));
        code.add(end);
        // Frames and maxs are computed with the body's (see FrameComputer).

        stub.localVariables = new ArrayList<>();
        if (original.localVariables != null) {
            for (Param p : plan.params()) {
                for (LocalVariableNode v : original.localVariables) {
                    if (v.index == p.slot() && v.desc.equals(p.descriptor())) {
                        stub.localVariables.add(new LocalVariableNode(v.name, v.desc, v.signature, start, end, v.index));
                        break;
                    }
                }
            }
        }
        return stub;
    }
}
