package demo.modular;

import dev.coda.AsyncCloseable;
import dev.coda.Async;
import dev.coda.Coda;
import dev.coda.Owned;
import dev.coda.Task;
import java.util.List;

public final class Greeter {
    private Greeter() {}

    /** A resource whose asynchronous close is recorded. */
    public static final class Session implements AsyncCloseable {
        private final List<String> events;

        public Session(List<String> events) {
            this.events = events;
        }

        @Override
        public Task<Void> closeAsync() {
            events.add("closed");
            return Task.done();
        }
    }

    /** Greets the awaited name while owning a session, which is closed when the call ends. */
    @Async
    public static Task<String> greet(Task<String> name, List<String> events) {
        @Owned Session session = new Session(events);
        String who = Coda.await(name);
        events.add("greeted " + who);
        return Task.completed("Hello, " + who);
    }
}
