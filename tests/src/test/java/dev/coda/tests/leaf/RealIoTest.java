package dev.coda.tests.leaf;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.management.UnixOperatingSystemMXBean;
import com.sun.net.httpserver.HttpServer;
import dev.coda.Coda;
import dev.coda.Task;
import java.io.IOException;
import java.io.OutputStream;
import java.lang.management.ManagementFactory;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.nio.ByteBuffer;
import java.nio.channels.AsynchronousChannelGroup;
import java.nio.channels.AsynchronousServerSocketChannel;
import java.nio.channels.AsynchronousSocketChannel;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Cancellation reaching real I/O: an HTTP exchange, and socket reads. */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class RealIoTest {

    /**
     * A server that trickles a 5 s body; the client's await is cut by a 1 s timeout. The exchange's future was
     * awaited directly, so the timeout cancels it, and the client drops the connection: the server's next write fails.
     * One exchange runs to its end first, so that the client's first use (class loading, a connection) is not what
     * the timeout cuts, and the test checks that the request had reached the server when the timeout came.
     */
    @Test
    void aTimeoutAbortsTheHttpExchangeItInterrupts() throws Exception {
        CountDownLatch serverReached = new CountDownLatch(1);
        CountDownLatch serverSawAbort = new CountDownLatch(1);
        AtomicLong abortedAtNanos = new AtomicLong();
        ExecutorService serverThreads = Executors.newFixedThreadPool(2);
        HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.setExecutor(serverThreads);
        server.createContext("/ok", exchange -> {
            exchange.sendResponseHeaders(200, 2);
            try (OutputStream body = exchange.getResponseBody()) {
                body.write("ok".getBytes());
            }
        });
        server.createContext("/trickle", exchange -> {
            serverReached.countDown();
            exchange.sendResponseHeaders(200, 0); // chunked
            try (OutputStream body = exchange.getResponseBody()) {
                for (int i = 0; i < 100; i++) { // 100 x 50 ms: 5 s
                    body.write(("chunk " + i + "\n").getBytes());
                    body.flush();
                    Thread.sleep(50);
                }
            } catch (IOException aborted) {
                abortedAtNanos.set(System.nanoTime());
                serverSawAbort.countDown();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        server.start();
        ExecutorService clientThreads = Executors.newFixedThreadPool(2);
        try {
            HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).executor(clientThreads)
                    .build();
            String base = "http://127.0.0.1:" + server.getAddress().getPort();
            assertEquals("ok", Exchanges.get(client, URI.create(base + "/ok")).join());
            URI uri = URI.create(base + "/trickle");
            long start = System.nanoTime();
            Task<String> t = Coda.timeout(Duration.ofMillis(1_000), () -> Exchanges.get(client, uri));
            CompletionException e = org.junit.jupiter.api.Assertions.assertThrows(CompletionException.class, t::join);
            assertTrue(e.getCause() instanceof TimeoutException, e.toString());
            long timedOutMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
            assertTrue(timedOutMillis < 3_000, "timed out after " + timedOutMillis + " ms");
            assertEquals(0, serverReached.getCount(), "the request had not reached the server when the timeout came");

            assertTrue(serverSawAbort.await(3, TimeUnit.SECONDS), "the server never saw the exchange aborted");
            long abortMillis = TimeUnit.NANOSECONDS.toMillis(abortedAtNanos.get() - start);
            assertTrue(abortMillis < 2_000, "the server saw the connection go " + abortMillis
                    + " ms after the request started: the 1 s timeout plus at most a second");
        } finally {
            server.stop(0);
            serverThreads.shutdownNow();
            clientThreads.shutdownNow();
        }
    }

    /**
     * 10,000 reads on loopback connections whose peer never writes, each cancelled: every read ends, every channel is
     * closed by its owner, and the process's open file descriptors stay flat.
     */
    @Test
    void cancelledSocketReadsLeaveNoDescriptorBehind() throws Exception {
        UnixOperatingSystemMXBean os = (UnixOperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
        AsynchronousChannelGroup group = AsynchronousChannelGroup.withFixedThreadPool(2, Executors.defaultThreadFactory());
        try (AsynchronousServerSocketChannel server = AsynchronousServerSocketChannel.open(group)
                .bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0))) {
            round(server, group); // warm up: the group's and the JDK's own descriptors are open from here on
            long before = os.getOpenFileDescriptorCount();
            int rounds = 10_000;
            List<AsynchronousSocketChannel> channels = new ArrayList<>();
            for (int i = 0; i < rounds; i++) {
                AsynchronousSocketChannel c = round(server, group);
                if (i % 1000 == 0) channels.add(c);
            }
            long after = os.getOpenFileDescriptorCount();
            for (AsynchronousSocketChannel c : channels) assertFalse(c.isOpen(), "closed by its owner");
            assertTrue(after - before <= 16, "open descriptors went from " + before + " to " + after);
        } finally {
            group.shutdownNow();
            group.awaitTermination(10, TimeUnit.SECONDS);
        }
    }

    /** One connection: the client reads, the read is cancelled, both ends are closed. Returns the client channel. */
    private static AsynchronousSocketChannel round(AsynchronousServerSocketChannel server, AsynchronousChannelGroup group)
            throws Exception {
        AsynchronousSocketChannel client = AsynchronousSocketChannel.open(group);
        client.connect(server.getLocalAddress()).get(10, TimeUnit.SECONDS);
        try (AsynchronousSocketChannel accepted = server.accept().get(10, TimeUnit.SECONDS)) {
            Task<Integer> read = Exchanges.readOnce(client, ByteBuffer.allocate(16));
            assertFalse(read.isDone(), "the peer never writes");
            assertTrue(read.cancel());
            assertTrue(read.isCancelled());
            assertFalse(client.isOpen());
        }
        return client;
    }
}
