package dev.coda.transformer;

import dev.coda.transformer.check.HeldLocks;
import dev.coda.transformer.check.InertOwned;
import dev.coda.transformer.analysis.Diagnostics;
import dev.coda.transformer.analysis.Lambdas;
import dev.coda.transformer.analysis.MethodAnalysis;
import dev.coda.transformer.analysis.MethodAnalyzer;
import dev.coda.transformer.check.BlockingCloses;
import dev.coda.transformer.emit.BodyEmitter;
import dev.coda.transformer.emit.HostWriter;
import dev.coda.transformer.emit.StateMachineEmitter;
import dev.coda.transformer.emit.StubEmitter;
import dev.coda.transformer.emit.UncaughtHandler;
import dev.coda.transformer.emit.VariableRanges;
import dev.coda.transformer.hierarchy.ClassHierarchy;
import dev.coda.transformer.hierarchy.FrameComputer;
import dev.coda.transformer.hierarchy.HierarchyClassWriter;
import dev.coda.transformer.lower.OwnershipLowering;
import dev.coda.transformer.plan.Planner;
import dev.coda.transformer.plan.StateMachinePlan;
import dev.coda.transformer.read.ClassFileFacts;
import dev.coda.transformer.read.FormatCheck;
import dev.coda.transformer.read.HeldLocksRecord;
import dev.coda.transformer.read.InstrumentedMarker;
import dev.coda.transformer.select.AsyncMethod;
import dev.coda.transformer.select.MethodClassifier;
import dev.coda.transformer.verify.InputFrames;
import dev.coda.transformer.verify.OutputVerifier;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.objectweb.asm.Attribute;
import org.objectweb.asm.ClassReader;
import org.objectweb.asm.ClassTooLargeException;
import org.objectweb.asm.LimitExceededException;
import org.objectweb.asm.MethodTooLargeException;
import org.objectweb.asm.Opcodes;
import org.objectweb.asm.tree.ClassNode;
import org.objectweb.asm.tree.MethodNode;

/**
 * Rewrites the async functions and async blocks of one class into state machines. A pure function of the class
 * bytes and of the class facts its {@link ClassFileLocator} supplies: the Maven plugin and the agent call it the
 * same way and get the same bytes. The stages run in one order, read → select → lower → analyse → plan → emit →
 * verify, each handing a named result to the next; the package documentation describes them. Errors leave the
 * class as it was: a rejected method is never half rewritten.
 */
public final class Transformer {
    private final ClassHierarchy hierarchy;

    public Transformer(ClassFileLocator locator) {
        this.hierarchy = new ClassHierarchy(locator);
        hierarchy.declare(CodaNames.TASK, "java/lang/Object", false);
        hierarchy.declare(CodaNames.COROUTINE, CodaNames.TASK, false);
    }

    /**
     * The synchronous closes of an AsyncCloseable left in a class's final bytes (the output of
     * {@link #transform}, or the class as it is), as warnings. A class of a version newer than Coda reads is not
     * checked: a class there with async code is reported by {@link #transform}, and one without is left alone, as
     * every class without async code is; bytes that are not a class file at all throw, as there.
     */
    public List<Diagnostic> blockingCloses(byte[] classBytes) throws ClassFileFacts.MalformedClassException {
        if (ClassFileFacts.majorVersion(classBytes) > ClassFileFacts.MAX_MAJOR) return List.of();
        return BlockingCloses.find(parse(classBytes, new Attribute[0], ClassReader.SKIP_FRAMES), hierarchy);
    }

    /**
     * The held-lock warnings a class already rewritten by Coda recorded when it was rewritten
     * ({@link HeldLocksRecord}); none for any other class. A build that meets the class again reports them again, as
     * it finds blocking closes again in every class: the code they were found in is no longer in the class.
     */
    public List<Diagnostic> recordedHeldLocks(byte[] classBytes) throws ClassFileFacts.MalformedClassException {
        ClassNode c = parse(classBytes, new Attribute[] {HeldLocksRecord.prototype()},
                ClassReader.SKIP_CODE | ClassReader.SKIP_FRAMES);
        String path = Diagnostics.sourcePath(c);
        return HeldLocksRecord.entriesOf(c).stream()
                .map(e -> new Diagnostic(Diagnostic.Severity.WARNING, path, e.line(), c.name, e.message())).toList();
    }

