package dev.coda.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.coda.Async;
import dev.coda.Coda;
import dev.coda.Task;
import dev.coda.agent.CodaAgent;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

/** The classes of this module really are state machines, however this run rewrote them. */
class RewrittenTest {
    @Async
    static Task<String> greet(CompletableFuture<String> name) {
        String greeting = "Hello, ";
        return Task.completed(greeting + Coda.await(name));
    }

    @Test
    void asyncFunctionSuspendsAndResumes() {
        CompletableFuture<String> name = new CompletableFuture<>();
        Task<String> task = greet(name);
        assertFalse(task.isDone());
        assertEquals("dev.coda.tests.RewrittenTest$$Coda$greet", task.getClass().getName());
        name.complete(Mode.current());
        assertTrue(task.isDone());
        assertEquals("Hello, " + Mode.current(), task.join());
    }

    /** The agent jar's JUnit listener is switched off in the plugin's run, and -javaagent installed it in the other. */
    @Test
    void agentIsInstalledOnlyInTheAgentRun() {
        assertEquals(Mode.current().equals("agent"), CodaAgent.isInstalled());
    }
}
