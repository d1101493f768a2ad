package dev.coda.tests.leaf;

import static dev.coda.Coda.await;

import dev.coda.AsyncChannels;
import dev.coda.Async;
import dev.coda.Task;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.channels.AsynchronousSocketChannel;

/** Async functions over real I/O, cancelled while it is in flight. */
public final class Exchanges {
    private Exchanges() {}

    /** A GET whose response future is awaited directly: cancelling this call aborts the exchange. */
    @Async
    public static Task<String> get(HttpClient client, URI uri) {
        HttpResponse<String> response = await(client.sendAsync(HttpRequest.newBuilder(uri).GET().build(),
                HttpResponse.BodyHandlers.ofString()));
        return Task.completed(response.body());
    }

    /** Owns {@code channel}: reads once, and closes the channel however the read ends. */
    @Async
    public static Task<Integer> readOnce(AsynchronousSocketChannel channel, ByteBuffer buffer) throws IOException {
        try (channel) {
            return Task.completed(await(AsyncChannels.read(channel, buffer)));
        }
    }
}
