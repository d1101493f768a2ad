package dev.coda.samples;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.coda.Task;
import dev.coda.samples.FileCopy.CopyStats;
import dev.coda.samples.FileCopy.Verified;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

@Timeout(60)
class FileCopyTest {
    private static final int SMALL_CHUNK = 4096;

    @TempDir Path dir;
    private ExecutorService io;

    @BeforeEach
    void startIo() {
        io = Pools.fixedPool("coda-file-io", 2);
    }

    @AfterEach
    void stopIo() {
        Pools.shutdown(io);
    }

    @Test
    void runCopiesVerifiesAndCleansUp() throws Exception {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        FileCopy.Result result = FileCopy.run(new PrintStream(bytes, true, UTF_8));
        Verified verified = result.verified();
        CopyStats stats = verified.stats();

        assertEquals(FileCopy.SOURCE_SIZE, result.sourceSize());
        assertEquals(FileCopy.SOURCE_SIZE, result.copySize());
        assertEquals(FileCopy.SOURCE_SIZE, stats.bytes());
        // The checksum of the bytes written, of the source as read back, and of the copy are one and the same.
        assertEquals(result.expectedSha256(), verified.sourceSha256());
        assertEquals(result.expectedSha256(), verified.copySha256());
        assertEquals(64, result.expectedSha256().length());

        int chunks = (FileCopy.SOURCE_SIZE + FileCopy.CHUNK_SIZE - 1) / FileCopy.CHUNK_SIZE;
        assertTrue(stats.reads() >= chunks + 1, "every chunk and the end of file were awaited: " + stats.reads());
        assertTrue(stats.writes() >= chunks, "every chunk was written: " + stats.writes());

        // Called on this thread, resumed on the I/O pool's threads.
        assertEquals(Thread.currentThread().getName(), verified.callerThread());
        assertTrue(stats.resumedOn().stream().anyMatch(t -> !t.equals(verified.callerThread())),
                "resumed on " + stats.resumedOn());
        assertTrue(stats.resumedOn().stream().anyMatch(t -> t.startsWith("coda-file-io-")),
                "an I/O completion resumes the copy on a thread of the channel's pool: " + stats.resumedOn());

        assertFalse(Files.exists(result.directory()), "the temporary files are deleted");
        String out = bytes.toString(UTF_8);
        assertTrue(out.contains("verified: sizes and checksums match"), out);
        assertTrue(out.contains(result.expectedSha256()), out);
        Threads.assertNoneAlive("coda-file-io-");
    }

    /** Sizes around the chunk boundaries, copied with 4 KiB chunks. */
    @ParameterizedTest
    @ValueSource(ints = {0, 1, SMALL_CHUNK - 1, SMALL_CHUNK, SMALL_CHUNK + 1, 3 * SMALL_CHUNK + 7})
    void copyIsExactAtEverySize(int size) throws Exception {
        Path source = dir.resolve("source.bin");
        Path target = dir.resolve("target.bin");
        String expected = FileCopy.writeSource(source, size);
        Files.writeString(target, "old content, longer than some of the sources ".repeat(50)); // truncated

        CopyStats stats = FileCopy.copy(source, target, io, SMALL_CHUNK).toCompletableFuture()
                .get(30, TimeUnit.SECONDS);

        assertEquals(size, stats.bytes());
        assertEquals(-1L, Files.mismatch(source, target));
        assertEquals((size + SMALL_CHUNK - 1) / SMALL_CHUNK + 1, stats.reads());
        assertEquals(expected, sha256Of(target));
        assertEquals(expected, FileCopy.sha256(target, io, SMALL_CHUNK).toCompletableFuture()
                .get(30, TimeUnit.SECONDS));
    }

    @Test
    void aMissingSourceFailsTheTaskNotTheCall() throws Exception {
        Path missing = dir.resolve("missing.bin");
        Task<CopyStats> task = FileCopy.copy(missing, dir.resolve("target.bin"), io, SMALL_CHUNK);

        assertTrue(task.isDone());
        ExecutionException e = assertThrows(ExecutionException.class,
                () -> task.toCompletableFuture().get(30, TimeUnit.SECONDS));
        UncheckedIOException unchecked = assertInstanceOf(UncheckedIOException.class, e.getCause());
        assertInstanceOf(NoSuchFileException.class, unchecked.getCause());
        assertThrows(UncheckedIOException.class, task::join);
    }

    /**
     * A directory opens but cannot be read: the read fails on the I/O pool, after the function suspended, and
     * {@code await} rethrows the {@code IOException} as the channel reported it, into the function's own catch.
     */
    @Test
    void aReadFailingAfterTheSuspensionReachesTheCatchInsideTheFunction() throws Exception {
        Path directory = Files.createDirectory(dir.resolve("a-directory"));
        Path target = dir.resolve("target.bin");
        CountDownLatch gate = new CountDownLatch(1);
        ExecutorService gated = gatedPool(gate);
        try {
            Task<CopyStats> task = FileCopy.copy(directory, target, gated, SMALL_CHUNK);
            assertFalse(task.isDone(), "the read waits behind the gate, so the first await suspends");
            gate.countDown();
            ExecutionException e = assertThrows(ExecutionException.class,
                    () -> task.toCompletableFuture().get(30, TimeUnit.SECONDS));
            UncheckedIOException unchecked = assertInstanceOf(UncheckedIOException.class, e.getCause());
            assertTrue(unchecked.getMessage().startsWith("copying " + directory + " to " + target + ": "),
                    unchecked.getMessage());
            assertEquals(IOException.class, unchecked.getCause().getClass(), "not wrapped on the way");
            assertEquals(0, Files.size(target), "created, nothing written");
        } finally {
            gate.countDown();
            Pools.shutdown(gated);
        }
    }

    @Test
    void copyAndVerifyAwaitsTwoChecksumsStartedTogether() throws Exception {
        Path source = dir.resolve("source.bin");
        Path target = dir.resolve("target.bin");
        String expected = FileCopy.writeSource(source, 300_000);

        CountDownLatch gate = new CountDownLatch(1);
        ExecutorService gated = gatedPool(gate);
        Verified verified;
        try {
            Task<Verified> task = FileCopy.copyAndVerify(source, target, gated);
            assertFalse(task.isDone(), "the first read waits behind the gate, so the call returns a pending task");
            gate.countDown();
            verified = task.toCompletableFuture().get(30, TimeUnit.SECONDS);
        } finally {
            gate.countDown();
            Pools.shutdown(gated);
        }

        assertEquals(expected, verified.sourceSha256());
        assertEquals(expected, verified.copySha256());
        assertEquals(300_000, Files.size(target));
    }

    /** A one-thread I/O pool that runs nothing until {@code gate} opens (at most ten seconds). */
    private static ExecutorService gatedPool(CountDownLatch gate) {
        ExecutorService pool = Pools.fixedPool("coda-gated-io", 1);
        pool.execute(() -> {
            try {
                gate.await(10, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        return pool;
    }

    private static String sha256Of(Path file) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(file)));
    }
}
