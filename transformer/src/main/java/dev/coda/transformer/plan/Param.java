package dev.coda.transformer.plan;

/** A parameter (or {@code this}) handed from the original method to the state machine's constructor. */
public record Param(int slot, String descriptor, String field) {}
