/**
 * Coda: async/await for Java with async destructors.
 *
 * <p>Methods annotated {@link dev.coda.Async @Async} are rewritten into state machines, at build time by the Maven
 * plugin or at load time by the agent; {@link dev.coda.Coda#await(dev.coda.Task) Coda.await} suspends them, and
 * {@link dev.coda.Owned @Owned} resources have their {@link dev.coda.AsyncCloseable#closeAsync() closeAsync()}
 * awaited on every exit. This module holds the annotations and the whole runtime API.
 */
module dev.coda {
    // The live-coroutine probe publishes itself as an MBean.
    requires java.management;

    exports dev.coda;
}
