package dev.coda.transformer.constructs;

import static dev.coda.transformer.constructs.Driver.*;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.coda.Task;
import dev.coda.transformer.support.Instrumented;
import org.junit.jupiter.api.Test;

/** try-with-resources over ordinary (synchronous) AutoCloseables, with awaits in headers and bodies. */
class TryWithResourcesTest {
    static final String RES = """
            static final class Res implements AutoCloseable {
                final String name; final RuntimeException onClose;
                Res(String name) { this(name, null); }
                Res(String name, RuntimeException onClose) { this.name = name; this.onClose = onClose; log("open " + name); }
                public void close() { log("close " + name); if (onClose != null) throw onClose; }
            }
            """;

    @Test
    void singleResourceClosedAfterAwaitingBody() throws Throwable {
        Instrumented code = program("One", RES + """
                @Async public static Task<String> go() {
                    try (Res r = new Res("a")) {
                        String v = await(later("x"));
                        log("body " + r.name + v);
                        return Task.completed(v + r.name);
                    }
                }
                """);
        assertEquals("xa", drive(code, "One", "go"));
        assertLog("open a", "body ax", "close a");
    }

    @Test
    void twoResourcesClosedInReverseOrder() throws Throwable {
        Instrumented code = program("Two", RES + """
                @Async public static Task<Integer> go() {
                    int n;
                    try (Res a = new Res("a"); Res b = new Res("b" + await(later(1)))) {
                        n = await(later(2));
                        log("body");
                    }
                    log("after");
                    return Task.completed(n);
                }
                """);
        assertEquals(2, (int) drive(code, "Two", "go"));
        assertLog("open a", "open b1", "body", "close b1", "close a", "after");
    }

    @Test
    void nestedTryWithResourcesAwaitAtEveryLevel() throws Throwable {
        Instrumented code = program("NestedTwr", RES + """
                @Async public static Task<String> go() {
                    StringBuilder sb = new StringBuilder();
                    try (Res outer = new Res("outer")) {
                        sb.append(await(later("1")));
                        try (Res inner = new Res("inner")) {
                            sb.append(await(later("2")));
                            try (Res innermost = new Res(await(later("deep")))) {
                                sb.append(await(later("3")));
                            }
                            sb.append(await(later("4")));
                        }
                        sb.append(await(later("5")));
                    }
                    return Task.completed(sb.toString());
                }
                """);
        assertEquals("12345", drive(code, "NestedTwr", "go"));
        assertLog("open outer", "open inner", "open deep", "close deep", "close inner", "close outer");
    }

    @Test
    void awaitedFailureInBodyClosesResourceAndPropagates() throws Throwable {
        Instrumented code = program("BodyFails", RES + """
                @Async public static Task<String> go(RuntimeException e) {
                    try (Res r = new Res("r")) {
                        await(failLater(e));
                        return Task.completed("no");
                    }
                }
                """);
        IllegalStateException e = new IllegalStateException("body");
        assertSame(e, driveToFailure(code, "BodyFails", "go", e));
        assertLog("open r", "close r");
        assertEquals(0, e.getSuppressed().length);
    }

    @Test
    void closeFailureIsSuppressedOntoBodyFailure() throws Throwable {
        Instrumented code = program("BothFail", RES + """
                @Async public static Task<String> go(RuntimeException body, RuntimeException close1, RuntimeException close2) {
                    try (Res a = new Res("a", close1); Res b = new Res("b", close2)) {
                        await(later(0));
                        throw body;
                    }
                }
                """);
        IllegalStateException body = new IllegalStateException("body");
        RuntimeException c1 = new RuntimeException("close a");
        RuntimeException c2 = new RuntimeException("close b");
        assertSame(body, driveToFailure(code, "BothFail", "go", body, c1, c2));
        assertEquals(2, body.getSuppressed().length);
        assertSame(c2, body.getSuppressed()[0]);
        assertSame(c1, body.getSuppressed()[1]);
        assertLog("open a", "open b", "close b", "close a");
    }

    @Test
    void closeFailureAloneBecomesTheFailure() throws Throwable {
        Instrumented code = program("CloseFails", RES + """
                @Async public static Task<String> go(RuntimeException onClose) {
                    try (Res a = new Res("a", onClose)) {
                        log("got " + await(later("v")));
                    }
                    return Task.completed("no");
                }
                """);
        UnsupportedOperationException e = new UnsupportedOperationException("close");
        assertSame(e, driveToFailure(code, "CloseFails", "go", e));
        assertLog("open a", "got v", "close a");
    }

    @Test
    void resourceInitialiserIsAnAwaitInsideAConstructorCall() throws Throwable {
        Instrumented code = program("InitAwait", RES + """
                @Async public static Task<String> go(String prefix) {
                    try (Res r = new Res(prefix + await(later("-res")))) {
                        return Task.completed(r.name);
                    }
                }
                """);
        assertEquals("my-res", drive(code, "InitAwait", "go", "my"));
        assertLog("open my-res", "close my-res");
    }

    @Test
    void nullResourceIsNotClosed() throws Throwable {
        Instrumented code = program("NullRes", RES + """
                @Async public static Task<String> go() {
                    try (Res r = null) {
                        return Task.completed("null? " + (r == null) + " " + await(later(1)));
                    }
                }
                """);
        assertEquals("null? true 1", drive(code, "NullRes", "go"));
        assertLog();
    }

    @Test
    void existingEffectivelyFinalVariableAsResource() throws Throwable {
        Instrumented code = program("Java9Twr", RES + """
                @Async public static Task<Integer> go() {
                    Res r = new Res(await(later("pre")));
                    try (r) {
                        log("in " + await(later(5)));
                    }
                    log("closed? yes");
                    return Task.completed(r.name.length());
                }
                """);
        assertEquals(3, (int) drive(code, "Java9Twr", "go"));
        assertLog("open pre", "in 5", "close pre", "closed? yes");
    }

    @Test
    void twrWithCatchAndFinallyOrder() throws Throwable {
        Instrumented code = program("TwrCatch", RES + """
                @Async public static Task<String> go() {
                    try (Res r = new Res("r")) {
                        await(failLater(new IllegalArgumentException("bad")));
                        return Task.completed("no");
                    } catch (IllegalArgumentException e) {
                        log("catch " + e.getMessage() + " " + await(later("c")));
                        return Task.completed("caught");
                    } finally {
                        log("finally " + await(later("f")));
                    }
                }
                """);
        Task<String> t = start(code, "TwrCatch", "go");
        assertTrue(step());
        assertFalse(t.isDone());
        assertEquals(2, run());
        assertEquals("caught", t.join());
        assertLog("open r", "close r", "catch bad c", "finally f");
    }

    @Test
    void failingResourceInitialiserClosesEarlierResources() throws Throwable {
        Instrumented code = program("InitFails", RES + """
                @Async public static Task<String> go() {
                    try (Res a = new Res("a"); Res b = new Res(await(failLater(new IllegalStateException("no b"))))) {
                        return Task.completed("body");
                    }
                }
                """);
        Throwable t = driveToFailure(code, "InitFails", "go");
        assertInstanceOf(IllegalStateException.class, t);
        assertEquals("no b", t.getMessage());
        assertLog("open a", "close a");
    }
}
