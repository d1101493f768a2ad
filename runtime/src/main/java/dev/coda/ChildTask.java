package dev.coda;

/**
 * A task the runtime makes on behalf of the running coroutine (a combinator, a sleep, a scope's close): that
 * coroutine's child (SPEC §7) until {@link #detach()}, so a cancelled parent awaiting it cancels it and waits.
 */
abstract class ChildTask<T> extends Task<T> {
    private volatile Coroutine<?> parent = Carrier.current().running();

    @Override
    final Coroutine<?> parent() {
        return parent;
    }

    @Override
    public final Task<T> detach() {
        parent = null;
        return this;
    }
}
