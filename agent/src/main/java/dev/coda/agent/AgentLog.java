package dev.coda.agent;

import java.lang.System.Logger;
import java.lang.System.Logger.Level;

/**
 * The agent's messages, through {@link System.Logger} under the name {@code dev.coda.agent}. The logger is created
 * on the first message: initialising the logging framework would otherwise cost every JVM start.
 */
final class AgentLog {
    private volatile Logger logger;
    private final boolean verbose;

    AgentLog(boolean verbose) {
        this.verbose = verbose;
    }

    private Logger logger() {
        Logger l = logger;
        if (l == null) logger = l = System.getLogger("dev.coda.agent");
        return l;
    }

    void rewritten(String className, int stateMachines) {
        if (verbose) {
            logger().log(Level.INFO, "Coda rewrote " + className.replace('/', '.') + " (" + stateMachines
                    + " state machine" + (stateMachines == 1 ? "" : "s") + ")");
        }
    }

    void unknownOption(String option) {
        logger().log(Level.WARNING, "Coda agent: unknown option '" + option + "' ignored (known options: verbose, dump=DIR, probe)");
    }

    /**
     * An error: a rejected use of await, as the javac-format line the plugin prints as a build error, except that the
     * path is under {@code <source root>/} where the plugin has the absolute one; or a class loaded too early.
     */
    void rejected(String diagnostic) {
        logger().log(Level.ERROR, diagnostic);
    }

    void warning(String diagnostic) {
        logger().log(Level.WARNING, diagnostic);
    }

    void problem(String message, Throwable cause) {
        if (cause == null) logger().log(Level.WARNING, message);
        else logger().log(Level.WARNING, message, cause);
    }
}