    /** The class, read with {@code prototypes} and {@code flags}; a structure ASM cannot read is a malformed class. */
    private static ClassNode parse(byte[] classBytes, Attribute[] prototypes, int flags)
            throws ClassFileFacts.MalformedClassException {
        ClassNode c = new ClassNode();
        try {
            new ClassReader(classBytes).accept(c, prototypes, flags);
        } catch (RuntimeException | AssertionError e) { // ASM's way of saying a structure is not what it should be
            throw new ClassFileFacts.MalformedClassException("cannot parse class file (" + e + ")");
        }
        return c;
    }

    /**
     * Rewrites one class. Problems with the code are reported as diagnostics; bytes that are not a class file at
     * all throw, since only the caller can name the file or class they came from.
     */
    public TransformResult transform(byte[] classBytes) throws ClassFileFacts.MalformedClassException {
        // ---- read: parse the class, or say why it is left alone
        if (!ClassFileFacts.mentionsCoda(classBytes)) return TransformResult.unchanged(null, List.of());
        int major = ClassFileFacts.majorVersion(classBytes);
        boolean supported = major >= ClassFileFacts.MIN_MAJOR && major <= ClassFileFacts.MAX_MAJOR;
        ClassNode host = new ClassNode();
        ClassReader reader;
        try {
            // An unsupported version is read as the newest supported one, only to name the class in the error.
            reader = new ClassReader(supported ? classBytes : ClassFileFacts.withMajor(classBytes, ClassFileFacts.MAX_MAJOR));
            FormatCheck.check(reader);
            reader.accept(host, InstrumentedMarker.prototypes(), ClassReader.EXPAND_FRAMES);
        } catch (RuntimeException | AssertionError e) { // ASM's way of saying a structure is not what it should be
            throw new ClassFileFacts.MalformedClassException("cannot parse class file (" + e + ")");
        }
        Diagnostics diagnostics = new Diagnostics(host);
        if (InstrumentedMarker.isMarked(host)) {
            int format = InstrumentedMarker.formatOf(host);
            // A state machine's error is its host's: only the host's code loads it, and both are compiled again.
            boolean stateMachine = CodaNames.COROUTINE.equals(host.superName);
            if (format != InstrumentedMarker.FORMAT && !stateMachine) {
                diagnostics.error(null, null, "class " + host.name.replace('/', '.') + " was rewritten by another "
                        + "version of Coda (format " + format + "; this one writes format " + InstrumentedMarker.FORMAT
                        + "), whose code calls the runtime of that version: compile it again from its source (with "
                        + "Maven, mvn clean)");
            }
            return TransformResult.unchanged(host.name, diagnostics.all());
        }
        if (!supported) {
            diagnostics.error(null, null, "class " + host.name.replace('/', '.') + " has class-file version " + major
                    + " (Java " + (major - 44) + "); Coda reads and writes versions " + ClassFileFacts.MIN_MAJOR
                    + " to " + ClassFileFacts.MAX_MAJOR + " (Java " + (ClassFileFacts.MIN_MAJOR - 44) + " to "
                    + (ClassFileFacts.MAX_MAJOR - 44) + "): compile it with a supported --release");
            return TransformResult.unchanged(host.name, diagnostics.all());
        }

        // ---- check the class as compiled, before the rewrite changes it
        List<Diagnostic> heldLocks;
        try {
            heldLocks = HeldLocks.find(host, hierarchy);
        } catch (AssertionError e) {
            throw inconsistent(e);
        }
        return rewriteOrExplain(reader, host, diagnostics, heldLocks).withHeldLocks(heldLocks);
    }

