package dev.spool.graph.internal;

import dev.spool.graph.io.FileWriteException;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Writes a whole file or nothing: the bytes go to a temporary sibling that is synced and then
 * renamed over the target, so a failure never leaves a partial or truncated output. A symbolic link
 * is followed (its target is replaced, the link stays); a special file that exists (a FIFO, a
 * character device such as {@code /dev/null}) is written directly, never replaced by a regular file.
 * Every error is a {@link FileWriteException} whose message names the caller's path and the reason,
 * never the temporary file.
 *
 * <pre>{@code
 * AtomicWrite.checkWritable(Path.of("metrics.json"));   // before hours of work
 * AtomicWrite.write(Path.of("metrics.json"), json.getBytes(UTF_8));
 * }</pre>
 */
public final class AtomicWrite {
    /** How many links deep a chain of symbolic links may be (Linux's limit). */
    private static final int MAX_LINKS = 40;

    private AtomicWrite() {
    }

    /** Writes {@code bytes} to {@code file}, whole or not at all. */
    public static void write(Path file, byte[] bytes) throws IOException {
        Path target = target(file);
        if (isSpecial(target)) {
            try (FileChannel ch = FileChannel.open(target, StandardOpenOption.WRITE)) {
                writeAll(ch, bytes);
            } catch (IOException e) {
                throw failure(file, target, e);
            }
            return;
        }
        checkReplaceable(file, target);
        Path tmp = temporarySibling(target);
        try {
            try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
                writeAll(ch, bytes);
                ch.force(true); // so a crash after the rename cannot expose an empty file
            }
            keepPermissions(target, tmp);
            Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException | RuntimeException | Error e) {
            try {
                Files.deleteIfExists(tmp);
            } catch (IOException suppressed) {
                e.addSuppressed(suppressed);
            }
            if (e instanceof IOException io) {
                throw failure(file, target, io);
            }
            throw e;
        }
    }

    /**
     * Fails now, with the reason {@link #write} would fail later, when {@code file} cannot be
     * written: the directory is missing or refuses new files (checked by creating and deleting a
     * probe there, so places like {@code /proc} or a read-only mount are caught), the file is a
     * directory or read-only, or a special file cannot be opened for writing.
     */
    public static void checkWritable(Path file) throws IOException {
        Path target = target(file);
        if (isSpecial(target)) {
            if (!Files.isWritable(target)) {
                throw new FileWriteException(file, "permission denied", null);
            }
            return;
        }
        checkReplaceable(file, target);
        Path probe = temporarySibling(target);
        try {
            Files.newByteChannel(probe, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE).close();
        } catch (IOException e) {
            throw failure(file, target, e);
        }
        Files.deleteIfExists(probe);
    }

    /** The file a write to {@code file} changes: {@code file} with symbolic links followed (also dangling ones). */
    public static Path target(Path file) throws IOException {
        Path p = file.toAbsolutePath();
        for (int i = 0; Files.isSymbolicLink(p); i++) {
            if (i == MAX_LINKS) {
                throw new FileWriteException(file, "too many levels of symbolic links", null);
            }
            p = p.resolveSibling(Files.readSymbolicLink(p));
        }
        return p.normalize();
    }

    /** An existing file that is neither a regular file nor a directory: a FIFO, a device, a socket. */
    private static boolean isSpecial(Path target) {
        return Files.exists(target) && !Files.isRegularFile(target) && !Files.isDirectory(target);
    }

    private static void checkReplaceable(Path file, Path target) throws IOException {
        Path dir = target.getParent();
        if (dir == null || !Files.isDirectory(dir)) {
            throw new FileWriteException(file, "directory " + dir + " does not exist", null);
        }
        if (Files.isDirectory(target)) {
            throw new FileWriteException(file, "it is a directory", null);
        }
        if (Files.exists(target, LinkOption.NOFOLLOW_LINKS) && !Files.isWritable(target)) {
            throw new FileWriteException(file, "the file is read-only", null);
        }
    }

    // Not Files.createTempFile: that creates the file owner-only (0600), which the rename would keep.
    private static Path temporarySibling(Path target) {
        return target.resolveSibling("." + target.getFileName() + "." + Long.toHexString(ThreadLocalRandom.current().nextLong()) + ".tmp");
    }

    private static void writeAll(FileChannel ch, byte[] bytes) throws IOException {
        ByteBuffer b = ByteBuffer.wrap(bytes);
        while (b.hasRemaining()) {
            ch.write(b);
        }
    }

    /** A replaced file keeps its permissions (a group-readable model stays group-readable). */
    private static void keepPermissions(Path target, Path tmp) throws IOException {
        if (Files.exists(target)) {
            try {
                Files.setPosixFilePermissions(tmp, Files.getPosixFilePermissions(target));
            } catch (UnsupportedOperationException notPosix) {
                // Windows: the new file has the directory's default permissions.
            }
        }
    }

    /** The same failure, phrased with the caller's path: {@code cannot write out.json: No space left on device}. */
    private static FileWriteException failure(Path file, Path target, IOException e) {
        String reason;
        if (e instanceof AccessDeniedException) {
            reason = "permission denied";
        } else if (e instanceof NoSuchFileException) {
            reason = "cannot create files in " + target.getParent();
        } else if (e instanceof FileSystemException fs && fs.getReason() != null) {
            reason = fs.getReason();
        } else {
            reason = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
        }
        return new FileWriteException(file, reason, e);
    }
}
