package dev.coda.tests.errors;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.coda.tests.support.FreshJvm;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A stack overflow at the entry of an async body, or anywhere in a recursion through async calls, leaves the thread
 * able to run async code. The body starts its call itself, and the start's last write is the one that makes its
 * coroutine the running one, so an overflow at the body's entry has nothing to undo; one in the runtime's code after
 * that is undone by the body's own handlers, and a coroutine whose undoing overflowed as well is marked for the
 * carrier to take off. Runs {@link StackEdgeProbe} in a fresh JVM with C2 alone, where the overflows come at many
 * different points of the descent.
 */
@Timeout(value = 300, unit = TimeUnit.SECONDS)
class StackEdgeTest {
    @Test
    void aThreadWhoseStackOverflowedAtABodysEntryStillResumesAndParentsAsync() throws Exception {
        int trials = 400;
        Map<String, Long> counts = probe(trials);
        assertEquals(trials, counts.get("overflowed"), "every trial overflows its stack");
        assertEquals(0, counts.get("unmarked"), "the carrier never names a gone coroutine unmarked");
        System.out.printf("[coda-stack-edge] %d of %d overflows left the carrier naming a marked coroutine%n",
                counts.get("marked"), 2 * trials);
        assertEquals(trials, counts.get("resumedFromPlainCode"),
                "a call completed from plain code on that thread afterwards resumes at once");
        assertEquals(trials, counts.get("waitedForItsChild"),
                "a call started by a body that caught the overflow is that body's child");
    }

    private static Map<String, Long> probe(int trials) throws Exception {
        Map<String, Long> values = FreshJvm.run(List.of("-XX:-TieredCompilation"), StackEdgeProbe.class,
                Integer.toString(trials));
        assertEquals(trials, values.get("trials"), values.toString());
        return values;
    }
}
