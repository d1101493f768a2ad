package dev.coda.samples;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** {@code java -jar coda-samples.jar [name]}, through {@link Main#run}: the jar is built after the tests. */
@Timeout(120)
class MainTest {
    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final ByteArrayOutputStream err = new ByteArrayOutputStream();

    private int run(String... args) {
        return Main.run(args, new PrintStream(out, true, UTF_8), new PrintStream(err, true, UTF_8));
    }

    private String out() {
        return out.toString(UTF_8);
    }

    private String err() {
        return err.toString(UTF_8);
    }

    @Test
    void http() {
        assertEquals(0, run("http"), err());
        assertEquals("", err());
        assertTrue(out().startsWith("== http: "), out());
        assertTrue(out().contains("/hello         200"), out());
        assertTrue(out().contains("/missing       404"), out());
        assertTrue(out().contains("total: 5 responses"), out());
        assertTrue(!out().contains("== copy"), out());
    }

    @Test
    void copy() {
        assertEquals(0, run("copy"), err());
        assertEquals("", err());
        assertTrue(out().startsWith("== copy: "), out());
        assertTrue(out().contains("verified: sizes and checksums match"), out());
        assertTrue(out().contains("deleted "), out());
        assertTrue(!out().contains("== http"), out());
    }

    @Test
    void allWhenNoNameIsGiven() {
        assertEquals(List.of("http", "copy", "echo", "db"), Main.names());
        assertEquals(0, run(), err());
        assertEquals("", err());
        int http = out().indexOf("== http: ");
        int copy = out().indexOf("== copy: ");
        assertTrue(http == 0 && copy > http, out());
        assertTrue(out().indexOf("total: 5 responses") < copy, out());
        assertTrue(out().indexOf("verified: sizes and checksums match") > copy, out());
        int echo = out().indexOf("== echo: ");
        assertTrue(echo > copy, out());
        for (int i = 1; i <= 3; i++) {
            assertTrue(out().contains("client " + i + " got back: hello from client " + i), out());
            assertTrue(out().contains("client " + i + " then got: goodbye, then end of stream"), out());
        }
        assertTrue(out().contains("shutdown cancelled 3 handlers"), out());
        int db = out().indexOf("== db: ");
        assertTrue(db > echo, out());
        assertTrue(out().indexOf("pool: 4 of 4 connections idle") > db, out());
    }

    @Test
    void db() {
        assertEquals(0, run("db"), err());
        assertEquals("", err());
        assertTrue(out().startsWith("== db: "), out());
        assertTrue(out().contains("30 transfers between 5 accounts over 4 pooled connections"), out());
        assertTrue(out().contains("sum 5000 (5 x 1000 at the start)"), out());
        assertTrue(out().contains("pool: 4 of 4 connections idle"), out());
    }

    @Test
    void unknownNamePrintsUsageOnStderrAndExits2() {
        assertEquals(2, run("nope"));
        assertEquals("", out());
        assertTrue(err().startsWith("unknown sample: nope\nusage: java -jar coda-samples.jar [name...]\n"), err());
        assertTrue(err().contains("  http ") && err().contains("  copy "), err());
    }

    @Test
    void anUnknownNameAmongKnownOnesRunsNothing() {
        assertEquals(2, run("copy", "nope"));
        assertEquals("", out());
        assertTrue(err().startsWith("unknown sample: nope\n"), err());
    }

    @Test
    void helpPrintsUsageOnStdout() {
        assertEquals(0, run("--help"));
        assertTrue(out().startsWith("usage: "), out());
        assertEquals("", err());
    }
}
