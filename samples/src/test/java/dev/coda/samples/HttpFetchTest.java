package dev.coda.samples;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.coda.Coda;
import dev.coda.Task;
import dev.coda.samples.HttpFetch.Fetched;
import dev.coda.samples.HttpFetch.Summary;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(60)
class HttpFetchTest {

    @Test
    void runFetchesEveryPathConcurrentlyAndStopsEverything() throws Exception {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        HttpFetch.Result result = HttpFetch.run(new PrintStream(bytes, true, UTF_8));
        Summary summary = result.summary();
        List<Fetched> fetched = summary.fetched();

        assertEquals(HttpFetch.PATHS, fetched.stream().map(Fetched::path).collect(Collectors.toList()));
        assertEquals(List.of(200, 200, 200, 200, 404),
                fetched.stream().map(Fetched::status).collect(Collectors.toList()));
        assertEquals(List.of("slept 400 ms before answering", "hello from coda", "slept 250 ms before answering",
                        HttpFetch.Server.LOREM, "no such path: /missing"),
                fetched.stream().map(Fetched::body).collect(Collectors.toList()));
        assertEquals("Lorem ipsum dolor sit", fetched.get(3).firstWords(4));

        // All requests were started before the first await: the server saw them overlap.
        assertTrue(result.serverMaxConcurrency() >= 2,
                "server-side concurrency was " + result.serverMaxConcurrency());
        assertTrue(summary.elapsedMillis() >= 400, "the 400 ms response was awaited: " + summary.elapsedMillis());

        // The call ran on this thread until the first (slowest) response, then returned a pending task; the
        // function resumed on the thread that completed that response.
        assertTrue(result.pendingOnReturn());
        assertEquals(Thread.currentThread().getName(), summary.callerThread());
        assertFalse(fetched.get(0).inBeforeAwait(), "the 400 ms response cannot be in when first awaited");
        assertNotEquals(summary.callerThread(), fetched.get(0).resumedOn());
        assertTrue(fetched.stream().anyMatch(f -> !f.resumedOn().equals(summary.callerThread())));

        String out = bytes.toString(UTF_8);
        for (String path : HttpFetch.PATHS) assertTrue(out.contains(path), out);
        assertTrue(out.contains("hello from coda"), out);
        assertTrue(out.contains("total: 5 responses, " + summary.totalBytes() + " bytes"), out);

        // The trickled body was cut short by the 300 ms timeout, and the server saw its exchange aborted: at most
        // about a second after the timeout (the server's clock starts when the request comes in, after the client's).
        HttpFetch.Bounded trickle = result.trickle();
        assertTrue(trickle.timedOut(), "the 5 s body cannot arrive within 300 ms");
        assertTrue(trickle.elapsedMillis() >= 300 && trickle.elapsedMillis() < 2_000,
                "timed out after " + trickle.elapsedMillis() + " ms");
        HttpFetch.Server.Abort abort = result.abort();
        assertNotNull(abort, "the server saw the exchange aborted");
        assertEquals(HttpFetch.TRICKLE_PATH, abort.path());
        assertTrue(abort.afterMillis() <= trickle.elapsedMillis() + 1_000,
                "aborted " + abort.afterMillis() + " ms into the request, timed out after " + trickle.elapsedMillis());
        assertTrue(abort.chunksWritten() < HttpFetch.Server.TRICKLE_CHUNKS, "cut short: " + abort);
        assertTrue(out.contains("timed out after " + trickle.elapsedMillis() + " ms; the server saw the exchange "
                + "aborted after " + abort.afterMillis() + " ms"), out);

        // The server is stopped and every thread the sample started has ended.
        assertThrows(ConnectException.class, () -> {
            try (Socket socket = new Socket()) {
                socket.connect(new InetSocketAddress("127.0.0.1", result.base().getPort()), 2_000);
            }
        });
        Threads.assertNoneAlive("coda-http-server-", "coda-http-client-", "HTTP-Dispatcher");
    }

