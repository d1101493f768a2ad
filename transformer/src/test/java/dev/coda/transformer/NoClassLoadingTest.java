package dev.coda.transformer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.coda.transformer.support.InMemoryCompiler;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.jupiter.api.Test;

/**
 * The transformer learns about types from class bytes only. Here the types whose common superclass the frames
 * need exist nowhere but in memory: no class loader of this JVM could load them, so a successful rewrite proves
 * none was loaded.
 */
class NoClassLoadingTest {
    private static final Map<String, byte[]> CLASSES = InMemoryCompiler.compile(Map.of(
            "q/Shape.java", "package q; public abstract class Shape { public abstract int area(); }",
            "q/Square.java", "package q; public class Square extends Shape { public int area() { return 4; } }",
            "q/Circle.java", "package q; public class Circle extends Shape { public int area() { return 3; } }",
            "q/User.java", """
                    package q;
                    import dev.coda.*;
                    public class User {
                        @Async public static Task<Integer> pick(boolean square, Task<Integer> t) {
                            Shape s = square ? new Square() : new Circle();
                            int extra = Coda.await(t);
                            return Task.completed(s.area() + extra);
                        }
                    }
                    """));

    @Test
    void hierarchyComesFromBytes() throws Exception {
        assertThrows(ClassNotFoundException.class, () -> Class.forName("q.Square"));
        Set<String> asked = ConcurrentHashMap.newKeySet();
        ClassFileLocator jdk = ClassFileLocator.of(ClassLoader.getPlatformClassLoader());
        Transformer transformer = new Transformer(name -> {
            asked.add(name);
            return CLASSES.containsKey(name) ? CLASSES.get(name) : jdk.locate(name);
        });
        TransformResult result = transformer.transform(CLASSES.get("q/User"));
        assertEquals(java.util.List.of(), result.diagnostics());
        assertTrue(result.changed());
        assertTrue(asked.contains("q/Square") && asked.contains("q/Circle"),
                "the merge of Square and Circle was computed from their bytes: " + asked);
    }

    @Test
    void aMissingSupertypeIsAClearError() throws Exception {
        ClassFileLocator jdk = ClassFileLocator.of(ClassLoader.getPlatformClassLoader());
        Transformer transformer = new Transformer(name -> name.equals("q/Circle") ? null
                : CLASSES.containsKey(name) ? CLASSES.get(name) : jdk.locate(name));
        TransformResult result = transformer.transform(CLASSES.get("q/User"));
        assertFalse(result.changed());
        assertEquals(1, result.diagnostics().size());
        assertEquals("q/User.java:3: error: cannot rewrite q.User: cannot find class q.Circle (the rewrite "
                + "needs its superclass and interfaces); is it on the classpath?", result.diagnostics().get(0).toString());
    }
}