    /** The other stages: whatever goes wrong in them leaves the class as it was, and says why. */
    private TransformResult rewriteOrExplain(ClassReader reader, ClassNode host, Diagnostics diagnostics,
                                             List<Diagnostic> heldLocks) throws ClassFileFacts.MalformedClassException {
        try {
            return rewrite(reader, host, diagnostics, heldLocks);
        } catch (AssertionError e) {
            throw inconsistent(e);
        } catch (ClassHierarchy.MissingClassException e) {
            diagnostics.error(null, null, "cannot rewrite " + host.name.replace('/', '.') + ": " + e.getMessage());
            return TransformResult.unchanged(host.name, diagnostics.all());
        } catch (MethodTooLargeException e) {
            MethodNode method = null; // the one too large
            MethodNode named = null;  // the first of its name: a lambda's stub and body share it
            for (MethodNode m : host.methods) {
                if (!m.name.equals(e.getMethodName())) continue;
                if (named == null) named = m;
                if (m.desc.equals(e.getDescriptor())) method = m;
            }
            String what = named != null && Lambdas.isBody(named) ? Diagnostics.describe(host, named)
                    : "method " + e.getClassName().replace('/', '.') + "." + e.getMethodName();
            diagnostics.error(method, null, what + " is too large once rewritten into a state machine (" + e.getCodeSize() + " bytes of code; the "
                    + "JVM allows 65535): move code that does not await into methods of its own, or split it into "
                    + "several async functions");
            return TransformResult.unchanged(host.name, diagnostics.all());
        } catch (ClassTooLargeException e) {
            // The constant pool is the class's: the rewritten host names the runtime and its state machines too.
            diagnostics.error(null, null, "cannot rewrite " + host.name.replace('/', '.') + ": its constant pool would "
                    + "hold " + e.getConstantPoolCount() + " entries once rewritten (the JVM allows 65535): move code "
                    + "or constants into a class of their own");
            return TransformResult.unchanged(host.name, diagnostics.all());
        } catch (LimitExceededException e) {
            // ASM bounds the work of computing frames; code that reaches the bound is too big or too tangled.
            diagnostics.error(null, null, "cannot rewrite " + host.name.replace('/', '.') + ": computing the stack map "
                    + "frames of its rewritten code exceeds ASM's limit (" + e.getMessage() + "): split its largest "
                    + "async methods into smaller ones");
            return TransformResult.unchanged(host.name, diagnostics.all());
        } catch (RuntimeException e) {
            // A transformer defect must not take the build or the application down: report it, change nothing.
            diagnostics.error(null, null, "internal error while rewriting " + host.name.replace('/', '.')
                    + ", left unchanged; please report this: " + e);
            return TransformResult.unchanged(host.name, diagnostics.all());
        }
    }

    /** ASM checks what parsing does not (a descriptor, say) where it first needs it, with an AssertionError. */
    private static ClassFileFacts.MalformedClassException inconsistent(AssertionError e) {
        return new ClassFileFacts.MalformedClassException("inconsistent class file (" + e + " in "
                + (e.getStackTrace().length > 0 ? e.getStackTrace()[0] : "ASM") + ")");
    }

    /**
     * The stages after parsing, in order: each reads only what the ones before it handed on. The held-lock warnings
     * found in the class as compiled are recorded in the rewritten host.
     */
    private TransformResult rewrite(ClassReader input, ClassNode host, Diagnostics diagnostics,
                                    List<Diagnostic> heldLocks) throws ClassFileFacts.MalformedClassException {
        // ---- read: the class's own facts, which no locator can supply while it is being rewritten
        boolean itf = (host.access & Opcodes.ACC_INTERFACE) != 0;
        hierarchy.declare(host.name, host.superName, itf, host.interfaces.toArray(new String[0]));

        // ---- select
        List<AsyncMethod> selected = MethodClassifier.classify(host, diagnostics);
        InertOwned.report(host, selected, diagnostics);
        // Coda computes new frames for these methods: the ones they were compiled with must hold, as the JVM requires.
        for (AsyncMethod async : selected) InputFrames.check(host, async.method(), hierarchy);

        // ---- lower, analyse, plan: one method after the other, each through the three stages
        Planner planner = new Planner(host, diagnostics);
        List<StateMachinePlan> plans = new ArrayList<>();
        for (AsyncMethod compiled : selected) {
            AsyncMethod lowered = lower(host, compiled, diagnostics);
            MethodAnalysis analysis = lowered == null ? null : MethodAnalyzer.analyze(host, lowered, diagnostics);
            StateMachinePlan plan = analysis == null ? null : planner.plan(lowered, analysis);
            if (plan != null) plans.add(plan);
            // Rejected once lowered: the method goes back as it was compiled.
            else if (lowered != null) host.methods.set(host.methods.indexOf(lowered.method()), compiled.method());
        }
        if (plans.isEmpty()) return TransformResult.unchanged(host.name, diagnostics.all());

        // ---- emit
        Written written = emit(input, host, plans, HeldLocksRecord.of(heldLocks));

        // ---- verify
        return verify(host, written, diagnostics);
    }

