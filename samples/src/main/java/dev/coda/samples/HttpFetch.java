package dev.coda.samples;

import static java.nio.charset.StandardCharsets.UTF_8;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.coda.Async;
import dev.coda.Coda;
import dev.coda.Task;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Fetches several URLs concurrently: an {@code @Async} function starts every request with
 * {@link HttpClient#sendAsync}, then awaits each response in turn. No thread blocks while the requests are in
 * flight. The function resumes on the thread that completes the awaited response: the JDK's {@code HttpClient}
 * completes the futures of {@code sendAsync} from {@code CompletableFuture}'s default async pool (the common
 * {@code ForkJoinPool}, or a new thread per task on a machine where its parallelism is 1). A response that is already
 * in when it is awaited is taken without suspending.
 *
 * <p>Then a time limit cuts a slow request short: {@link #fetchWithin} awaits {@link #fetchOne} under
 * {@code Coda.timeout}. {@code fetchOne} awaits the future of {@code sendAsync} directly, so that future belongs to
 * it: when the timeout cancels {@code fetchOne}, the future is cancelled ({@code cancel(true)}) and the
 * {@code HttpClient} aborts the exchange, closing its connection: no request is left running that nobody waits for.
 *
 * <p>The URLs are served by an embedded {@link HttpServer} on 127.0.0.1 and an ephemeral port; some paths answer
 * after an artificial delay, {@value #TRICKLE_PATH} trickles its body for five seconds, and the server counts how
 * many requests it is handling at once and reports every exchange whose client went away before the end.
 */
public final class HttpFetch {
    private HttpFetch() {}

    /** The paths the sample fetches. The slowest comes first, so the first await really suspends. */
    public static final List<String> PATHS = List.of("/slow?ms=400", "/hello", "/slow?ms=250", "/lorem", "/missing");

    /** The path whose body takes five seconds to arrive, a small chunk at a time. */
    public static final String TRICKLE_PATH = "/trickle";
    /** The sample's time limit for {@link #TRICKLE_PATH}. */
    public static final Duration TRICKLE_LIMIT = Duration.ofMillis(300);

    static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(10);
    static final long SAMPLE_TIMEOUT_SECONDS = 30;
    /** How long the sample waits for the server to notice an aborted exchange. */
    static final long ABORT_WAIT_SECONDS = 5;

    /**
     * One response: the path asked for, its status and body, whether the response was already in when the function
     * awaited it (then the await did not suspend), and the thread the function ran on after that await.
     */
    public record Fetched(String path, int status, String body, boolean inBeforeAwait, String resumedOn) {
        /** The first {@code n} words of the body. */
        public String firstWords(int n) {
            String[] words = body.trim().split("\\s+", n + 1);
            return String.join(" ", List.of(words).subList(0, Math.min(n, words.length)));
        }
    }

    /** What {@link #fetchAll} returns: every response in the order asked, the caller's thread and the time taken. */
    public record Summary(List<Fetched> fetched, String callerThread, long elapsedMillis) {
        public long totalBytes() {
            return fetched.stream().mapToLong(f -> f.body().getBytes(UTF_8).length).sum();
        }
    }

    /** What {@link #fetchWithin} got: the response, or null if the time limit passed first; and the time taken. */
    public record Bounded(HttpResponse<String> response, long elapsedMillis) {
        public boolean timedOut() {
            return response == null;
        }
    }

    // ---- the async function ------------------------------------------------------------------------------------

    /**
     * Starts a GET for every path at once, then awaits the responses one by one. Runs on the caller's thread until
     * the first response that is not in yet; from there on it runs on whichever thread completes each response.
     */
    @Async
    public static Task<Summary> fetchAll(HttpClient client, URI base, List<String> paths) {
        String caller = Thread.currentThread().getName();
        long start = System.nanoTime();

        List<CompletableFuture<HttpResponse<String>>> inFlight = new ArrayList<>();
        for (String path : paths) {
            HttpRequest request = HttpRequest.newBuilder(base.resolve(path)).timeout(REQUEST_TIMEOUT).GET().build();
            inFlight.add(client.sendAsync(request, HttpResponse.BodyHandlers.ofString()));
        }

        List<Fetched> fetched = new ArrayList<>();
        for (int i = 0; i < paths.size(); i++) {
            CompletableFuture<HttpResponse<String>> next = inFlight.get(i);
            boolean inBeforeAwait = next.isDone(); // then the await takes the value without suspending
            HttpResponse<String> response = Coda.await(next);
            fetched.add(new Fetched(paths.get(i), response.statusCode(), response.body(), inBeforeAwait,
                    Thread.currentThread().getName()));
        }
        long elapsedMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
        return Task.completed(new Summary(List.copyOf(fetched), caller, elapsedMillis));
    }

    /**
     * One GET. The future of {@code sendAsync} is awaited directly, so it belongs to this call: cancelling the call
     * while it waits cancels the future, and the {@code HttpClient} aborts the exchange. ({@code Task.from(future)}
     * would be a shared view instead, which leaves the future alone.)
     */
    @Async
    public static Task<HttpResponse<String>> fetchOne(HttpClient client, URI uri) {
        HttpRequest request = HttpRequest.newBuilder(uri).timeout(REQUEST_TIMEOUT).GET().build();
        return Task.completed(Coda.await(client.sendAsync(request, HttpResponse.BodyHandlers.ofString())));
    }

    /**
     * {@link #fetchOne} with a time limit: if {@code limit} passes first, {@code Coda.timeout} cancels the fetch,
     * which aborts its exchange, and fails with {@code TimeoutException} once that is done.
     */
    @Async
    public static Task<Bounded> fetchWithin(HttpClient client, URI uri, Duration limit) {
        long start = System.nanoTime();
        try {
            HttpResponse<String> response = Coda.await(Coda.timeout(limit, () -> fetchOne(client, uri)));
            return Task.completed(new Bounded(response, TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start)));
        } catch (Exception e) {
            // TimeoutException is checked, and await does not declare it: only a catch of Exception sees it.
            if (!(e instanceof TimeoutException)) throw e;
            return Task.completed(new Bounded(null, TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start)));
        }
    }

    // ---- running the sample -------------------------------------------------------------------------------------

    /**
     * What {@link #run} observed: the summary, whether the call returned a pending task, the server's peak load; then
     * the request to {@link #TRICKLE_PATH} under {@link #TRICKLE_LIMIT}, and the abort the server saw (null if it saw
     * none within {@link #ABORT_WAIT_SECONDS}).
     */
    public record Result(Summary summary, boolean pendingOnReturn, int serverMaxConcurrency, URI base,
                         Bounded trickle, Server.Abort abort) {}

    /** Starts the server and a client, fetches {@link #PATHS}, prints what happened, and stops everything. */
    public static Result run(PrintStream out) throws Exception {
        ExecutorService clientThreads = Pools.fixedPool("coda-http-client", 2);
        try (Server server = Server.start()) {
            HttpClient client = HttpClient.newBuilder()
                    .version(HttpClient.Version.HTTP_1_1)
                    .connectTimeout(REQUEST_TIMEOUT)
                    .executor(clientThreads)
                    .build();
            out.println("server listening on " + server.base());
            out.println("fetching " + PATHS.size() + " paths concurrently from thread "
                    + Thread.currentThread().getName());

            Task<Summary> task = fetchAll(client, server.base(), PATHS);
            boolean pending = !task.isDone();
            out.println("fetchAll returned " + (pending ? "a pending task" : "a completed task") + "; waiting for it");
            Summary summary = task.toCompletableFuture().get(SAMPLE_TIMEOUT_SECONDS, TimeUnit.SECONDS);

            for (Fetched f : summary.fetched()) {
                out.printf("  %-14s %d %5d bytes  %-28s %s%n", f.path(), f.status(),
                        f.body().getBytes(UTF_8).length, quoteStart(f.body(), f.firstWords(4)),
                        f.inBeforeAwait() ? "already in: no suspension, still on " + f.resumedOn()
                                : "awaited: suspended, resumed on " + f.resumedOn());
            }
            int maxConcurrency = server.maxConcurrency();
            out.printf("total: %d responses, %d bytes in %d ms; the server handled up to %d requests at once%n",
                    summary.fetched().size(), summary.totalBytes(), summary.elapsedMillis(), maxConcurrency);

            out.printf("fetching %s, a body trickled over %d s, with a %d ms timeout%n", TRICKLE_PATH,
                    Server.TRICKLE_CHUNKS * Server.TRICKLE_INTERVAL_MILLIS / 1000, TRICKLE_LIMIT.toMillis());
            Bounded trickle = fetchWithin(client, server.base().resolve(TRICKLE_PATH), TRICKLE_LIMIT)
                    .toCompletableFuture().get(SAMPLE_TIMEOUT_SECONDS, TimeUnit.SECONDS);
            if (!trickle.timedOut()) {
                throw new IllegalStateException("the trickled body arrived within " + TRICKLE_LIMIT.toMillis() + " ms");
            }
            // The client dropped the connection; the server notices at its next write, within a chunk or two.
            Server.Abort abort = server.awaitAbort(ABORT_WAIT_SECONDS, TimeUnit.SECONDS);
            out.printf("  timed out after %d ms; ", trickle.elapsedMillis());
            if (abort == null) {
                out.printf("the server saw no aborted exchange within %d s%n", ABORT_WAIT_SECONDS);
            } else {
                out.printf("the server saw the exchange aborted after %d ms, %d of %d chunks written%n",
                        abort.afterMillis(), abort.chunksWritten(), Server.TRICKLE_CHUNKS);
                out.println("  (its next write failed: " + abort.error() + ")");
            }
            return new Result(summary, pending, maxConcurrency, server.base(), trickle, abort);
        } finally {
            Pools.shutdown(clientThreads);
        }
    }

    private static String quoteStart(String body, String start) {
        return '"' + start + (start.length() < body.trim().length() ? "...\"" : "\"");
    }

    // ---- the embedded server ------------------------------------------------------------------------------------

    /** An HTTP server on 127.0.0.1 and a port the OS picks; {@link #close()} stops it and its threads. */
    public static final class Server implements AutoCloseable {
        /** The body of {@code /lorem}: a few kilobytes of text. */
        static final String LOREM = ("Lorem ipsum dolor sit amet, consectetur adipiscing elit, sed do eiusmod tempor "
                + "incididunt ut labore et dolore magna aliqua. ").repeat(40);
        static final int MAX_DELAY_MILLIS = 5_000;
        /** {@value HttpFetch#TRICKLE_PATH} writes this many chunks, one every {@link #TRICKLE_INTERVAL_MILLIS}. */
        static final int TRICKLE_CHUNKS = 100;
        static final int TRICKLE_INTERVAL_MILLIS = 50;

        private final HttpServer server;
        private final ExecutorService threads;
        private final AtomicInteger inFlight = new AtomicInteger();
        private final AtomicInteger maxInFlight = new AtomicInteger();
        private final List<Abort> aborts = new CopyOnWriteArrayList<>();
        private final CountDownLatch firstAbort = new CountDownLatch(1);

        /**
         * An exchange whose client went away before the body was written: how long after the request came in the
         * server noticed ({@link System#nanoTime()} then, too), how many chunks it had written, what the write threw.
         */
        public record Abort(String path, long afterMillis, long seenAtNanos, int chunksWritten, String error) {}

        private Server(HttpServer server, ExecutorService threads) {
            this.server = server;
            this.threads = threads;
        }

        public static Server start() throws IOException {
            InetAddress loopback = InetAddress.getByAddress(new byte[] {127, 0, 0, 1});
            HttpServer http = HttpServer.create(new InetSocketAddress(loopback, 0), 0);
            ExecutorService threads = Pools.fixedPool("coda-http-server", 8);
            Server server = new Server(http, threads);
            http.createContext("/", server::handle);
            http.setExecutor(threads);
            http.start();
            return server;
        }

        public URI base() {
            InetSocketAddress address = server.getAddress();
            return URI.create("http://127.0.0.1:" + address.getPort() + "/");
        }

        /** The most requests the server was handling at the same time. */
        public int maxConcurrency() {
            return maxInFlight.get();
        }

        /** The exchanges whose client went away before their end, in the order the server noticed. */
        public List<Abort> aborts() {
            return List.copyOf(aborts);
        }

        /** Waits, at most {@code timeout}, for the first aborted exchange; null if there was none by then. */
        public Abort awaitAbort(long timeout, TimeUnit unit) throws InterruptedException {
            return firstAbort.await(timeout, unit) ? aborts.get(0) : null;
        }

        private void handle(HttpExchange exchange) throws IOException {
            long start = System.nanoTime();
            maxInFlight.accumulateAndGet(inFlight.incrementAndGet(), Math::max);
            try {
                int status = 200;
                String body;
                String path = exchange.getRequestURI().getPath();
                String query = exchange.getRequestURI().getQuery();
                if (path.equals(TRICKLE_PATH)) {
                    trickle(exchange, start);
                    return;
                }
                switch (path) {
                    case "/hello":
                        body = "hello from coda";
                        break;
                    case "/slow":
                        int millis = delayOf(query);
                        Thread.sleep(millis); // the artificial delay, on a server thread
                        body = "slept " + millis + " ms before answering";
                        break;
                    case "/lorem":
                        body = LOREM;
                        break;
                    default:
                        status = 404;
                        body = "no such path: " + path;
                }
                byte[] bytes = body.getBytes(UTF_8);
                exchange.getResponseHeaders().set("Content-Type", "text/plain; charset=utf-8");
                exchange.sendResponseHeaders(status, bytes.length);
                exchange.getResponseBody().write(bytes);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } finally {
                inFlight.decrementAndGet();
                exchange.close();
            }
        }

        /**
         * A chunked body ({@code sendResponseHeaders(200, 0)}), a short line every {@link #TRICKLE_INTERVAL_MILLIS},
         * each flushed to the client. A client that closes the connection makes a write or flush fail: that abort
         * is recorded, with the time since the request came in.
         */
        private void trickle(HttpExchange exchange, long start) throws InterruptedException {
            int written = 0;
            try {
                exchange.getResponseHeaders().set("Content-Type", "text/plain; charset=utf-8");
                exchange.sendResponseHeaders(200, 0);
                OutputStream body = exchange.getResponseBody();
                for (; written < TRICKLE_CHUNKS; written++) {
                    body.write(("chunk " + written + "\n").getBytes(UTF_8));
                    body.flush();
                    Thread.sleep(TRICKLE_INTERVAL_MILLIS);
                }
                body.close();
            } catch (IOException e) {
                long now = System.nanoTime();
                aborts.add(new Abort(TRICKLE_PATH, TimeUnit.NANOSECONDS.toMillis(now - start), now, written,
                        e.toString()));
                firstAbort.countDown();
            }
        }

        private static int delayOf(String query) {
            if (query != null && query.startsWith("ms=")) {
                try {
                    return Math.max(0, Math.min(MAX_DELAY_MILLIS, Integer.parseInt(query.substring(3))));
                } catch (NumberFormatException e) {
                    // fall through to the default
                }
            }
            return 100;
        }

        @Override
        public void close() {
            server.stop(0);
            Pools.shutdown(threads);
        }
    }
}
