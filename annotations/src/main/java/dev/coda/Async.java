package dev.coda;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Marks an async function: a method returning {@link Task Task&lt;T&gt;}, {@code CompletableFuture<T>} or
 * {@code CompletionStage<T>} whose body may call {@link Coda#await(Task) Coda.await}. The Coda transformer, run by
 * the Maven plugin at build time or by the agent at load time, rewrites it into a state machine; the method's
 * signature and reflection view stay as written. A call runs the body on the caller's thread until the first await
 * that must suspend (unless a {@link TaskScope} defers it to an executor), then returns the task, or a future that
 * stands for it (see {@link Task#toCompletableFuture()}).
 *
 * <p>The annotation is kept in the class file, for the transformer, and is not visible through reflection. On a
 * method with another return type, or without a body, it is a build error.
 */
@Retention(RetentionPolicy.CLASS)
@Target(ElementType.METHOD)
public @interface Async {}
