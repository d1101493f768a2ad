package dev.coda.samples;

import static java.nio.file.StandardOpenOption.CREATE;
import static java.nio.file.StandardOpenOption.READ;
import static java.nio.file.StandardOpenOption.TRUNCATE_EXISTING;
import static java.nio.file.StandardOpenOption.WRITE;

import dev.coda.Async;
import dev.coda.AsyncChannels;
import dev.coda.Coda;
import dev.coda.Task;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.AsynchronousFileChannel;
import java.nio.file.Files;
import java.nio.file.OpenOption;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.LinkedHashSet;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

/**
 * Copies a file chunk by chunk over {@link AsynchronousFileChannel}, awaiting every read and every write, then
 * verifies the copy by size and SHA-256, the two checksums also computed by async functions, at the same time.
 *
 * <p>{@link AsyncChannels#read(AsynchronousFileChannel, ByteBuffer, long)} and
 * {@link AsyncChannels#write(AsynchronousFileChannel, ByteBuffer, long)} start the channel's operation and return it
 * as a task, a child of the function that started it: no {@code CompletionHandler} to write. A function cancelled
 * while it awaits an operation cancels the operation's task, which closes the channel: NIO has no other way to stop
 * a file read or write.
 */
public final class FileCopy {
    private FileCopy() {}

    /** Bytes per read. */
    public static final int CHUNK_SIZE = 64 * 1024;
    /** The size of the sample's source file: 4 MiB and a bit, so the last chunk is a short one. */
    public static final int SOURCE_SIZE = 4 * 1024 * 1024 + 12_345;

    static final long SAMPLE_TIMEOUT_SECONDS = 60;

    /** What {@link #copy} did: bytes copied, reads and writes awaited, and the threads it resumed on. */
    public record CopyStats(long bytes, int reads, int writes, Set<String> resumedOn) {}

    /** What {@link #copyAndVerify} found: the copy's statistics and both checksums. */
    public record Verified(CopyStats stats, String sourceSha256, String copySha256, String callerThread,
                           long elapsedMillis) {}

    // ---- the async functions ------------------------------------------------------------------------------------

    /**
     * Copies {@code source} to {@code target} (created or truncated). Two buffers make a pipeline: the read of the
     * next chunk is started before the writes of the current one are awaited.
     */
    @Async
    public static Task<CopyStats> copy(Path source, Path target, ExecutorService io, int chunkSize) {
        Set<String> resumedOn = new LinkedHashSet<>();
        int reads = 0;
        int writes = 0;
        long written = 0;
        try (AsynchronousFileChannel in = open(source, io, READ);
             AsynchronousFileChannel out = open(target, io, WRITE, CREATE, TRUNCATE_EXISTING)) {
            ByteBuffer current = ByteBuffer.allocateDirect(chunkSize);
            ByteBuffer next = ByteBuffer.allocateDirect(chunkSize);
            long readPosition = 0;
            Task<Integer> reading = AsyncChannels.read(in, current, readPosition);
            while (true) {
                int count = Coda.await(reading);
                reads++;
                resumedOn.add(Thread.currentThread().getName());
                if (count < 0) break; // end of file
                readPosition += count;
                current.flip();
                next.clear();
                reading = AsyncChannels.read(in, next, readPosition); // overlaps the writes below
                while (current.hasRemaining()) {        // a write may take only part of the buffer
                    written += Coda.await(AsyncChannels.write(out, current, written));
                    writes++;
                    resumedOn.add(Thread.currentThread().getName());
                }
                ByteBuffer swap = current;
                current = next;
                next = swap;
            }
        } catch (IOException e) { // also a failed read or write: await rethrows it as the channel reported it
            throw new UncheckedIOException("copying " + source + " to " + target + ": " + e, e);
        }
        return Task.completed(new CopyStats(written, reads, writes, resumedOn));
    }

    /** The SHA-256 of {@code file}, as lowercase hex, reading it chunk by chunk. */
    @Async
    public static Task<String> sha256(Path file, ExecutorService io, int chunkSize) {
        MessageDigest digest = sha256();
        try (AsynchronousFileChannel in = open(file, io, READ)) {
            ByteBuffer buffer = ByteBuffer.allocateDirect(chunkSize);
            long position = 0;
            int count;
            while ((count = Coda.await(AsyncChannels.read(in, buffer.clear(), position))) >= 0) {
                digest.update(buffer.flip());
                position += count;
            }
        } catch (IOException e) {
            throw new UncheckedIOException("reading " + file + ": " + e, e);
        }
        return Task.completed(HexFormat.of().formatHex(digest.digest()));
    }

