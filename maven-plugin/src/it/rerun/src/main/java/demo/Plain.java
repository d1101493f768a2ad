package demo;

import dev.coda.Task;

/** Mentions Coda but has no async code: parsed, never rewritten, never counted. */
public class Plain {
    public static Task<String> ready() {
        return Task.completed("ready");
    }
}
