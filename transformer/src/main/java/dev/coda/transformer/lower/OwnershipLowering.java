package dev.coda.transformer.lower;

import static org.objectweb.asm.Opcodes.ALOAD;
import static org.objectweb.asm.Opcodes.ASTORE;
import static org.objectweb.asm.Opcodes.INVOKEINTERFACE;
import static org.objectweb.asm.Opcodes.INVOKEVIRTUAL;

import dev.coda.transformer.CodaNames;
import dev.coda.transformer.analysis.Diagnostics;
import dev.coda.transformer.hierarchy.ClassHierarchy;
import dev.coda.transformer.hierarchy.FrameComputer;
import dev.coda.transformer.select.AsyncMethod;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.objectweb.asm.Opcodes;
import org.objectweb.asm.tree.AbstractInsnNode;
import org.objectweb.asm.tree.ClassNode;
import org.objectweb.asm.tree.MethodInsnNode;
import org.objectweb.asm.tree.MethodNode;
import org.objectweb.asm.tree.VarInsnNode;
import org.objectweb.asm.tree.analysis.AnalyzerException;
import org.objectweb.asm.tree.analysis.SourceValue;

/**
 * The lower stage: turns the ownership of async resources (owned variables, try-with-resources) into plain
 * bytecode, which the later stages then treat like any other code, as Kotlin lowers constructs before it builds a
 * state machine. {@link OwnershipFinder} finds what a method owns ({@link Ownership}); {@link OwnershipWriter} gives
 * each owned variable a drop flag and turns its closes into awaited drops, and {@link ScopeGlue} drops
 * {@code @Owned} values on every exit of their scope. It sees only what the class file records: an {@code @Owned}
 * local the compiler dropped (ECJ's command line, without {@code -preserveAllLocals}, drops one never read) is not
 * there to lower.
 */
public final class OwnershipLowering {
    private OwnershipLowering() {}

    /**
     * The method of {@code async} lowered (a new node with fresh frames), the method itself if it owns nothing, or
     * null on error. The method is never changed: the work is done on a copy, so a later stage that rejects the method puts back the
     * method as it was compiled.
     */
    public static MethodNode lower(ClassNode host, AsyncMethod async, ClassHierarchy hierarchy,
                                   Diagnostics diagnostics) {
        MethodNode m = async.method();
        MethodNode copy = new MethodNode(Opcodes.ASM9, m.access, m.name, m.desc, m.signature,
                m.exceptions.toArray(new String[0]));
        m.accept(copy);
        Ownership found = OwnershipFinder.find(host, copy, async.ownedParameters(), hierarchy, diagnostics);
        if (found == null) return null;
        if (!found.lowers()) return m;
        OwnershipWriter.write(copy, found);
        // The flags are new locals and the glue new code.
        return FrameComputer.withFrames(host, copy, hierarchy);
    }

    /**
     * For each of {@code closes} that a compiler wrote for a try-with-resources, the store that declares its
     * resource; the other closes are not in the map. The compiler writes one close per exit of the statement, normal
     * and exceptional, and all of them read the local that only that store writes. A resource is recognised by its
     * close in the compiler's catch-all handler ({@link ResourceHandlers}). Empty when ASM cannot analyse {@code m}.
     */
    public static Map<MethodInsnNode, AbstractInsnNode> tryWithResourcesDeclarations(String owner, MethodNode m,
                                                                                    List<MethodInsnNode> closes) {
        SourceFrames frames;
        try {
            frames = SourceFrames.analyze(owner, m);
        } catch (AnalyzerException e) {
            return Map.of();
        }
        Map<MethodInsnNode, AbstractInsnNode> declarations = new HashMap<>();
        Set<AbstractInsnNode> resources = new HashSet<>();
        for (MethodInsnNode close : closes) {
            AbstractInsnNode declaration = onlyStoreOfReceiver(frames, close);
            if (declaration == null) continue;
            declarations.put(close, declaration);
            if (ResourceHandlers.exceptionInFlight(frames, close) >= 0) resources.add(declaration);
        }
        declarations.values().removeIf(d -> !resources.contains(d));
        return declarations;
    }

    /** The one {@code ASTORE} that wrote the local {@code close}'s receiver is loaded from, or null. */
    private static AbstractInsnNode onlyStoreOfReceiver(SourceFrames frames, MethodInsnNode close) {
        SourceValue receiver = frames.top(close);
        AbstractInsnNode load = receiver == null ? null : SourceFrames.single(receiver);
        if (load == null || load.getOpcode() != ALOAD) return null;
        Set<AbstractInsnNode> stores = frames.writersOf(((VarInsnNode) load).var, load);
        AbstractInsnNode store = stores.size() == 1 ? stores.iterator().next() : null;
        return store != null && store.getOpcode() == ASTORE ? store : null;
    }

    /** A {@code close()} call on a type that is an AsyncCloseable (JDK types never are). */
    public static boolean isAsyncClose(AbstractInsnNode n, ClassHierarchy hierarchy) {
        if (n.getOpcode() != INVOKEVIRTUAL && n.getOpcode() != INVOKEINTERFACE) return false;
        MethodInsnNode call = (MethodInsnNode) n;
        if (!call.name.equals("close") || !call.desc.equals("()V") || call.owner.startsWith("java/")) return false;
        return call.owner.charAt(0) != '[' && hierarchy.isSubtypeOf(call.owner, CodaNames.ASYNC_CLOSEABLE);
    }
}
