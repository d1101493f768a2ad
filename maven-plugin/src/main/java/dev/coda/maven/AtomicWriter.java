package dev.coda.maven;

import java.io.IOException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

/**
 * Replaces files whole: the new content goes to a temporary file in the same directory, which is then moved over
 * the target, atomically where the file system can. A reader sees the old class or the new one, never a part.
 */
final class AtomicWriter {
    private AtomicWriter() {}

    static void write(Path target, byte[] bytes) throws IOException {
        Path directory = target.toAbsolutePath().getParent();
        Files.createDirectories(directory);
        // Named after the target's first characters only: a name near the file system's limit must not grow past it.
        String name = target.getFileName().toString();
        Path temp = Files.createTempFile(directory, "." + name.substring(0, Math.min(name.length(), 32)) + ".",
                ".coda-tmp");
        try {
            Files.write(temp, bytes);
            try {
                Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE);
            } catch (AtomicMoveNotSupportedException | FileAlreadyExistsException e) {
                Files.move(temp, target, StandardCopyOption.REPLACE_EXISTING);
            }
        } finally {
            Files.deleteIfExists(temp);
        }
    }
}
