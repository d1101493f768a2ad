package dev.coda;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * {@code Coda.await} in code that was not rewritten throws {@code IllegalStateException} naming the method and how to
 * enable the rewrite, instead of blocking.
 */
@Timeout(value = 10, unit = TimeUnit.SECONDS)
class CodaAwaitNotInstrumentedTest {

    private static void assertExplains(IllegalStateException e, String method) {
        String message = e.getMessage();
        assertTrue(message.contains(CodaAwaitNotInstrumentedTest.class.getName() + "." + method),
                () -> "names the calling class and method: " + message);
        assertTrue(message.contains("CodaAwaitNotInstrumentedTest.java:"), () -> "names the source file: " + message);
        assertTrue(message.contains("@Async"), () -> "mentions @Async: " + message);
        assertTrue(message.contains("coda-maven-plugin"), () -> "mentions the plugin: " + message);
        assertTrue(message.contains("-javaagent"), () -> "mentions the agent: " + message);
    }

    @Test
    void awaitOfACompletedTaskThrows() {
        Task<String> task = Task.completed("v");
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> callAwaitTask(task));
        assertExplains(e, "callAwaitTask");
    }

    @Test
    void awaitOfAPendingTaskThrowsInsteadOfBlocking() {
        Task<String> task = new Task<>();
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> callAwaitTask(task));
        assertExplains(e, "callAwaitTask");
        assertTrue(!task.isDone());
    }

    @Test
    void awaitOfACompletionStageThrows() {
        CompletionStage<String> stage = new CompletableFuture<>();
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> callAwaitStage(stage));
        assertExplains(e, "callAwaitStage");
    }

    @Test
    void messageNamesTheLineOfTheCall() {
        int line = -1;
        IllegalStateException e = null;
        try {
            line = new Throwable().getStackTrace()[0].getLineNumber() + 1;
            Coda.await(Task.done());
        } catch (IllegalStateException thrown) {
            e = thrown;
        }
        assertTrue(e != null, "await did not throw");
        String message = e.getMessage();
        assertTrue(message.contains(CodaAwaitNotInstrumentedTest.class.getName() + ".messageNamesTheLineOfTheCall("
                + "CodaAwaitNotInstrumentedTest.java:" + line + ")"), () -> message);
        assertEquals(IllegalStateException.class, e.getClass());
    }

    @Test
    void aLambdaIsNamedAfterTheMethodThatHoldsIt() {
        java.util.function.Supplier<String> lambda = () -> Coda.await(Task.completed("v"));
        IllegalStateException e = assertThrows(IllegalStateException.class, lambda::get);
        String message = e.getMessage();
        assertTrue(message.startsWith("Coda.await called in a lambda in " + CodaAwaitNotInstrumentedTest.class.getName()
                + ".aLambdaIsNamedAfterTheMethodThatHoldsIt(CodaAwaitNotInstrumentedTest.java:"), () -> message);
    }

    private static String callAwaitTask(Task<String> task) {
        return Coda.await(task);
    }

    private static String callAwaitStage(CompletionStage<String> stage) {
        return Coda.await(stage);
    }
}
