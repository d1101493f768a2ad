package dev.coda.transformer.plan;

/**
 * One value saved in a state-machine field across a suspension.
 *
 * @param index      the local slot, or the operand-stack position (0 = bottom)
 * @param descriptor the field type; null when the value is statically {@code null} and is re-created, not stored
 * @param field      the field name, or null for a statically null value
 */
public record Spill(int index, String descriptor, String field) {
    public boolean isConstantNull() {
        return descriptor == null;
    }

    public boolean isReference() {
        return descriptor != null && (descriptor.charAt(0) == 'L' || descriptor.charAt(0) == '[');
    }
}
