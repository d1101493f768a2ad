package dev.coda;

/** Rethrows any Throwable without wrapping: awaited failures surface exactly as they were thrown. */
final class Sneaky {
    private Sneaky() {}

    @SuppressWarnings("unchecked")
    static <E extends Throwable> E rethrow(Throwable t) throws E {
        throw (E) t;
    }
}
