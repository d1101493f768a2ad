package dev.coda.samples;

import static dev.coda.Coda.await;

import dev.coda.Async;
import dev.coda.AsyncChannels;
import dev.coda.CoroutineProbe;
import dev.coda.AsyncCloseable;
import dev.coda.Coda;
import dev.coda.Owned;
import dev.coda.Task;
import dev.coda.TaskScope;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.channels.AsynchronousServerSocketChannel;
import java.nio.channels.AsynchronousSocketChannel;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CancellationException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A line echo server on {@link AsynchronousServerSocketChannel} (loopback), whose connection handlers own their
 * connection through an {@code @Owned} parameter. Dropping a {@link Connection} writes a goodbye line and then
 * closes the socket, so every client gets its goodbye however its handler ends: the client hung up, the handler
 * failed, or {@link #shutdown()} cancelled it. The accept loop holds the handlers in a {@link TaskScope}:
 * cancelling the loop unwinds it through the scope's close, which cancels every handler and waits for its cleanup,
 * so {@code shutdown()} completes only after every goodbye was written.
 *
 * <p>Every accept, read and write is an {@link AsyncChannels} task, a child of the function that awaits it, so a
 * cancellation reaches the operation itself, not only the function waiting for it: the cancelled accept closes the
 * listening socket, and a handler cancelled while it waits for the client's next line aborts its read by shutting
 * the connection's input down. On Linux and macOS the read ends there and then, instead of staying pending on a
 * socket nobody reads, and the output is still open for the goodbye. The {@link #events()} log records each aborted
 * read, before that connection's goodbye.
 */
public final class EchoServer {
    /** The line every client receives before its connection closes. */
    public static final String GOODBYE = "goodbye";

    private final AsynchronousServerSocketChannel server;
    /** Handlers whose body is still running. */
    private final AtomicInteger running = new AtomicInteger();
    /** Handlers whose read of the client's next line is under way. */
    private final AtomicInteger readsWaiting = new AtomicInteger();
    /** What the server did, in order, for the sample's output and the test. */
    private final List<String> events = Collections.synchronizedList(new ArrayList<>());
    private Task<Void> acceptLoop;

    private EchoServer(AsynchronousServerSocketChannel server) {
        this.server = server;
    }

    /** Starts a server on a free loopback port. */
    public static EchoServer start() throws IOException {
        AsynchronousServerSocketChannel channel = AsynchronousServerSocketChannel.open()
                .bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
        EchoServer s = new EchoServer(channel);
        s.acceptLoop = s.acceptAll().detach(); // a loop of its own, which only shutdown() ends
        return s;
    }

    public int port() throws IOException {
        return ((InetSocketAddress) server.getLocalAddress()).getPort();
    }

    /**
     * How many handlers wait for their client's next line: each has its read under way, which a shutdown aborts. A
     * client that has read its echo knows the bytes arrived, not that the handler has gone back to reading.
     */
    public int readsWaiting() {
        return readsWaiting.get();
    }

    public List<String> events() {
        synchronized (events) {
            return List.copyOf(events);
        }
    }

    @Async
    private Task<Void> acceptAll() {
        // Cancelled, this loop unwinds through the scope's close, which cancels the handlers and waits for them.
        try (TaskScope handlers = TaskScope.open()) {
            int n = 0;
            while (true) {
                Task<AsynchronousSocketChannel> accepting = AsyncChannels.accept(server);
                AsynchronousSocketChannel socket;
                try {
                    socket = await(accepting);
                } finally {
                    // Cancelled while pending (the loop was): its cancellation closed the listening socket.
                    if (accepting.isCancelled()) {
                        events.add("accept aborted" + aftermath(accepting, "listening socket closed"));
                    }
                }
                @Owned Connection c = new Connection("connection " + (++n), socket, events, readsWaiting);
                Connection handedOver = Coda.move(c); // the handler owns it now
                handlers.spawn(() -> handle(handedOver, running));
            }
        }
    }

    /** Echoes every line until the client hangs up; the connection is dropped (goodbye, close) on every exit. */
    @Async
    static Task<Void> handle(@Owned Connection c, AtomicInteger running) {
        running.incrementAndGet();
        c.events.add(c.name + " open");
        try {
            String line;
            while ((line = await(c.readLine())) != null) {
                await(c.write(line + "\n"));
            }
            c.events.add(c.name + " hung up");
        } catch (Exception e) {
            // This client's trouble is its own: a failed child would cancel its siblings (the scope fails fast).
            // A cancellation is not an Exception, so it is not caught here: it unwinds to the drop of c.
            c.events.add(c.name + " failed: " + e);
        } finally {
            running.decrementAndGet();
        }
        return Task.done();
    }

    /**
     * Cancels the accept loop and waits for it: it ends only after its scope has cancelled every handler and each has
     * dropped its connection, so every goodbye has been written when this completes. Returns how many handlers were
     * still running.
     */
    @Async
    public Task<Integer> shutdown() {
        events.add("shutdown requested");
        int cancelled = running.get();
        acceptLoop.cancel();
        try {
            await(acceptLoop);
        } catch (CancellationException e) {
            events.add("accept loop cancelled, its handlers with it");
        }
        try {
            server.close(); // closed already by the aborted accept, unless the loop ended otherwise
        } catch (IOException e) {
            events.add("closing the listening socket failed: " + e);
        }
        events.add("shutdown complete");
        return Task.completed(cancelled);
    }

    /**
     * For the log, what cancelling {@code operation}, an {@link AsyncChannels} task that ended cancelled, did to the
     * channel: {@code done}, or the failure raised doing it, which the task's {@link CancellationException} carries
     * as a suppressed exception.
     */
    static String aftermath(Task<?> operation, String done) {
        try {
            operation.join();
            return "";
        } catch (CancellationException e) {
            Throwable[] failures = e.getSuppressed();
            return failures.length == 0 ? ": " + done : ", but stopping it failed: " + failures[0];
        }
    }

    /** A client connection, read line by line. Its drop writes the goodbye line, then closes the socket. */
    static final class Connection implements AsyncCloseable {
        final String name;
        final List<String> events;
        private final AsynchronousSocketChannel socket;
        private final ByteBuffer input = ByteBuffer.allocate(1024);
        private final StringBuilder pending = new StringBuilder();
        private final AtomicBoolean closed = new AtomicBoolean();
        private final AtomicInteger readsWaiting;

        Connection(String name, AsynchronousSocketChannel socket, List<String> events, AtomicInteger readsWaiting) {
            this.name = name;
            this.socket = socket;
            this.events = events;
            this.readsWaiting = readsWaiting;
        }

        /**
         * The next line, without its end; null once the client has hung up. Cancelled while it waits for the client,
         * it aborts the pending read, whose cancellation shuts the input down, and logs "read aborted".
         */
        @Async
        Task<String> readLine() {
            while (true) {
                int end = pending.indexOf("\n");
                if (end >= 0) {
                    String line = pending.substring(0, end);
                    pending.delete(0, end + 1);
                    return Task.completed(line);
                }
                input.clear();
                Task<Integer> read = AsyncChannels.read(socket, input);
                readsWaiting.incrementAndGet();
                int count;
                try {
                    count = await(read);
                } finally {
                    readsWaiting.decrementAndGet();
                    // Cancelled while pending (the handler was): its cancellation shut the input down.
                    if (read.isCancelled()) events.add(name + " read aborted" + aftermath(read, "input shut down"));
                }
                if (count < 0) return Task.completed(null);
                input.flip();
                pending.append(StandardCharsets.UTF_8.decode(input));
            }
        }

        @Async
        Task<Void> write(String text) {
            ByteBuffer out = ByteBuffer.wrap(text.getBytes(StandardCharsets.UTF_8));
            while (out.hasRemaining()) {
                await(AsyncChannels.write(socket, out));
            }
            return Task.done();
        }

        /** Idempotent: the first call says goodbye and closes; later ones complete at once. */
        @Override
        public Task<Void> closeAsync() {
            return closed.compareAndSet(false, true) ? sayGoodbye() : Task.done();
        }

        @Async
        private Task<Void> sayGoodbye() {
            try {
                await(write(GOODBYE + "\n"));
                socket.shutdownOutput(); // the client reads the goodbye, then the end of the stream
                events.add(name + " said goodbye");
            } catch (IOException e) {
                events.add(name + " could not say goodbye: " + e);
            } finally {
                try {
                    socket.close();
                } catch (IOException e) {
                    events.add(name + " close failed: " + e);
                }
            }
            return Task.done();
        }
    }

    // ---- the sample -----------------------------------------------------------------------------------------

    /** Starts the server, talks to it from three clients, shuts it down mid-conversation, and prints what happened. */
    public static void run(PrintStream out) throws Exception {
        EchoServer s = start();
        List<Socket> clients = new ArrayList<>();
        try {
            for (int i = 1; i <= 3; i++) {
                Socket client = new Socket(InetAddress.getLoopbackAddress(), s.port());
                clients.add(client);
                PrintWriter w = new PrintWriter(client.getOutputStream(), true, StandardCharsets.UTF_8);
                BufferedReader r = new BufferedReader(new InputStreamReader(client.getInputStream(), StandardCharsets.UTF_8));
                w.println("hello from client " + i);
                out.println("client " + i + " got back: " + r.readLine());
            }
            // Run with -Dcoda.probe=true to see the live coroutines mid-conversation.
            if (CoroutineProbe.isEnabled()) out.print("live coroutines:\n" + CoroutineProbe.dump());
            int cancelled = s.shutdown().join();
            out.println("shutdown cancelled " + cancelled + " handlers");
            for (int i = 0; i < clients.size(); i++) {
                BufferedReader r = new BufferedReader(new InputStreamReader(clients.get(i).getInputStream(), StandardCharsets.UTF_8));
                out.println("client " + (i + 1) + " then got: " + r.readLine() + ", then " + (r.readLine() == null ? "end of stream" : "more"));
            }
            s.events().forEach(e -> out.println("  server: " + e));
        } finally {
            for (Socket c : clients) c.close();
        }
    }
}
