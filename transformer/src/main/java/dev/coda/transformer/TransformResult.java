package dev.coda.transformer;

import java.util.List;
import java.util.Map;

/**
 * What {@link Transformer#transform} hands back.
 *
 * @param className  internal name of the input class; null when the class does not mention Coda (it is not parsed)
 * @param bytes      the rewritten class, or null when the class is left as it was (nothing to do, already
 *                   instrumented, or an error prevented the rewrite)
 * @param generated  the generated state-machine classes, by internal name, in a stable order; empty when
 *                   {@code bytes} is null
 * @param diagnostics errors and warnings, in source order
 * @param heldLocks  warnings, in source order, for the awaits at which a {@code java.util.concurrent.locks.Lock}
 *                   may still be held, found in the class as compiled; apart from {@code diagnostics} because a
 *                   build may be asked to treat them as errors ({@link Diagnostic#asError()})
 */
public record TransformResult(String className, byte[] bytes, Map<String, byte[]> generated,
                              List<Diagnostic> diagnostics, List<Diagnostic> heldLocks) {

    public boolean changed() {
        return bytes != null;
    }

    public boolean hasErrors() {
        return diagnostics.stream().anyMatch(Diagnostic::isError);
    }

    static TransformResult unchanged(String className, List<Diagnostic> diagnostics) {
        return new TransformResult(className, null, Map.of(), List.copyOf(diagnostics), List.of());
    }

    TransformResult withHeldLocks(List<Diagnostic> found) {
        return new TransformResult(className, bytes, generated, diagnostics, List.copyOf(found));
    }
}
