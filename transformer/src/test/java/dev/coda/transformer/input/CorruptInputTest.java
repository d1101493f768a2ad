package dev.coda.transformer.input;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.coda.transformer.ClassFileLocator;
import dev.coda.transformer.TransformResult;
import dev.coda.transformer.Transformer;
import dev.coda.transformer.read.ClassFileFacts;
import dev.coda.transformer.support.InMemoryCompiler;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * Corrupt class files that mention Coda: the transformer either rewrites them, reports a diagnostic, or refuses them
 * with {@link ClassFileFacts.MalformedClassException}; nothing else may come out of {@code transform} (the plugin
 * names the file only for that exception, and the agent must not see anything else either).
 */
class CorruptInputTest {
    private static final String SOURCE = """
            package p;
            import dev.coda.*;
            import java.util.concurrent.*;
            import static dev.coda.Coda.await;
            public class Victim {
                @Async public static Task<String> go(Task<String> t, CompletableFuture<Integer> f) {
                    String s = await(t);
                    try (TaskScope scope = TaskScope.open()) {
                        int n = await(f);
                        return Task.completed(s + n);
                    }
                }
            }
            """;

    @Test
    void mutatedClassFilesAreRewrittenReportedOrRefusedAsMalformed() {
        Map<String, byte[]> compiled = InMemoryCompiler.compile(Map.of("p/Victim.java", SOURCE));
        byte[] original = compiled.get("p/Victim");
        ClassFileLocator parent = ClassFileLocator.of(CorruptInputTest.class.getClassLoader());
        SplittableRandom random = new SplittableRandom(20261206);
        int mutants = 3_000;
        int refused = 0;
        List<String> escaped = new ArrayList<>();
        for (int i = 0; i < mutants; i++) {
            byte[] mutant = original.clone();
            int flips = 1 + random.nextInt(3);
            for (int f = 0; f < flips; f++) mutant[random.nextInt(mutant.length)] = (byte) random.nextInt(256);
            Transformer transformer = new Transformer(name -> name.equals("p/Victim") ? mutant : parent.locate(name));
            try {
                TransformResult ignored = transformer.transform(mutant);
            } catch (ClassFileFacts.MalformedClassException e) {
                refused++;
            } catch (Throwable t) {
                if (escaped.size() < 5) escaped.add("mutant " + i + ": " + t);
                else escaped.add("");
            }
        }
        assertEquals(List.of(), escaped.stream().filter(s -> !s.isEmpty()).toList(),
                escaped.size() + " of " + mutants + " mutants threw something other than MalformedClassException");
        assertTrue(refused > 0, "some mutants are refused as malformed");
    }
}
