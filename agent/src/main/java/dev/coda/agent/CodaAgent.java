package dev.coda.agent;

import dev.coda.transformer.ClassFileLocator;
import dev.coda.transformer.Transformer;
import dev.coda.transformer.read.ClassFileFacts;
import java.lang.instrument.Instrumentation;
import net.bytebuddy.agent.ByteBuddyAgent;

/**
 * The Coda agent: rewrites async functions and async blocks as their classes load.
 *
 * <ul>
 *   <li>{@code java -javaagent:coda-agent.jar[=OPTIONS] ...} — {@link #premain}. OPTIONS, comma-separated:
 *       {@code verbose} logs every rewritten class at INFO; {@code dump=DIR} also writes every class the agent
 *       rewrites or generates under DIR, by internal name, for {@code javap}; {@code probe} switches the runtime's
 *       live-coroutine probe on, as {@code -Dcoda.probe=true} does. An unknown option is logged and ignored;</li>
 *   <li>attached to a running JVM — {@link #agentmain}, also the {@code Launcher-Agent-Class} of an executable JAR;</li>
 *   <li>{@link #install()} — self-attach, for tests and IDE runs. It must run before any class with async code
 *       loads; such a class already loaded is reported, and its awaits throw {@link IllegalStateException} saying
 *       so.</li>
 * </ul>
 * Starting more than once is harmless: the first start wins. The agent never throws out of a class
 * transformation: a class it cannot rewrite is left as it is and the reason logged.
 *
 * <p>What it cannot rewrite, and the warnings of a rewrite, are logged through {@link System.Logger}
 * ({@code dev.coda.agent}) in javac's format, with the path under {@code <source root>/}
 * ({@link dev.coda.transformer.Diagnostic#UNKNOWN_SOURCE_ROOT}): {@code <source root>/p/To.java:LINE: error: MESSAGE}.
 * A loading class gives its package and its source file's name, never where its sources are; the plugin, which
 * knows the source roots, prints the absolute path instead.
 */
public final class CodaAgent {
    private static Instrumentation instrumentation;
    private static final Rejections REJECTIONS = new Rejections();

    private CodaAgent() {}

    /**
     * The entry point of {@code -javaagent}, called by the JVM before {@code main}: registers the transformer, so
     * that every class loaded from then on is rewritten if it has async code.
     *
     * @param options the options after {@code =} in {@code -javaagent:coda-agent.jar=OPTIONS}, or null
     * @param inst the JVM's instrumentation
     */
    public static void premain(String options, Instrumentation inst) {
        start(options, inst, false);
    }

    /**
     * The entry point of an agent attached to a running JVM, and of the {@code Launcher-Agent-Class} of an executable
     * JAR: registers the transformer, as {@link #premain} does, then reports every class already loaded whose async
     * code can no longer be rewritten; its awaits throw {@link IllegalStateException} saying so.
     *
     * @param options the agent's options, as for {@link #premain}, or null
     * @param inst the JVM's instrumentation
     */
    public static void agentmain(String options, Instrumentation inst) {
        start(options, inst, true);
    }

    /**
     * Attaches the agent to the running JVM, through byte-buddy-agent, with no options; does nothing if the agent is
     * already active. Call it before any class with async code loads; such a class already loaded is reported, as
     * {@link #agentmain} does. On JDK 21 and later the JVM prints a warning about a dynamically loaded agent unless it
     * runs with {@code -XX:+EnableDynamicAgentLoading}; {@code -javaagent} avoids both.
     *
     * @throws IllegalStateException if the agent cannot be attached to this JVM
     */
    public static synchronized void install() {
        if (instrumentation != null) return;
        start("", ByteBuddyAgent.install(), true);
    }

    /**
     * Whether the agent is active in this JVM, however it was started.
     *
     * @return true once {@link #premain}, {@link #agentmain} or {@link #install()} has run
     */
    public static synchronized boolean isInstalled() {
        return instrumentation != null;
    }

    /**
     * The message logged for a rejected await at {@code line} of {@code caller}, or null. Called reflectively by
     * the runtime's {@code Coda.await} when it runs in code that was not rewritten, so that it throws with that
     * message: public for that call only, not for application code.
     *
     * @param caller the class whose await ran without being rewritten
     * @param line the source line of that await; negative if unknown
     * @return the message logged for that line, else the first one logged for that class, or null if the agent
     *     logged nothing about it
     */
    public static String rejection(Class<?> caller, int line) {
        return REJECTIONS.find(caller, line);
    }

    private static synchronized void start(String options, Instrumentation inst, boolean late) {
        if (instrumentation != null) return;
        AgentOptions parsed = AgentOptions.parse(options, new AgentLog(false));
        AgentLog log = new AgentLog(parsed.verbose());
        // Read once, when the runtime's probe class initialises: before any coroutine starts under -javaagent.
        if (parsed.probe()) System.setProperty("coda.probe", "true");
        inst.addTransformer(new AsyncClassTransformer(new ClassDefiner(inst), REJECTIONS, log, parsed.dump()), false);
        instrumentation = inst;
        if (late) reportLoadedAsyncClasses(inst, log);
    }

    /** Classes loaded before the agent started cannot be rewritten any more: say which have async code. */
    private static void reportLoadedAsyncClasses(Instrumentation inst, AgentLog log) {
        for (Class<?> c : inst.getAllLoadedClasses()) {
            ClassLoader loader = c.getClassLoader();
            String internal = c.getName().replace('.', '/');
            if (loader == null || c.isArray() || c.isHidden() || AsyncClassTransformer.isSkipped(internal)) continue;
            byte[] bytes = ClassFileLocator.of(loader).locate(internal);
            try {
                if (bytes == null || !ClassFileFacts.mentionsCoda(bytes)) continue;
                if (!new Transformer(ClassFileLocator.of(loader)).transform(bytes).changed()) continue;
            } catch (ClassFileFacts.MalformedClassException | RuntimeException e) {
                continue; // it loaded, so the JVM could read it; nothing to report about async code
            }
            String message = c.getName() + " was loaded before the Coda agent was installed, so its async code was "
                    + "not rewritten: call CodaAgent.install() before the class loads (for example from a class "
                    + "without async code, or a test extension), or run with -javaagent:coda-agent.jar";
            if (REJECTIONS.record(loader, c.getName(), -1, message)) log.rejected(message);
        }
    }
}
