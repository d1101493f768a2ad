package dev.coda;

import java.util.concurrent.CompletionStage;

/** The operations an async function uses in its body. */
public final class Coda {
    private Coda() {}

    /**
     * Suspends the enclosing async function until {@code task} completes, then returns its value or rethrows its
     * exception as it was thrown. Only meaningful in code rewritten by the Coda transformer; anywhere else it
     * throws {@link IllegalStateException}.
     */
    public static <T> T await(Task<T> task) {
        throw notInstrumented();
    }

    /** {@link #await(Task)} for any {@link CompletionStage}. */
    public static <T> T await(CompletionStage<T> stage) {
        throw notInstrumented();
    }

    /**
     * Ends ownership of an owned variable and returns its value: the value is no longer dropped when the variable's
     * scope ends; whoever receives it owns it now. In rewritten code the call clears the variable's drop flag; it is
     * a build error to move a value that is not owned there.
     */
    public static <T> T move(T owned) {
        return owned;
    }

    private static IllegalStateException notInstrumented() {
        StackWalker.StackFrame caller = StackWalker.getInstance()
                .walk(frames -> frames.filter(f -> !f.getClassName().equals(Coda.class.getName())).findFirst())
                .orElse(null);
        String where = caller == null ? "unknown code"
                : caller.getClassName() + "." + caller.getMethodName()
                        + "(" + caller.getFileName() + ":" + caller.getLineNumber() + ")";
        String rejected = caller == null ? null : AgentMessages.rejection(caller.getClassName(), caller.getLineNumber());
        if (rejected != null) return new IllegalStateException(rejected);
        return new IllegalStateException("Coda.await called in " + where + ", which was not rewritten into a state "
                + "machine: annotate the method with @Async (or await inside an async lambda returning a Task) and "
                + "instrument the class, at build time with the coda-maven-plugin goal 'instrument' or at load "
                + "time with -javaagent:coda-agent.jar or dev.coda.agent.CodaAgent.install()");
    }
}
