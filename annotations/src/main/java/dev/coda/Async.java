package dev.coda;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Marks an async function: a method returning {@code Task<T>}, {@code CompletableFuture<T>} or
 * {@code CompletionStage<T>} whose body may call {@code Coda.await}. The Coda transformer rewrites it into a state
 * machine; the method's signature and reflection view stay as written.
 */
@Retention(RetentionPolicy.CLASS)
@Target(ElementType.METHOD)
public @interface Async {}
