package dev.coda.samples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(value = 30, unit = TimeUnit.SECONDS)
class EchoServerTest {
    private static final int CLIENTS = 5;

    @Test
    void shutdownMidConversationSaysGoodbyeToEveryClientBeforeItCompletes() throws Exception {
        EchoServer server = EchoServer.start();
        List<Socket> sockets = new ArrayList<>();
        List<BufferedReader> readers = new ArrayList<>();
        try {
            for (int i = 0; i < CLIENTS; i++) {
                Socket s = new Socket(InetAddress.getLoopbackAddress(), server.port());
                s.setSoTimeout(10_000);
                sockets.add(s);
                readers.add(new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.UTF_8)));
                OutputStream out = s.getOutputStream();
                out.write(("one " + i + "\ntwo " + i + "\n").getBytes(StandardCharsets.UTF_8));
                assertEquals("one " + i, readers.get(i).readLine());
                assertEquals("two " + i, readers.get(i).readLine());
                // Mid-conversation: the client stays connected, its handler waits for the next line.
            }
            // The echo reached each client before its handler went back to reading (the write's completion comes
            // after the bytes): a handler cancelled in between ends without a read to abort.
            while (server.readsWaiting() < CLIENTS) Thread.sleep(1);

            int cancelled = server.shutdown().join();

            assertEquals(CLIENTS, cancelled, "every handler was still running, and was cancelled");
            List<String> events = server.events();
            int complete = events.indexOf("shutdown complete");
            assertTrue(complete > 0, events.toString());
            int acceptAborted = events.indexOf("accept aborted: listening socket closed");
            assertTrue(acceptAborted > 0 && acceptAborted < complete, "the pending accept was aborted: " + events);
            for (int i = 1; i <= CLIENTS; i++) {
                int goodbye = events.indexOf("connection " + i + " said goodbye");
                assertTrue(goodbye >= 0 && goodbye < complete, "goodbye " + i + " before shutdown completed: " + events);
                // The handler was cancelled while it waited for the next line: its pending read was aborted, by
                // shutting the input down, before the drop of its connection wrote the goodbye.
                int readAborted = events.indexOf("connection " + i + " read aborted: input shut down");
                assertTrue(readAborted > acceptAborted && readAborted < goodbye,
                        "read " + i + " aborted before its goodbye: " + events);
            }
            for (int i = 0; i < CLIENTS; i++) {
                // Written before shutdown completed: already in the client's receive buffer.
                assertTrue(sockets.get(i).getInputStream().available() >= EchoServer.GOODBYE.length() + 1,
                        "client " + i + " has its goodbye waiting");
                assertEquals(EchoServer.GOODBYE, readers.get(i).readLine());
                assertNull(readers.get(i).readLine(), "then the server closed the connection");
            }
        } finally {
            for (Socket s : sockets) s.close();
        }
    }

    @Test
    void aClientThatHangsUpGetsItsGoodbyeAttemptAndTheHandlerEndsNormally() throws Exception {
        EchoServer server = EchoServer.start();
        try (Socket s = new Socket(InetAddress.getLoopbackAddress(), server.port())) {
            s.setSoTimeout(10_000);
            BufferedReader r = new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.UTF_8));
            s.getOutputStream().write("ping\n".getBytes(StandardCharsets.UTF_8));
            assertEquals("ping", r.readLine());
            s.shutdownOutput(); // the client is done talking
            assertEquals(EchoServer.GOODBYE, r.readLine());
            assertNull(r.readLine());
        }
        assertEquals(0, (int) server.shutdown().join(), "no handler was left to cancel");
        List<String> events = server.events();
        assertTrue(events.contains("connection 1 hung up"), events.toString());
        assertTrue(events.indexOf("connection 1 said goodbye") > events.indexOf("connection 1 hung up"), events.toString());
        // Its last read ended with the end of the stream: nothing was left to abort.
        assertTrue(events.stream().noneMatch(e -> e.startsWith("connection 1 read aborted")), events.toString());
    }
}
