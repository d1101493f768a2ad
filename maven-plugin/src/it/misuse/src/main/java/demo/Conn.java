package demo;

import dev.coda.AsyncCloseable;
import dev.coda.Task;

/** A resource for the misuses to hold. */
public class Conn implements AsyncCloseable {
    @Override
    public Task<Void> closeAsync() {
        return Task.done();
    }
}
