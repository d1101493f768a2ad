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
import org.objectweb.asm.tree.LabelNode;
import org.objectweb.asm.tree.LineNumberNode;
import org.objectweb.asm.tree.LocalVariableNode;
import org.objectweb.asm.tree.MethodNode;

/**
 * The method callers see, with the original name, descriptor, modifiers, signature, annotations and parameter
 * names. It calls the body with its arguments as they are and no state machine, for the first step, which the
 * body's prologue makes and starts (see {@code Coroutine.enter} for the protocol); then returns the state machine the
 * body returns, through {@code Coroutine.exit} (and {@code .toCompletableFuture()} for functions that return a
 * CompletableFuture or CompletionStage). Must be built before {@link BodyEmitter} rewrites the original.
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
        // return Coroutine.exit(body(args..., null)): nothing of this frame is live across the body's call, and the
        // body makes the state machine, in the compiled code of its first step (see BodyEmitter).
        for (Param p : plan.params()) code.add(Asm.load(p.descriptor(), p.slot()));
        code.add(new InsnNode(ACONST_NULL));
        code.add(BodyEmitter.invoke(plan));
        code.add(RuntimeCalls.exit());
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