    @Test
    void fetchAllRunsOnTheCallerUntilItsFirstSuspension() throws Exception {
        ExecutorService clientThreads = Pools.fixedPool("coda-http-client", 2);
        try (HttpFetch.Server server = HttpFetch.Server.start()) {
            HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                    .connectTimeout(Duration.ofSeconds(10)).executor(clientThreads).build();
            String caller = Thread.currentThread().getName();

            Task<Summary> task = HttpFetch.fetchAll(client, server.base(), List.of("/slow?ms=300", "/slow?ms=300"));
            assertFalse(task.isDone(), "the function suspends at the first response");
            Summary summary = task.toCompletableFuture().get(30, TimeUnit.SECONDS);

            assertEquals(caller, summary.callerThread());
            assertEquals(List.of("slept 300 ms before answering", "slept 300 ms before answering"),
                    summary.fetched().stream().map(Fetched::body).collect(Collectors.toList()));
            assertNotEquals(caller, summary.fetched().get(0).resumedOn());
            assertEquals(2, server.maxConcurrency(), "both requests were on the server at once");
            assertEquals(58, summary.totalBytes());
        } finally {
            Pools.shutdown(clientThreads);
        }
    }

    /**
     * The future of {@code sendAsync}, awaited directly by {@code fetchOne}, belongs to it: the timeout cancels
     * {@code fetchOne}, which cancels the future, and the client drops the connection. The server, writing a chunk
     * every 50 ms, sees its next write fail.
     */
    @Test
    void aTimeoutAbortsTheSlowExchangeAndTheServerSeesIt() throws Exception {
        ExecutorService clientThreads = Pools.fixedPool("coda-http-client", 2);
        try (HttpFetch.Server server = HttpFetch.Server.start()) {
            HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                    .connectTimeout(Duration.ofSeconds(10)).executor(clientThreads).build();
            URI uri = server.base().resolve(HttpFetch.TRICKLE_PATH);

            long start = System.nanoTime();
            Task<HttpResponse<String>> task =
                    Coda.timeout(Duration.ofMillis(300), () -> HttpFetch.fetchOne(client, uri));
            ExecutionException e = assertThrows(ExecutionException.class,
                    () -> task.toCompletableFuture().get(10, TimeUnit.SECONDS));
            long timedOutAt = System.nanoTime();
            assertInstanceOf(TimeoutException.class, e.getCause());
            long timedOutAfter = TimeUnit.NANOSECONDS.toMillis(timedOutAt - start);
            assertTrue(timedOutAfter >= 300 && timedOutAfter < 2_000, "timed out after " + timedOutAfter + " ms");

            HttpFetch.Server.Abort abort = server.awaitAbort(5, TimeUnit.SECONDS);
            assertNotNull(abort, "the server saw no aborted exchange within 5 s");
            long abortAfterStart = TimeUnit.NANOSECONDS.toMillis(abort.seenAtNanos() - start);
            long abortAfterTimeout = TimeUnit.NANOSECONDS.toMillis(abort.seenAtNanos() - timedOutAt);
            assertTrue(abortAfterStart >= 300, "not before the timeout cancelled the exchange: " + abortAfterStart);
            assertTrue(abortAfterTimeout <= 1_000, "the server saw the abort " + abortAfterTimeout
                    + " ms after the timeout");
            assertTrue(abort.chunksWritten() < HttpFetch.Server.TRICKLE_CHUNKS, abort.toString());
            assertEquals(1, server.aborts().size(), server.aborts().toString());
        } finally {
            Pools.shutdown(clientThreads);
        }
    }

    @Test
    void fetchWithinReturnsTheResponseWhenItComesInTime() throws Exception {
        ExecutorService clientThreads = Pools.fixedPool("coda-http-client", 2);
        try (HttpFetch.Server server = HttpFetch.Server.start()) {
            HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                    .connectTimeout(Duration.ofSeconds(10)).executor(clientThreads).build();
            HttpFetch.Bounded bounded = HttpFetch.fetchWithin(client, server.base().resolve("/hello"),
                    Duration.ofSeconds(10)).toCompletableFuture().get(30, TimeUnit.SECONDS);
            assertFalse(bounded.timedOut());
            assertEquals("hello from coda", bounded.response().body());
            assertEquals(List.of(), server.aborts(), "nothing was aborted");
        } finally {
            Pools.shutdown(clientThreads);
        }
    }

    @Test
    void fetchAllOfNothingCompletesAtOnceOnTheCaller() throws IOException {
        HttpClient client = HttpClient.newBuilder().build();
        Task<Summary> task = HttpFetch.fetchAll(client, java.net.URI.create("http://127.0.0.1:9/"), List.of());
        assertTrue(task.isDone(), "no await suspends, so the task is complete when the call returns");
        assertEquals(List.of(), task.join().fetched());
    }
}
