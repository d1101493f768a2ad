package dev.coda.tests.errors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.coda.Task;
import dev.coda.tests.support.SourceLines;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A failure that comes back through suspended awaits carries one frame per awaiting coroutine, at the line of its
 * await, innermost first, after the frames where it was thrown and a boundary frame; the exception stays the
 * object that was thrown.
 */
class AsyncStackTraceTest {
    private static final SourceLines SOURCE = new SourceLines("src/test/java/dev/coda/tests/errors/Chain.java");
    private static final StackTraceElement BOUNDARY =
            new StackTraceElement("dev.coda.Coda", "await", "async boundary", -1);

    @AfterEach
    void restore() {
        System.clearProperty("coda.asyncStackTraces");
    }

    private static int line(String name) {
        return SOURCE.line(name);
    }

    private static String frame(String method, String line) {
        return Chain.class.getName() + "." + method + "(Chain.java:" + line(line) + ")";
    }

    /** The frames after the boundary, as text; null when there is no boundary. */
    private static List<String> afterBoundary(Throwable e) {
        List<StackTraceElement> trace = Arrays.asList(e.getStackTrace());
        int at = trace.indexOf(BOUNDARY);
        if (at < 0) return null;
        assertEquals(at, trace.lastIndexOf(BOUNDARY), "one boundary");
        List<String> frames = new ArrayList<>();
        for (StackTraceElement f : trace.subList(at + 1, trace.size())) frames.add(f.toString());
        return frames;
    }

    @Test
    void aFailureNamesEveryAwaitItCameBackThroughInnermostFirst() {
        CompletableFuture<Integer> f = new CompletableFuture<>();
        Task<Integer> a = Chain.a(f);
        f.complete(-1);
        IllegalStateException e = assertThrows(IllegalStateException.class, a::join);
        assertEquals("negative -1", e.getMessage());
        assertNull(e.getCause());
        assertEquals(frame("c", "cThrows"), e.getStackTrace()[0].toString(), "where it was thrown comes first");
        assertEquals(List.of(frame("b", "bAwaits"), frame("a", "aAwaits")), afterBoundary(e));
        assertTrue(Arrays.asList(e.getStackTrace()).indexOf(BOUNDARY) > 0);
    }

    @Test
    void theSameFailureCrossingTheSameAwaitAgainGainsNoFrame() {
        IllegalStateException error = new IllegalStateException("again");
        List<CompletableFuture<Integer>> attempts = new ArrayList<>();
        Task<Throwable> t = Chain.retry(() -> {
            CompletableFuture<Integer> f = new CompletableFuture<>();
            attempts.add(f);
            return f;
        });
        attempts.get(0).completeExceptionally(error);
        assertEquals(2, attempts.size(), "the second attempt is awaited");
        attempts.get(1).completeExceptionally(error);
        assertSame(error, t.join());
        assertEquals(List.of(frame("retry", "retryAwaits")), afterBoundary(error));
    }

    @Test
    void theSystemPropertyTurnsItOff() {
        System.setProperty("coda.asyncStackTraces", "false");
        CompletableFuture<Integer> f = new CompletableFuture<>();
        Task<Integer> a = Chain.a(f);
        f.complete(-2);
        IllegalStateException e = assertThrows(IllegalStateException.class, a::join);
        assertNull(afterBoundary(e), "no async frames");
        assertEquals(frame("c", "cThrows"), e.getStackTrace()[0].toString());
    }

    @Test
    void aFailureThatNeverSuspendedAnAwaitGainsNothing() {
        IllegalStateException error = new IllegalStateException("already");
        StackTraceElement[] before = error.getStackTrace().clone();
        Task<Integer> a = Chain.a(CompletableFuture.failedFuture(error));
        assertSame(error, assertThrows(IllegalStateException.class, a::join));
        assertEquals(List.of(before), List.of(error.getStackTrace()), "done tasks are read in place");
    }
}