    /**
     * The lower stage: the method with its ownership turned into plain code, put in the host in place of the
     * compiled one, which the lower stage leaves untouched (the caller puts it back if a later stage rejects the
     * method); null on error.
     */
    private AsyncMethod lower(ClassNode host, AsyncMethod async, Diagnostics diagnostics) {
        MethodNode lowered = OwnershipLowering.lower(host, async, hierarchy, diagnostics);
        if (lowered == null || lowered == async.method()) return lowered == null ? null : async;
        host.methods.set(host.methods.indexOf(async.method()), lowered);
        return new AsyncMethod(lowered, async.kind(), async.returnKind(), MethodClassifier.awaitCalls(lowered),
                async.ownedParameters());
    }

    /**
     * What the emit stage hands to verify: the rewritten host, the state machines by name, and the name and
     * descriptor of every host method Coda wrote.
     */
    private record Written(byte[] host, Map<String, byte[]> generated, Set<String> methods) {}

    /** The emit stage: for each plan, its state machine, the stub and the body; then the host with them in it. */
    private Written emit(ClassReader input, ClassNode host, List<StateMachinePlan> plans, HeldLocksRecord record) {
        Map<String, byte[]> generated = new LinkedHashMap<>();
        Map<String, List<MethodNode>> replacements = new HashMap<>(); // host method to the methods written for it
        Set<String> methods = new HashSet<>();
        for (StateMachinePlan plan : plans) {
            hierarchy.declare(plan.className(), CodaNames.COROUTINE, false);
            generated.put(plan.className(), write(StateMachineEmitter.emit(plan, host.version)));
            MethodNode original = plan.async().method();
            // takes the original's name and descriptor
            MethodNode stub = FrameComputer.withFrames(host, StubEmitter.stub(plan), hierarchy);
            int smLocal = BodyEmitter.rewrite(plan);
            MethodNode body = FrameComputer.withFrames(host, original, hierarchy);
            UncaughtHandler.add(body, plan.className(), smLocal);
            VariableRanges.trimToLiveness(host.name, body);
            replacements.put(stub.name + stub.desc, List.of(stub, body));
            methods.add(stub.name + stub.desc);
            methods.add(original.name + original.desc);
        }
        // Untouched methods keep their bytes, frames included; the rewritten ones carry frames computed above.
        return new Written(HostWriter.write(input, replacements, record), generated, methods);
    }

    /** The verify stage: every method and class Coda wrote type-checks, or the class is left as it was. */
    private TransformResult verify(ClassNode host, Written written, Diagnostics diagnostics) {
        List<OutputVerifier.Problem> problems = new ArrayList<>(
                OutputVerifier.verify(written.host(), hierarchy, m -> written.methods().contains(m.name + m.desc)));
        for (byte[] g : written.generated().values()) problems.addAll(OutputVerifier.verify(g, hierarchy, m -> true));
        List<OutputVerifier.Problem> asCompiled = problems.stream().filter(OutputVerifier.Problem::asCompiled).toList();
        if (!asCompiled.isEmpty()) {
            diagnostics.error(null, null, host.name.replace('/', '.') + " does not verify as it was compiled, so it is "
                    + "left unchanged (the JVM will refuse it too): " + asCompiled);
            return TransformResult.unchanged(host.name, diagnostics.all());
        }
        if (!problems.isEmpty()) {
            diagnostics.error(null, null, "internal error: the rewritten code does not verify, so "
                    + host.name.replace('/', '.') + " is left unchanged; please report this: " + problems);
            return TransformResult.unchanged(host.name, diagnostics.all());
        }
        return new TransformResult(host.name, written.host(), written.generated(), List.copyOf(diagnostics.all()),
                List.of());
    }

    private byte[] write(ClassNode c) {
        HierarchyClassWriter writer = new HierarchyClassWriter(hierarchy);
        c.accept(writer);
        return writer.toByteArray();
    }

}
