package dev.coda.transformer.emit;

import static org.objectweb.asm.Opcodes.*;

import dev.coda.transformer.CodaNames;
import dev.coda.transformer.analysis.Diagnostics;
import dev.coda.transformer.select.ReturnKind;
import dev.coda.transformer.plan.Param;
import dev.coda.transformer.plan.StateMachinePlan;
import java.util.ArrayList;
import org.objectweb.asm.tree.InsnNode;
import org.objectweb.asm.tree.LabelNode;
import org.objectweb.asm.tree.LineNumberNode;
import org.objectweb.asm.tree.LocalVariableNode;
import org.objectweb.asm.tree.MethodInsnNode;
import org.objectweb.asm.tree.MethodNode;
import org.objectweb.asm.tree.TypeInsnNode;

/**
 * The method callers see, with the original name, descriptor, modifiers, signature, annotations and parameter
 * names: {@code return new SM(this, args...).start();} (then {@code .toCompletableFuture()} for functions that
 * return a CompletableFuture or CompletionStage). Must be built before {@link BodyEmitter} rewrites the original.
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
        stub.instructions.add(start);
        int line = Diagnostics.lineOf(original, null);
        if (line > 0) stub.instructions.add(new LineNumberNode(line, start));
        stub.instructions.add(new TypeInsnNode(NEW, plan.className()));
        stub.instructions.add(new InsnNode(DUP));
        StringBuilder ctor = new StringBuilder("(");
        for (Param p : plan.params()) {
            stub.instructions.add(Asm.load(p.descriptor(), p.slot()));
            ctor.append(p.descriptor());
        }
        ctor.append(")V");
        stub.instructions.add(new MethodInsnNode(INVOKESPECIAL, plan.className(), "<init>", ctor.toString(), false));
        stub.instructions.add(RuntimeCalls.start());
        if (plan.async().returnKind() != ReturnKind.TASK) {
            stub.instructions.add(Asm.invokevirtual(CodaNames.TASK, "toCompletableFuture",
                    "()Ljava/util/concurrent/CompletableFuture;"));
        }
        stub.instructions.add(new InsnNode(ARETURN));
        stub.instructions.add(end);
        // Straight-line code: no frames; the maxs are counted here because the host is written as is.
        int paramSlots = 0;
        for (Param p : plan.params()) paramSlots += Asm.isWide(p.descriptor()) ? 2 : 1;
        stub.maxLocals = paramSlots;
        stub.maxStack = 2 + paramSlots;

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
