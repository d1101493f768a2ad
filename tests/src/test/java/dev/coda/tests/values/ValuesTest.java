package dev.coda.tests.values;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.coda.Task;
import dev.coda.tests.support.Later;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Every value type across suspensions and below an await on the operand stack. */
class ValuesTest {
    @BeforeEach
    void reset() {
        Later.reset();
    }

    private static <T> T finish(Task<T> t) {
        assertFalse(t.isDone(), "the call suspended at least once");
        Later.runAll();
        return t.join();
    }

    @Test
    void primitiveLocalsOfEveryTypeSurviveSuspensions() {
        assertEquals("false|-127|65534|32766|-2147483647|9223372036854775806|NaN|-Infinity|1.4E-45|-Infinity|2",
                finish(Values.primitivesLive()));
    }

    @Test
    void awaitedValuesOfEveryPrimitiveTypeAreUnboxed() {
        CompletableFuture<Boolean> z = new CompletableFuture<>();
        CompletableFuture<Byte> b = new CompletableFuture<>();
        CompletableFuture<Character> c = new CompletableFuture<>();
        CompletableFuture<Short> s = new CompletableFuture<>();
        CompletableFuture<Integer> i = new CompletableFuture<>();
        CompletableFuture<Long> l = new CompletableFuture<>();
        CompletableFuture<Float> f = new CompletableFuture<>();
        CompletableFuture<Double> d = new CompletableFuture<>();
        Task<String> t = Values.awaitedPrimitives(z, b, c, s, i, l, f, d);
        // Complete out of order: the coroutine resumes only when the one it waits on completes.
        d.complete(Double.MAX_VALUE);
        l.complete(Long.MIN_VALUE);
        z.complete(true);
        b.complete((byte) -1);
        c.complete('é');
        s.complete(Short.MIN_VALUE);
        assertFalse(t.isDone());
        f.complete(-3.5f);
        assertFalse(t.isDone());
        i.complete(123);
        assertEquals("true|-1|é|-32768|123|-9223372036854775808|-3.5|1.7976931348623157E308", t.join());
    }

    @Test
    void referencesArraysAndNullKeepTheirIdentity() {
        int[] ints = {1};
        String[][] grid = {{"a"}, {"b"}};
        CompletableFuture<String[][]> g = new CompletableFuture<>();
        CompletableFuture<Object> maybeNull = new CompletableFuture<>();
        Task<Object[]> t = Values.references(ints, Task.from(g), maybeNull);
        g.complete(grid);
        maybeNull.complete(null);
        Object[] r = t.join();
        Object[] kept = (Object[]) r[0];
        assertSame(ints, kept[0]);
        assertEquals("x", kept[1]);
        assertSame(grid, r[1]);
        assertEquals("was null", grid[1][0]);
        assertNull(r[2]);
        assertNull(r[3]);
        assertSame(ints, r[4]);
        assertEquals(99, ints[0]);
    }

    @Test
    void valuesBelowAnAwaitAsEarlierCallArguments() {
        CompletableFuture<String> x = new CompletableFuture<>();
        CompletableFuture<Object> y = new CompletableFuture<>();
        Task<String> t = Values.callArguments(x, y);
        x.complete("X");
        assertFalse(t.isDone());
        y.complete(null);
        assertEquals("-3,1099511627776,X,2.25,q,null,true;sb:-3-mid-1099511627776", finish(t));
    }

    @Test
    void stringConcatenationAcrossAwaits() {
        CompletableFuture<Long> x = new CompletableFuture<>();
        CompletableFuture<Character> y = new CompletableFuture<>();
        Task<String> t = Values.concatenation(x, y);
        x.complete(-1L);
        y.complete('Y');
        assertEquals("b5s-6x-1f1.5yYzfalsennull", t.join());
    }

    @Test
    void arrayInitialisersWithAwaitedElements() {
        CompletableFuture<Long> x = new CompletableFuture<>();
        Task<String> t = Values.arrayInitialisers(x, Later.task("B"), Later.task(1.25));
        x.complete(2L);
        assertEquals("[10, 2, 11][[a, B], [B2], []][0.5, 1.25, 2.5]acc", finish(t));
    }

    @Test
    void constructorCallsWithAwaitedLaterArguments() {
        CompletableFuture<Object> o = new CompletableFuture<>();
        CompletableFuture<String> s = new CompletableFuture<>();
        Task<Values.Mixed> t = Values.constructors(o, s);
        o.complete("obj");
        s.complete("str");
        Values.Mixed outer = finish(t);
        Values.Mixed m = new Values.Mixed(7L, "obj", 0.125, "str");
        assertEquals(new Values.Mixed(8L, new Values.Mixed(7L, m, 3.0, "str"), 0.25, "str'"), outer);
    }

    @Test
    void ternariesWithAwaitsInConditionAndBranches() {
        CompletableFuture<Integer> x = new CompletableFuture<>();
        CompletableFuture<Integer> y = new CompletableFuture<>();
        CompletableFuture<Boolean> cond = new CompletableFuture<>();
        Task<String> t = Values.ternaries(true, x, y, cond);
        x.complete(5);
        cond.complete(false);
        y.complete(4);
        assertEquals("1005|no|4.5", t.join());
        assertEquals(0, Later.pending(), "the branch not taken never ran");

        Task<String> u = Values.ternaries(false, new CompletableFuture<>(), CompletableFuture.completedFuture(-2),
                CompletableFuture.completedFuture(true));
        assertEquals("998|yes-awaited|-0.5", finish(u));
    }

    @Test
    void narrowTypesWrapAfterRestore() {
        assertEquals("-128,-32768,0,44", finish(Values.narrowWrap()));
    }

    @Test
    void awaitedNullUnboxedIntoAPrimitiveFailsTheTaskWithNullPointerException() {
        CompletableFuture<Integer> f = new CompletableFuture<>();
        Task<Integer> t = Values.unboxNull(f);
        f.complete(null);
        assertThrows(NullPointerException.class, t::join);
    }

    @Test
    void valuesWhoseTypesMeetAtJoinsOfJdkAndModuleClasses() {
        CompletableFuture<String> x = new CompletableFuture<>();
        Task<String> dog = Hierarchy.merged(true, x);
        CompletableFuture<String> y = new CompletableFuture<>();
        Task<String> cat = Hierarchy.merged(false, y);
        x.complete("v");
        y.complete("w");
        assertEquals("ArrayList[v]iowoofDogwoofva", dog.join());
        assertEquals("LinkedList[w]sqlmeowCatmeowwb", cat.join());
    }
}
