package dev.coda.tests.combine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.coda.Task;
import dev.coda.tests.support.Res;
import dev.coda.tests.support.Events;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The combinators in rewritten async code: losers cleaned up before the result, cancellation through them. */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class CombinatorsTest {
    @BeforeEach
    void reset() {
        Events.take();
    }

    @Test
    void anyDeliversTheWinnerOnlyAfterTheLoserHasClosedItsResource() {
        CompletableFuture<Void> bClosing = new CompletableFuture<>();
        CompletableFuture<String> inA = new CompletableFuture<>();
        Task<String> t = Racers.fastest(new Res("a", CompletableFuture.completedFuture(null)), inA,
                new Res("b", bClosing), new CompletableFuture<>());
        assertEquals(List.of("fetch a", "fetch b"), Events.take());
        inA.complete("first");
        assertEquals(List.of("close a", "close b"), Events.take(), "a's fetch ends; b's is cancelled and drops b");
        assertFalse(t.isDone(), "the winner waits for the loser's cleanup");
        bClosing.complete(null);
        assertEquals("a:first", t.join());
        assertEquals(List.of("winner a:first"), Events.take());
    }

    @Test
    void allFailsFastAndCancellingTheCallerCancelsTheCombinationAndWaits() {
        CompletableFuture<String> inA = new CompletableFuture<>();
        Task<String> t = Racers.both(new Res("a", CompletableFuture.completedFuture(null)), inA,
                new Res("b", CompletableFuture.completedFuture(null)), new CompletableFuture<>());
        Events.take();
        IllegalStateException boom = new IllegalStateException("boom");
        inA.completeExceptionally(boom);
        assertEquals(List.of("close a", "close b"), Events.take());
        assertSame(boom, assertThrows(IllegalStateException.class, t::join));

        CompletableFuture<Void> aClosing = new CompletableFuture<>();
        Task<String> cancelled = Racers.both(new Res("a", aClosing), new CompletableFuture<>(),
                new Res("b", CompletableFuture.completedFuture(null)), new CompletableFuture<>());
        Events.take();
        assertTrue(cancelled.cancel());
        assertEquals(List.of("close b", "close a"), Events.take(), "the combination is the caller's child: cancelled");
        assertFalse(cancelled.isDone(), "and waited for, cleanup included");
        aClosing.complete(null);
        assertTrue(cancelled.isCancelled());
        assertThrows(CancellationException.class, cancelled::join);
    }

    @Test
    void aBodyThatRunsOutOfTimeDropsItsResourceBeforeTheTimeoutIsCaught() {
        CompletableFuture<Void> closing = new CompletableFuture<>();
        Task<String> t = Racers.limited(new Res("r", closing), new CompletableFuture<>(), Duration.ofMillis(20));
        assertEquals(List.of("fetch r"), Events.take());
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        List<String> events = Events.take();
        while (events.isEmpty() && System.nanoTime() < deadline) {
            Thread.onSpinWait();
            events = Events.take();
        }
        assertEquals(List.of("close r"), events, "the timer cancelled the body, which drops r");
        assertFalse(t.isDone(), "the timeout comes after the body's cleanup");
        closing.complete(null);
        assertEquals("fallback", t.toCompletableFuture().join());
        assertEquals(List.of("timed out"), Events.take());
    }

    @Test
    void aCancelledSleeperWakesAtOnceAndDropsWhatItOwns() {
        Task<String> t = Racers.nap(new Res("r", CompletableFuture.completedFuture(null)), Duration.ofDays(1));
        assertEquals(List.of("nap"), Events.take());
        assertTrue(t.cancel());
        assertEquals(List.of("close r"), Events.take());
        assertTrue(t.isCancelled());
        assertEquals("rested", Racers.nap(new Res("s", CompletableFuture.completedFuture(null)), Duration.ofMillis(1))
                .toCompletableFuture().join());
    }
}
