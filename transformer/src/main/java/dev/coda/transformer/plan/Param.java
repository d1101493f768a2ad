package dev.coda.transformer.plan;

/**
 * A parameter (or {@code this}) handed from the original method to the state machine's constructor.
 *
 * @param owned whether it is an {@code @Owned} parameter, dropped even if the body never runs (the runtime drops it
 *              for a task cancelled before its body ran)
 */
public record Param(int slot, String descriptor, String field, boolean owned) {}