    /** Copies, then checksums source and copy concurrently: two async calls started before either is awaited. */
    @Async
    public static Task<Verified> copyAndVerify(Path source, Path target, ExecutorService io) {
        String caller = Thread.currentThread().getName();
        long start = System.nanoTime();
        CopyStats stats = Coda.await(copy(source, target, io, CHUNK_SIZE));
        Task<String> sourceSum = sha256(source, io, CHUNK_SIZE);
        Task<String> copySum = sha256(target, io, CHUNK_SIZE);
        String sourceSha = Coda.await(sourceSum);
        String copySha = Coda.await(copySum);
        long elapsedMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
        return Task.completed(new Verified(stats, sourceSha, copySha, caller, elapsedMillis));
    }

    // ---- running the sample -------------------------------------------------------------------------------------

    /** What {@link #run} observed, after it deleted its temporary directory. */
    public record Result(Path directory, long sourceSize, long copySize, String expectedSha256, Verified verified) {}

    /**
     * Writes a source file of {@link #SOURCE_SIZE} pseudo-random bytes (fixed seed) into a new temporary
     * directory, copies and verifies it, prints what happened and deletes the directory.
     */
    public static Result run(PrintStream out) throws Exception {
        ExecutorService io = Pools.fixedPool("coda-file-io", 2);
        Path directory = Files.createTempDirectory("coda-copy-");
        Path source = directory.resolve("source.bin");
        Path target = directory.resolve("copy.bin");
        try {
            String expected = writeSource(source, SOURCE_SIZE);
            out.printf("wrote %s: %,d bytes, sha256 %s%n", source, Files.size(source), expected);

            Task<Verified> task = copyAndVerify(source, target, io);
            out.println("copyAndVerify returned " + (task.isDone() ? "a completed task" : "a pending task")
                    + "; waiting for it");
            Verified verified = task.toCompletableFuture().get(SAMPLE_TIMEOUT_SECONDS, TimeUnit.SECONDS);
            CopyStats stats = verified.stats();
            long sourceSize = Files.size(source);
            long copySize = Files.size(target);

            out.printf("copied %,d bytes to %s: %d reads and %d writes of up to %d KiB, each awaited%n",
                    stats.bytes(), target, stats.reads(), stats.writes(), CHUNK_SIZE / 1024);
            out.printf("called on %s; resumed on %s%n", verified.callerThread(),
                    stats.resumedOn().stream().sorted().collect(Collectors.joining(", ")));
            out.printf("source: %,d bytes, sha256 %s%n", sourceSize, verified.sourceSha256());
            out.printf("copy:   %,d bytes, sha256 %s%n", copySize, verified.copySha256());
            boolean same = sourceSize == copySize && expected.equals(verified.sourceSha256())
                    && verified.sourceSha256().equals(verified.copySha256());
            if (!same) throw new IllegalStateException("the copy differs from the source");
            out.printf("verified: sizes and checksums match (%d ms)%n", verified.elapsedMillis());
            return new Result(directory, sourceSize, copySize, expected, verified);
        } finally {
            Files.deleteIfExists(target);
            Files.deleteIfExists(source);
            Files.deleteIfExists(directory);
            out.println("deleted " + directory);
            Pools.shutdown(io);
        }
    }

    /** Writes {@code size} bytes from a fixed-seed generator to {@code file}; returns their SHA-256. */
    static String writeSource(Path file, int size) throws IOException {
        MessageDigest digest = sha256();
        SplittableRandom random = new SplittableRandom(20_261_121L);
        byte[] block = new byte[8192];
        try (OutputStream stream = Files.newOutputStream(file)) {
            for (int left = size; left > 0; left -= block.length) {
                for (int i = 0; i < block.length; i += 8) {
                    long bits = random.nextLong();
                    for (int b = 0; b < 8; b++) block[i + b] = (byte) (bits >>> (8 * b));
                }
                int n = Math.min(left, block.length);
                stream.write(block, 0, n);
                digest.update(block, 0, n);
            }
        }
        return HexFormat.of().formatHex(digest.digest());
    }

    private static AsynchronousFileChannel open(Path file, ExecutorService io, OpenOption... options)
            throws IOException {
        return AsynchronousFileChannel.open(file, Set.of(options), io);
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JDK has SHA-256", e);
        }
    }
}
