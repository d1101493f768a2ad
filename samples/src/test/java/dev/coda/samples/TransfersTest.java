package dev.coda.samples;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.coda.samples.Transfers.Outcome;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(60)
class TransfersTest {

    @Test
    void runRollsBackTheFailedAndCancelledTransfersAndReturnsEveryConnection() throws Exception {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        Transfers.Result result = Transfers.run(new PrintStream(bytes, true, UTF_8));

        // Transfers 1, 6, 11... fail; 3, 10, 17, 24 stall and time out; the others commit.
        assertEquals(Transfers.TRANSFERS, result.outcomes().size());
        assertEquals(6, result.count(Outcome.FAILED));
        assertEquals(4, result.count(Outcome.TIMED_OUT));
        assertEquals(20, result.count(Outcome.COMMITTED));
        assertEquals(Transfers.ACCOUNTS * Transfers.INITIAL_BALANCE, result.sum());
        assertEquals(Transfers.CONNECTIONS, result.connections());
        assertEquals(result.connections(), result.idleConnections());

        String out = bytes.toString(UTF_8);
        assertTrue(out.contains("committed:   20"), out);
        assertTrue(out.contains("rolled back: 6 after a failure mid-transaction, 4 cancelled mid-transaction by a 200 ms timeout"), out);
        assertTrue(out.contains("sum 5000 (5 x 1000 at the start)"), out);
        assertTrue(out.contains("pool: 4 of 4 connections idle"), out);
        Threads.assertNoneAlive("coda-db-");
    }
}
