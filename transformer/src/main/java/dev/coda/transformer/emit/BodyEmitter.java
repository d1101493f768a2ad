package dev.coda.transformer.emit;

import dev.coda.transformer.analysis.RealInstructions;
import static dev.coda.transformer.emit.Asm.aload;
import static dev.coda.transformer.emit.Asm.getfield;
import static dev.coda.transformer.emit.Asm.op;
import static dev.coda.transformer.emit.Asm.putfield;
import static org.objectweb.asm.Opcodes.*;

import dev.coda.transformer.CodaNames;
import dev.coda.transformer.analysis.BranchTargets;
import dev.coda.transformer.analysis.LocalSlots;
import dev.coda.transformer.select.ReturnKind;
import dev.coda.transformer.plan.AwaitSite;
import dev.coda.transformer.plan.Param;
import dev.coda.transformer.plan.Relocation;
import dev.coda.transformer.plan.Spill;
import dev.coda.transformer.plan.StateMachinePlan;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.objectweb.asm.tree.AbstractInsnNode;
import org.objectweb.asm.tree.FrameNode;
import org.objectweb.asm.tree.InsnList;
import org.objectweb.asm.tree.JumpInsnNode;
import org.objectweb.asm.tree.LabelNode;
import org.objectweb.asm.tree.LdcInsnNode;
import org.objectweb.asm.tree.LineNumberNode;
import org.objectweb.asm.tree.MethodInsnNode;
import org.objectweb.asm.tree.MethodNode;
import org.objectweb.asm.tree.TableSwitchInsnNode;
import org.objectweb.asm.tree.TypeInsnNode;
import org.objectweb.asm.tree.VarInsnNode;

/**
 * Rewrites an async method, in place, into its state-machine body: {@code static Coroutine name(receiver?,
 * params..., SM sm)} in the host, so the user's code keeps its class, its private access, its line numbers and its
 * local variable names. The stub calls it for the first step with the caller's arguments and a null state machine,
 * which the body makes; a resumption passes its state machine and stand-ins for the arguments, which the body never
 * reads: what it needs after an await it restores from the state machine. Every
 * step returns the state machine ("return sm" below), which the stub hands on (see {@code Coroutine.enter}).
 *
 * <pre>
 *   prologue:  if (sm == null &amp;&amp; !(sm = new SM()).enter()) { sm.startWith(new Object[] {args...}); return sm; }
 *              sm → local M; switch (sm.state) { 0: fall into the code | k: goto RESTORE_k }
 *   await k:   task → local T; if (!sm.ready(T)) goto SUSPEND_k; GET_k: sm.take(T)        (inside the user's try ranges)
 *   SUSPEND_k: save stack and live locals; sm.state = k; if (sm.suspend(T)) return sm;     (appended after all code,
 *   RESTORE_k: load live locals and stack, clearing reference fields; T = sm.resumed(); goto GET_k  outside user try ranges)
 *              (sm.resumedStage() at a stage await)
 *   return t:  sm.returnTask(t) / sm.returnStage(t); return sm    return Task.completed(v): sm.returnValue(v); return sm
 *   UNCAUGHT:  sm.uncaught(t); return sm       (added once frames are computed, with a handler of its own: see
 *                                              UncaughtHandler)
 * </pre>
 * An {@code await(stage)} uses the stage variants ({@code readyStage}, {@code takeStage}, {@code suspendStage},
 * {@code resumedStage}): T holds the stage, or after a suspension what was suspended on (a future itself, or a task
 * standing for another stage), so a completed future is taken without making a task for it.
 * Keeping the save and restore code out of the user's try ranges means a user's handler can only ever see
 * exceptions of the user's own code and of the awaited task, which {@code take} rethrows at the original await.
 */
public final class BodyEmitter {
    private final StateMachinePlan plan;
    private final MethodNode m;
    private final String sm;
    private final int smLocal;
    private final int taskLocal;

    private BodyEmitter(StateMachinePlan plan) {
        this.plan = plan;
        this.m = plan.async().method();
        this.sm = plan.className();
        this.smLocal = LocalSlots.take(m, 1);
        this.taskLocal = LocalSlots.take(m, 1);
    }

    /** {@code Host.name(receiver?, arguments..., sm)}, the arguments and the state machine on the stack. */
    static MethodInsnNode invoke(StateMachinePlan plan) {
        return new MethodInsnNode(INVOKESTATIC, plan.host(), plan.async().method().name, plan.bodyDescriptor(),
                plan.hostIsInterface());
    }

    /** Rewrites the plan's method in place; returns the local that holds the state machine. */
    public static int rewrite(StateMachinePlan plan) {
        return new BodyEmitter(plan).rewrite();
    }

