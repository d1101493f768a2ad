package dev.coda;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Declares that a local variable or parameter of an async function owns an {@code AsyncCloseable}: its
 * {@code closeAsync()} is awaited when the owner's scope ends, on every path, unless the value was moved out with
 * {@code Coda.move}.
 */
@Retention(RetentionPolicy.CLASS)
@Target(ElementType.TYPE_USE)
public @interface Owned {}
