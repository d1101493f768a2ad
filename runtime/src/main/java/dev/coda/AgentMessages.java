package dev.coda;

import java.lang.reflect.Method;

/**
 * Asks the Coda agent, if one runs in this JVM, why the code at a source line was not rewritten, so that
 * {@code Coda.await} there can throw with the message the agent logged. The agent lives on the system class
 * path; the runtime finds it reflectively and has no dependency on it.
 */
final class AgentMessages {
    private static final Method LOOKUP = find();

    private AgentMessages() {}

    private static Method find() {
        try {
            Class<?> agent = Class.forName("dev.coda.agent.CodaAgent", false, ClassLoader.getSystemClassLoader());
            return agent.getMethod("rejection", Class.class, int.class);
        } catch (ReflectiveOperationException | LinkageError | SecurityException e) {
            return null;
        }
    }

    /** The agent's message for {@code line} of {@code caller}, or null. */
    static String rejection(Class<?> caller, int line) {
        if (LOOKUP == null) return null;
        try {
            return (String) LOOKUP.invoke(null, caller, line);
        } catch (ReflectiveOperationException | RuntimeException e) {
            return null;
        }
    }
}