    private int rewrite() {
        for (Relocation r : plan.relocations()) ConstructorRelocator.relocate(m, r);
        removeFrames();
        InsnList tail = new InsnList();
        List<LabelNode> restores = new ArrayList<>();
        for (AwaitSite site : plan.sites()) restores.add(rewriteAwait(site, tail));
        rewriteReturns();
        LabelNode badState = new LabelNode();
        m.instructions.insert(prologue(restores, badState));
        tail.add(badState);
        tail.add(new TypeInsnNode(NEW, "java/lang/IllegalStateException"));
        tail.add(op(DUP));
        tail.add(new LdcInsnNode("corrupt state-machine label in " + sm));
        tail.add(new MethodInsnNode(INVOKESPECIAL, "java/lang/IllegalStateException", "<init>", "(Ljava/lang/String;)V", false));
        tail.add(op(ATHROW));
        m.instructions.add(tail);
        rewriteHeader();
        return smLocal;
    }

    private void removeFrames() {
        for (AbstractInsnNode n : m.instructions.toArray()) if (n instanceof FrameNode) m.instructions.remove(n);
    }

    private InsnList prologue(List<LabelNode> restores, LabelNode badState) {
        InsnList p = new InsnList();
        int argument = plan.parameterSlots();
        // The start, in the stub's frame (see Coroutine.enter), before the state machine goes to its local: outside
        // the range of the body's last handler (see UncaughtHandler), which cannot meet a body that never entered.
        // The stub passes no state machine; a resumption passes its own. Made here, the state machine, its start and
        // the first step are compiled together however the JIT cuts the stub from its caller and from the body.
        LabelNode entered = new LabelNode();
        p.add(aload(argument));
        p.add(new JumpInsnNode(IFNONNULL, entered));
        p.add(new TypeInsnNode(NEW, sm));
        p.add(op(DUP));
        p.add(new MethodInsnNode(INVOKESPECIAL, sm, "<init>", "()V", false));
        p.add(new VarInsnNode(ASTORE, argument));
        p.add(aload(argument));
        p.add(RuntimeCalls.enter());
        p.add(new JumpInsnNode(IFNE, entered));
        // The general way: the arguments kept, boxed, for the first step wherever it runs.
        p.add(aload(argument));
        p.add(Asm.iconst(plan.params().size()));
        p.add(new TypeInsnNode(ANEWARRAY, "java/lang/Object"));
        for (int i = 0; i < plan.params().size(); i++) {
            Param param = plan.params().get(i);
            p.add(op(DUP));
            p.add(Asm.iconst(i));
            p.add(Asm.load(param.descriptor(), param.slot()));
            Asm.box(p, param.descriptor());
            p.add(op(AASTORE));
        }
        p.add(RuntimeCalls.startWith());
        p.add(aload(argument));
        p.add(op(ARETURN));
        p.add(entered);
        p.add(aload(argument));
        p.add(new VarInsnNode(ASTORE, smLocal));
        p.add(aload(smLocal));
        p.add(getfield(sm, StateMachinePlan.STATE_FIELD, "I"));
        LabelNode entry = new LabelNode();
        LabelNode[] targets = new LabelNode[restores.size() + 1];
        targets[0] = entry;
        for (int i = 0; i < restores.size(); i++) targets[i + 1] = restores.get(i);
        p.add(new TableSwitchInsnNode(0, restores.size(), badState, targets));
        p.add(entry);
        return p;
    }

    /** The end of a step: the body returns its state machine (see {@code Coroutine.enter}). */
    private void returnStateMachine(InsnList out) {
        out.add(aload(smLocal));
        out.add(op(ARETURN));
    }

    private LabelNode rewriteAwait(AwaitSite site, InsnList tail) {
        LabelNode get = new LabelNode();
        LabelNode suspend = new LabelNode();
        LabelNode restore = new LabelNode();

        InsnList at = new InsnList();
        at.add(new VarInsnNode(ASTORE, taskLocal));
        onTask(at, RuntimeCalls.ready(site.kind()));
        at.add(new JumpInsnNode(IFEQ, suspend));
        at.add(get);
        onTask(at, RuntimeCalls.take(site.kind()));
        m.instructions.insert(site.insn(), at);
        m.instructions.remove(site.insn());

        tail.add(suspend);
        tail.add(new LineNumberNode(site.line(), suspend));
        List<Spill> stack = site.stack();
        for (int i = stack.size() - 1; i >= 0; i--) {
            Spill s = stack.get(i);
            if (s.isConstantNull()) {
                tail.add(op(POP));
            } else if (Asm.isWide(s.descriptor())) {
                tail.add(aload(smLocal));
                tail.add(op(DUP_X2));
                tail.add(op(POP));
                tail.add(putfield(sm, s.field(), s.descriptor()));
            } else {
                tail.add(aload(smLocal));
                tail.add(op(SWAP));
                tail.add(putfield(sm, s.field(), s.descriptor()));
            }
        }
        for (Spill s : site.locals()) {
            if (s.isConstantNull()) continue;
            tail.add(aload(smLocal));
            tail.add(Asm.load(s.descriptor(), s.index()));
            tail.add(putfield(sm, s.field(), s.descriptor()));
        }
        tail.add(aload(smLocal));
        tail.add(Asm.iconst(site.state()));
        tail.add(putfield(sm, StateMachinePlan.STATE_FIELD, "I"));
        onTask(tail, RuntimeCalls.suspend(site.kind()));
        tail.add(new JumpInsnNode(IFEQ, restore));
        returnStateMachine(tail);

        tail.add(restore);
        for (Spill s : site.locals()) {
            if (s.isConstantNull()) {
                tail.add(op(ACONST_NULL));
                tail.add(new VarInsnNode(ASTORE, s.index()));
                continue;
            }
            tail.add(aload(smLocal));
            tail.add(getfield(sm, s.field(), s.descriptor()));
            tail.add(Asm.store(s.descriptor(), s.index()));
            if (s.isReference()) clearField(tail, s.field(), s.descriptor());
        }
        for (Spill s : stack) {
            if (s.isConstantNull()) {
                tail.add(op(ACONST_NULL));
                continue;
            }
            tail.add(aload(smLocal));
            tail.add(getfield(sm, s.field(), s.descriptor()));
            if (s.isReference()) clearField(tail, s.field(), s.descriptor());
        }
        tail.add(aload(smLocal));
        tail.add(RuntimeCalls.resumed(site.kind()));
        tail.add(new VarInsnNode(ASTORE, taskLocal));
        tail.add(new JumpInsnNode(GOTO, get));
        return restore;
    }

