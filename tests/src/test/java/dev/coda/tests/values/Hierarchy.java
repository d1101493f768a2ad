package dev.coda.tests.values;

import static dev.coda.Coda.await;

import dev.coda.Async;
import dev.coda.Task;
import java.io.IOException;
import java.sql.SQLException;
import java.util.AbstractList;
import java.util.ArrayList;
import java.util.LinkedList;
import java.util.concurrent.CompletableFuture;

/**
 * Values whose types meet at control-flow joins, live across an await or below it on the operand stack: the
 * rewrite must type them from class files it finds (JDK classes of java.base and of other modules, and this
 * module's own classes), the same way at build time and at load time.
 */
public final class Hierarchy {
    private Hierarchy() {}

    public abstract static class Animal {
        abstract String sound();
    }

    public static final class Dog extends Animal implements Comparable<Dog> {
        @Override
        String sound() {
            return "woof";
        }

        @Override
        public int compareTo(Dog o) {
            return 0;
        }
    }

    public static final class Cat extends Animal implements Comparable<Cat> {
        @Override
        String sound() {
            return "meow";
        }

        @Override
        public int compareTo(Cat o) {
            return 0;
        }
    }

    @Async
    public static Task<String> merged(boolean flag, CompletableFuture<String> x) {
        AbstractList<String> list = flag ? new ArrayList<>() : new LinkedList<>();
        Exception error = flag ? new IOException("io") : new SQLException("sql");
        Animal animal = flag ? new Dog() : new Cat();
        Comparable<?> comparable = flag ? new Dog() : new Cat();
        String v = await(x);
        list.add(v);
        String below = (flag ? new Dog() : new Cat()).sound() + await(x) + (flag ? new IOException("a") : new SQLException("b")).getMessage();
        return Task.completed(list.getClass().getSimpleName() + list + error.getMessage() + animal.sound()
                + comparable.getClass().getSimpleName() + below);
    }
}
