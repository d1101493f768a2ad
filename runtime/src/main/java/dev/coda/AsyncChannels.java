package dev.coda;

import java.io.IOException;
import java.net.SocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.AsynchronousChannel;
import java.nio.channels.AsynchronousFileChannel;
import java.nio.channels.AsynchronousServerSocketChannel;
import java.nio.channels.AsynchronousSocketChannel;
import java.nio.channels.CompletionHandler;
import java.util.function.Consumer;

/**
 * NIO's asynchronous channel operations as tasks, to {@code await} without writing a {@link CompletionHandler}.
 * Each returns a {@link CompletableTask} (so, inside an async function, a child of it) that completes as the operation
 * does; an exception thrown when the operation is started (a read already pending, a channel not connected) fails
 * the task rather than being thrown here.
 *
 * <p>Cancelling the task, which an async function cancelled while awaiting it does, stops the operation the way NIO
 * allows: NIO cannot take back a started operation, only close its channel. So:
 * <ul>
 *   <li>a socket <b>read</b> shuts the connection's input down: on Linux and macOS the pending read ends at once,
 *       and the channel stays open for writing, so cleanup can still send its last words (a goodbye, an error
 *       status). Where the platform leaves the read pending, it ends when the channel is closed; until then the
 *       buffer belongs to NIO;</li>
 *   <li>a socket <b>write</b> or <b>connect</b> closes the socket: a write cut short leaves the stream in no state
 *       to go on;</li>
 *   <li>an <b>accept</b> closes the listening channel;</li>
 *   <li>a file <b>read</b> or <b>write</b> closes the file channel.</li>
 * </ul>
 * A failure to close or shut down is suppressed onto the task's {@link java.util.concurrent.CancellationException}.
 * Closing a channel is the owner's job in every other case: a cancelled read leaves the socket open.
 */
public final class AsyncChannels {
    private AsyncChannels() {}

    /**
     * Accepts a connection. Cancelling the task closes {@code server}; a connection accepted at the same moment, too
     * late for the cancelled task, is closed.
     *
     * @param server the listening channel
     * @return a task whose value is the accepted connection; closing it is the receiver's job
     */
    public static Task<AsynchronousSocketChannel> accept(AsynchronousServerSocketChannel server) {
        return started(task -> server.accept(null, new CompletionHandler<AsynchronousSocketChannel, Void>() {
            @Override
            public void completed(AsynchronousSocketChannel accepted, Void attachment) {
                if (!task.complete(accepted)) closeQuietly(accepted); // nobody will own it
            }

            @Override
            public void failed(Throwable error, Void attachment) {
                task.completeExceptionally(error);
            }
        }), () -> close(server));
    }

    /**
     * Connects {@code channel} to {@code remote}. Cancelling the task closes the channel.
     *
     * @param channel the socket to connect
     * @param remote the address to connect it to
     * @return a task that succeeds, with no value, once the channel is connected
     */
    public static Task<Void> connect(AsynchronousSocketChannel channel, SocketAddress remote) {
        return started(task -> channel.connect(remote, null, task), () -> close(channel));
    }

    /**
     * Reads into {@code buffer}, as one {@link AsynchronousSocketChannel#read(ByteBuffer, Object, CompletionHandler)
     * read} of the channel does. Cancelling the task shuts the channel's input down (see the class comment).
     *
     * @param channel a connected socket
     * @param buffer where the bytes go; it belongs to the operation until the task completes
     * @return a task whose value is the number of bytes read, or -1 at the end of the stream
     */
    public static Task<Integer> read(AsynchronousSocketChannel channel, ByteBuffer buffer) {
        return started(task -> channel.read(buffer, null, task), () -> {
            try {
                channel.shutdownInput();
            } catch (IOException e) {
                throw Sneaky.<RuntimeException>rethrow(e);
            }
        });
    }

    /**
     * Writes from {@code buffer}, as one {@link AsynchronousSocketChannel#write(ByteBuffer, Object, CompletionHandler)
     * write} of the channel does: it may write fewer bytes than remain. Cancelling the task closes the channel.
     *
     * @param channel a connected socket
     * @param buffer the bytes to write; it belongs to the operation until the task completes
     * @return a task whose value is the number of bytes written
     */
    public static Task<Integer> write(AsynchronousSocketChannel channel, ByteBuffer buffer) {
        return started(task -> channel.write(buffer, null, task), () -> close(channel));
    }

    /**
     * Reads into {@code buffer} from file position {@code position}, as one
     * {@link AsynchronousFileChannel#read(ByteBuffer, long, Object, CompletionHandler) read} of the channel does.
     * Cancelling the task closes the channel.
     *
     * @param channel an open file channel
     * @param buffer where the bytes go; it belongs to the operation until the task completes
     * @param position the file position to read from
     * @return a task whose value is the number of bytes read, or -1 if {@code position} is at or past the end of
     *     the file
     */
    public static Task<Integer> read(AsynchronousFileChannel channel, ByteBuffer buffer, long position) {
        return started(task -> channel.read(buffer, position, null, task), () -> close(channel));
    }

    /**
     * Writes from {@code buffer} at file position {@code position}, as one
     * {@link AsynchronousFileChannel#write(ByteBuffer, long, Object, CompletionHandler) write} of the channel does: it
     * may write fewer bytes than remain. Cancelling the task closes the channel.
     *
     * @param channel a file channel open for writing
     * @param buffer the bytes to write; it belongs to the operation until the task completes
     * @param position the file position to write at
     * @return a task whose value is the number of bytes written
     */
    public static Task<Integer> write(AsynchronousFileChannel channel, ByteBuffer buffer, long position) {
        return started(task -> channel.write(buffer, position, null, task), () -> close(channel));
    }

    /**
     * A task for an operation that {@code operation} starts, completing {@code task}, with {@code onCancel} as what
     * cancelling it does. What starting throws fails the task.
     */
    private static <T> Task<T> started(Consumer<CompletableTask<T>> operation, Runnable onCancel) {
        CompletableTask<T> task = new CompletableTask<>();
        try {
            operation.accept(task);
        } catch (RuntimeException e) {
            task.completeExceptionally(e);
        }
        return task.onCancel(onCancel);
    }

    private static void close(AsynchronousChannel channel) {
        try {
            channel.close();
        } catch (IOException e) {
            throw Sneaky.<RuntimeException>rethrow(e);
        }
    }

    private static void closeQuietly(AsynchronousChannel channel) {
        try {
            channel.close();
        } catch (IOException e) {
            // A connection nobody asked for any more, closed on its way in: there is no one to tell.
        }
    }
}