    /**
     * Every areturn of the user's completes the task instead; {@code return Task.completed(v)} skips the extra Task.
     * The areturns written here return the state machine.
     */
    private void rewriteReturns() {
        Set<LabelNode> targets = BranchTargets.of(m);
        Set<AbstractInsnNode> userReturns = new HashSet<>();
        for (AbstractInsnNode n : m.instructions) if (n.getOpcode() == ARETURN) userReturns.add(n);
        for (AbstractInsnNode n : m.instructions.toArray()) {
            AbstractInsnNode areturn = RealInstructions.next(n);
            if (n.getOpcode() == INVOKESTATIC && areturn != null && areturn.getOpcode() == ARETURN) {
                MethodInsnNode call = (MethodInsnNode) n;
                InsnList completion = new InsnList();
                if (isCompletedFactory(call)) {
                    completion.add(aload(smLocal));
                    completion.add(op(SWAP));
                } else if (call.owner.equals(CodaNames.TASK) && call.name.equals("done") && call.desc.equals("()Ldev/coda/Task;")) {
                    completion.add(aload(smLocal));
                    completion.add(op(ACONST_NULL));
                } else {
                    continue;
                }
                completion.add(RuntimeCalls.returnValue());
                returnStateMachine(completion);
                AbstractInsnNode last = completion.getLast();
                m.instructions.insert(n, completion);
                m.instructions.remove(n);
                if (!BranchTargets.between(last, areturn, targets)) {
                    m.instructions.remove(areturn);
                    userReturns.remove(areturn);
                }
            }
        }
        for (AbstractInsnNode n : m.instructions.toArray()) {
            if (!userReturns.contains(n)) continue;
            InsnList completion = new InsnList();
            completion.add(aload(smLocal));
            completion.add(op(SWAP));
            completion.add(plan.async().returnKind() == ReturnKind.TASK ? RuntimeCalls.returnTask() : RuntimeCalls.returnStage());
            returnStateMachine(completion);
            m.instructions.insert(n, completion);
            m.instructions.remove(n);
        }
    }

    private static boolean isCompletedFactory(MethodInsnNode call) {
        return (call.owner.equals(CodaNames.TASK) && call.name.equals("completed")
                        && call.desc.equals("(Ljava/lang/Object;)Ldev/coda/Task;"))
                || (call.owner.equals(CodaNames.COMPLETABLE_FUTURE) && call.name.equals("completedFuture")
                        && call.desc.equals("(Ljava/lang/Object;)Ljava/util/concurrent/CompletableFuture;"));
    }

    /** The body is static, synthetic and unannotated, public only where an interface requires it. */
    private void rewriteHeader() {
        m.desc = plan.bodyDescriptor();
        m.access = ACC_STATIC | ACC_SYNTHETIC | (plan.hostIsInterface() ? ACC_PUBLIC : 0);
        m.signature = null;
        m.exceptions = new ArrayList<>();
        m.parameters = null;
        m.visibleAnnotations = null;
        m.invisibleAnnotations = null;
        m.visibleTypeAnnotations = null;
        m.invisibleTypeAnnotations = null;
        m.visibleParameterAnnotations = null;
        m.invisibleParameterAnnotations = null;
        m.visibleAnnotableParameterCount = 0;
        m.invisibleAnnotableParameterCount = 0;
        m.annotationDefault = null;
        m.attrs = null;
    }

    /** {@code sm.call(T)}, with T the awaited task (or stage) in its local. */
    private void onTask(InsnList out, MethodInsnNode call) {
        out.add(aload(smLocal));
        out.add(aload(taskLocal));
        out.add(call);
    }

    private void clearField(InsnList out, String field, String desc) {
        out.add(aload(smLocal));
        out.add(op(ACONST_NULL));
        out.add(putfield(sm, field, desc));
    }
}
