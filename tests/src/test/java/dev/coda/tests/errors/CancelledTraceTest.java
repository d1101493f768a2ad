package dev.coda.tests.errors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.coda.Cancelled;
import dev.coda.Task;
import dev.coda.tests.support.SourceLines;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The cancellation signal's stack trace: delivered at an await that suspended, the async trace of that await (no
 * walk of the stack); delivered at an await that did not suspend, the thread's stack.
 */
class CancelledTraceTest {
    private static final SourceLines SOURCE = new SourceLines("src/test/java/dev/coda/tests/errors/CancelledChain.java");
    private static final StackTraceElement BOUNDARY =
            new StackTraceElement("dev.coda.Coda", "await", "async boundary", -1);

    @AfterEach
    void restore() {
        System.clearProperty("coda.asyncStackTraces");
    }

    private static String frame(String method, String line) {
        return CancelledChain.class.getName() + "." + method + "(CancelledChain.java:" + SOURCE.line(line) + ")";
    }

    private static List<String> frames(Throwable t) {
        List<String> frames = new ArrayList<>();
        for (StackTraceElement f : t.getStackTrace()) frames.add(f.toString());
        return frames;
    }

    @Test
    void aSignalDeliveredAtASuspensionCarriesTheAsyncTraceOfItsAwait() {
        List<Throwable> seen = new ArrayList<>();
        CompletableFuture<Integer> f = new CompletableFuture<>();
        Task<Integer> outer = CancelledChain.outer(f, seen);
        outer.cancel();
        assertTrue(outer.isCancelled());
        assertEquals(1, seen.size());
        Throwable signal = seen.get(0);
        assertTrue(signal instanceof Cancelled, signal.toString());
        assertEquals(List.of(frame("inner", "innerAwaits"), BOUNDARY.toString(), frame("outer", "outerAwaits")),
                frames(signal));
    }

    @Test
    void withAsyncTracesOffTheSignalNamesItsAwaitOnly() {
        System.setProperty("coda.asyncStackTraces", "false");
        List<Throwable> seen = new ArrayList<>();
        Task<Integer> outer = CancelledChain.outer(new CompletableFuture<>(), seen);
        outer.cancel();
        assertEquals(List.of(frame("inner", "innerAwaits")), frames(seen.get(0)));
    }

    @Test
    void aSignalDeliveredWithoutSuspendingCarriesTheThreadsStack() {
        List<Throwable> seen = new ArrayList<>();
        CompletableFuture<Integer> gate = new CompletableFuture<>();
        Task<?>[] self = new Task<?>[1];
        Task<Integer> t = CancelledChain.cancelsItself(gate, self, seen);
        self[0] = t;
        gate.complete(1);
        assertTrue(t.isCancelled());
        List<StackTraceElement> trace = Arrays.asList(seen.get(0).getStackTrace());
        assertFalse(trace.contains(BOUNDARY), trace.toString());
        String await = "(CancelledChain.java:" + SOURCE.line("inlineAwait") + ")";
        assertTrue(trace.stream().anyMatch(f -> f.toString().endsWith(await)), "the await's line: " + trace);
        assertTrue(trace.stream().anyMatch(f -> f.getMethodName().equals("cancelledTraceDriver")
                || f.getClassName().equals(CancelledTraceTest.class.getName())), "the thread's own frames: " + trace);
    }
}
