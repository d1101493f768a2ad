package dev.coda;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Declares that a local variable or parameter of an async function owns an {@link AsyncCloseable}: its
 * {@link AsyncCloseable#closeAsync() closeAsync()} is awaited when the owner's scope ends, on every path,
 * cancellation included, unless the value was moved out with {@link Coda#move Coda.move}. The scope of a local is
 * its enclosing block; that of a parameter is the whole function, the caller handing the value over. A null value
 * is not closed. Written before the type: {@code @Owned Conn c = await(db.connect());}
 *
 * <p>The annotation is kept in the class file, for the transformer. It is a build error on a type that is not an
 * {@code AsyncCloseable}, and so is an assignment to an owned variable that may still hold a live value.
 */
@Retention(RetentionPolicy.CLASS)
@Target(ElementType.TYPE_USE)
public @interface Owned {}
