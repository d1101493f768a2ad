/**
 * The Coda transformer: class bytes in, rewritten class bytes plus generated state-machine classes out, with
 * diagnostics. {@code transformer/README.md} shows what the output looks like.
 *
 * <h2>The pipeline</h2>
 * {@link dev.coda.transformer.Transformer#transform} runs one stage after the other, one package each, and each
 * hands a named result to the next:
 * <ol>
 *   <li><b>read</b> ({@code read}): skip classes whose constant pool never names Coda, check the class-file
 *       version, skip classes that carry the {@code dev.coda.Instrumented} attribute, parse with expanded frames →
 *       {@code ClassNode}; then, on the class as compiled, the held-lock check ({@code check.HeldLocks});</li>
 *   <li><b>select</b> ({@code select}): choose the async functions and async blocks and read which of their
 *       parameters are {@code @Owned}, reject every misuse of {@code await} seen without data flow, check the
 *       selected methods' own frames → {@code AsyncMethod};</li>
 *   <li><b>lower</b> ({@code lower}): per async method, ownership becomes plain code, drop flags and awaited drop
 *       glue ({@code OwnershipFinder} → {@code Ownership} → {@code OwnershipWriter}, {@code ScopeGlue}) → the
 *       lowered {@code AsyncMethod};</li>
 *   <li><b>analyse</b> ({@code analysis}): per async method, verifier types, liveness and monitor depth →
 *       {@code MethodAnalysis};</li>
 *   <li><b>plan</b> ({@code plan}): state-machine name, fields, what each await saves → {@code StateMachinePlan};</li>
 *   <li><b>emit</b> ({@code emit}): stub, body and state-machine class, written with frames computed from the
 *       class hierarchy → class bytes;</li>
 *   <li><b>verify</b> ({@code verify}): every method and class written is type-checked → {@code TransformResult}.</li>
 * </ol>
 * Lower, analyse and plan take one method at a time: a method rejected by any of them is left as it was compiled,
 * never half rewritten.
 *
 * <h2>Where the generated code lives</h2>
 * An async method {@code m} of class {@code H} becomes three pieces:
 * <ul>
 *   <li>the <b>stub</b> {@code H.m}, with the original signature, which calls the body with its own arguments and
 *       no state machine for the first step, keeping nothing across that call;</li>
 *   <li>the <b>body</b>, a synthetic {@code static Coroutine m(receiver?, parameters..., H$$Coda$m sm)} in
 *       {@code H} itself, which makes the state machine and starts the call when called by the stub, holds the
 *       user's code as a state machine, and returns the state machine;</li>
 *   <li>the <b>state machine</b> {@code H$$Coda$m}, a synthetic subclass of {@code dev.coda.Coroutine} in
 *       {@code H}'s package, holding only fields and a {@code resume()} that calls the body.</li>
 * </ul>
 * The body stays in the host so that it keeps the host's access to private members without any bridge, keeps
 * its class name in stack traces, and needs no nest-mate attributes. Generated code then needs only
 * package access: the state machine and its fields are package-private and the body is package-private (public in
 * interfaces, whose methods the JVM requires to be public or private).
 *
 * <h2>How a generated class is defined under the agent</h2>
 * At build time the plugin writes {@code H$$Coda$m.class} next to {@code H.class}. Under the agent no file can be
 * written, and the host is being defined when its {@code transform} call runs, so nothing can yet be looked up in
 * it. The chosen design: the agent defines the generated classes <em>in the host's class loader, with the host's
 * protection domain, during the host's {@code transform} call</em>, by calling {@code ClassLoader.defineClass}
 * reflectively after {@code Instrumentation.redefineModule} has opened {@code java.lang} to the agent. This is
 * possible because defining {@code H$$Coda$m} needs only its superclass, {@code dev.coda.Coroutine}, which the
 * host's loader can see; the references back to {@code H} are resolved lazily, after {@code H} is defined. The
 * classes are then ordinary named classes, byte for byte the ones the plugin writes.
 *
 * <p>Alternatives rejected:
 * <ul>
 *   <li><b>Hidden classes</b> ({@code Lookup.defineHiddenClass} from a bootstrap in the host): the host cannot name
 *       a hidden class in its own bytecode, so its bytes would differ between plugin and agent; and frames of
 *       hidden classes are left out of stack traces by default.</li>
 *   <li><b>{@code Lookup.defineClass} from the host's static initialiser</b>: the JVM may load the state-machine
 *       class while verifying the host, before any initialiser runs; and the host's bytes would again differ from
 *       the plugin's.</li>
 *   <li><b>Nest mates</b> (NestHost/NestMembers) to reach private members from a body placed in the state
 *       machine: a nested host's nest host is another class, possibly loaded already, whose NestMembers attribute
 *       can no longer change.</li>
 *   <li><b>A generic state machine</b> (arrays of slots in a runtime class): no typed, named fields for
 *       debuggers, and boxing on every spill.</li>
 * </ul>
 */
package dev.coda.transformer;
