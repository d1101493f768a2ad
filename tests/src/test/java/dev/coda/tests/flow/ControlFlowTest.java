package dev.coda.tests.flow;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.coda.Task;
import dev.coda.tests.support.Events;
import dev.coda.tests.support.Later;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Loops, switches, try/catch/finally and try-with-resources, with awaits in every part. */
class ControlFlowTest {
    @BeforeEach
    void reset() {
        Later.reset();
        Events.take();
    }

    private static <T> T finish(Task<T> t) {
        assertFalse(t.isDone(), "suspended");
        Later.runAll();
        return t.join();
    }

    @Test
    void nestedLoopsWithLabelledBreakAndContinueAndDoWhile() {
        int[][] grid = {{1, 0, 2}, {3, -1, 4}, {5, 50, 6}, {7, 200, 8}, {9}};
        Task<List<String>> t = Flow.loops(grid);
        assertEquals(12, Later.runAll(), "9 cells awaited before break rows, then 3 do-while rounds");
        assertEquals(List.of("0:1", "0:2", "end 0", "1:3", "2:5", "end 2", "3:7", "k3"), t.join());
    }

    @Test
    void labelledBlockLeftFromInsideAnEnhancedFor() {
        Task<String> found = Flow.labelledBlock(List.of("a", "xb", "xc"));
        assertEquals(2, Later.runAll());
        assertEquals("xb", found.join());
        assertEquals("none of 2", finish(Flow.labelledBlock(List.of("a", "b"))));
    }

    @Test
    void whileLoopWithAwaitedConditionAndContinue() {
        assertEquals(23, finish(Flow.whileAwaitedCondition(15)));
    }

    @Test
    void oldStyleSwitchWithFallThroughAndAwaitsInCases() {
        assertEquals("onetwo", finish(Flow.oldSwitch(1)));
        assertEquals("two", finish(Flow.oldSwitch(2)));
        assertEquals("tenthousand", finish(Flow.oldSwitch(10)));
        assertEquals("thousand", finish(Flow.oldSwitch(1000)));
        assertEquals("default 7", finish(Flow.oldSwitch(7)));
    }

    @Test
    void arrowSwitchStatementOnAnAwaitedString() {
        CompletableFuture<String> a = new CompletableFuture<>();
        Task<String> t = Flow.arrowOnString(a);
        a.complete("b");
        assertEquals("ab:1", finish(t));
        assertEquals("c:2", finish(Flow.arrowOnString(Later.value("c"))));
        Task<String> other = Flow.arrowOnString(CompletableFuture.completedFuture("zz"));
        assertEquals("other", other.join());
    }

    @Test
    void switchExpressionOnAnAwaitedEnumWithAValueBelowIt() {
        assertEquals(101, finish(Flow.enumExpression(Later.task(Flow.Color.RED))));
        assertEquals(120, finish(Flow.enumExpression(Later.task(Flow.Color.GREEN))));
        Task<Integer> blue = Flow.enumExpression(Later.task(Flow.Color.BLUE));
        assertEquals(1, Later.runAll());
        assertEquals(103, blue.join());
    }

    @Test
    void switchExpressionsOnStringAndInt() {
        assertEquals("X1", finish(Flow.stringAndIntExpressions("x")));
        assertEquals("YY2", finish(Flow.stringAndIntExpressions("y")));
        assertEquals("long-1", finish(Flow.stringAndIntExpressions("hello")));
        Task<String> shortOne = Flow.stringAndIntExpressions("ab");
        assertEquals("short-1", shortOne.join(), "no await on this path: done at once");
    }

    @Test
    void awaitsInTryCatchAndFinallyOnBothPaths() {
        assertEquals("try 1,try end,finally 3,after", finish(Flow.tryCatchFinally(false)));
        assertEquals("try 1,catch boom 2,finally 3,after", finish(Flow.tryCatchFinally(true)));
    }

    @Test
    void finallyAwaitsThenTheOriginalFailurePropagates() {
        IllegalStateException error = new IllegalStateException("e");
        Task<String> t = Flow.finallyRethrows(error);
        Later.runAll();
        assertSame(error, assertThrows(IllegalStateException.class, t::join));
        assertEquals(List.of("body", "finally f"), Events.take());
    }

    @Test
    void nestedTriesWithAwaitsInEveryPart() {
        assertEquals("abcd from catch inner", finish(Flow.nestedTries()));
    }

    @Test
    void earlyReturnFromALoopInsideTryRunsTheAwaitingFinally() {
        Task<String> t = Flow.earlyReturn(List.of(1, -2, 3));
        assertEquals(3, Later.runAll(), "1, -2, then the finally's await; 3 is never awaited");
        assertEquals("negative -2", t.join());
        assertEquals(List.of("ok 1", "cleanup c"), Events.take());
        assertEquals("all positive", finish(Flow.earlyReturn(List.of(4))));
    }

    @Test
    void tryWithResourcesClosesInReverseOrderAfterAwaits() {
        CompletableFuture<String> first = new CompletableFuture<>();
        Task<String> t = Flow.tryWithResources(first, false);
        assertEquals(List.of(), Events.take());
        first.complete("a");
        assertEquals("v", finish(t));
        assertEquals(List.of("open a", "open b", "body ab", "open cv", "inner w", "close cv", "close b", "close a", "finally"),
                Events.take());
    }

    @Test
    void tryWithResourcesClosesWhenTheBodyFailsAfterResuming() {
        Task<String> t = Flow.tryWithResources(CompletableFuture.completedFuture("a"), true);
        Later.runAll();
        IllegalStateException e = assertThrows(IllegalStateException.class, t::join);
        assertEquals("body", e.getMessage());
        assertEquals(List.of("open a", "open b", "body ab", "close b", "close a", "finally"), Events.take());
    }

    @Test
    void closeFailureIsSuppressedOntoTheBodyFailure() {
        RuntimeException onClose = new RuntimeException("close");
        RuntimeException body = new UnsupportedOperationException("body");
        Task<Void> t = Flow.tryWithResourcesCloseFails(onClose, body);
        Later.runAll();
        assertSame(body, assertThrows(UnsupportedOperationException.class, t::join));
        assertArrayEquals(new Throwable[] {onClose}, body.getSuppressed());
    }
}
