package demo.modular;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import dev.coda.Async;
import dev.coda.Coda;
import dev.coda.Task;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

class GreeterTest {
    @Async
    static Task<String> shout(Task<String> greeting) {
        String g = Coda.await(greeting);
        return Task.completed(g.toUpperCase());
    }

    @Test
    void runsOnTheModulePath() {
        assertEquals("demo.modular", Greeter.class.getModule().getName());
        assertEquals("dev.coda", Task.class.getModule().getName());
        assertEquals("dev.coda", dev.coda.Async.class.getModule().getName(), "the annotations are in module dev.coda");
    }

    @Test
    void stateMachinesLiveInTheApplicationsModule() {
        List<String> events = new ArrayList<>();
        CompletableFuture<String> name = new CompletableFuture<>();
        Task<String> greeting = Greeter.greet(Task.from(name), events);
        Task<String> shouted = shout(greeting);
        assertFalse(shouted.isDone());
        assertEquals("demo.modular", greeting.getClass().getModule().getName());
        assertEquals("demo.modular.Greeter$$Coda$greet", greeting.getClass().getName());
        name.complete("module");
        assertEquals("HELLO, MODULE", shouted.join());
        assertEquals(List.of("greeted module", "closed"), events);
    }
}
