package dev.spool.graph.internal;

import dev.spool.graph.io.FileWriteException;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/** {@link AtomicWrite}: whole files or nothing, links followed, special files kept, errors naming the caller's path. */
class AtomicWriteTest {
    @TempDir
    Path dir;

    private static final byte[] DATA = "new".getBytes(StandardCharsets.UTF_8);

    @Test
    void aDirectoryThatRefusesNewFilesIsCaughtUpFrontAndNamedAsGiven() {
        assumeTrue(Files.isDirectory(Path.of("/proc")), "needs Linux /proc");
        Path file = Path.of("/proc/x.spool");
        FileWriteException e = assertThrows(FileWriteException.class, () -> AtomicWrite.checkWritable(file));
        assertTrue(e.getMessage().startsWith("cannot write /proc/x.spool: "), e.getMessage());
        assertFalse(e.getMessage().contains(".tmp"), e.getMessage());
        FileWriteException w = assertThrows(FileWriteException.class, () -> AtomicWrite.write(file, DATA));
        assertTrue(w.getMessage().startsWith("cannot write /proc/x.spool: "), w.getMessage());
        assertFalse(w.getMessage().contains(".tmp"), w.getMessage());
    }

    @Test
    void aMissingDirectoryIsNamed() {
        Path file = dir.resolve("missing/x.json");
        FileWriteException e = assertThrows(FileWriteException.class, () -> AtomicWrite.checkWritable(file));
        assertEquals("cannot write " + file + ": directory " + file.getParent() + " does not exist", e.getMessage());
    }

    @Test
    void aDirectoryIsNotAFile() {
        FileWriteException e = assertThrows(FileWriteException.class, () -> AtomicWrite.write(dir, DATA));
        assertEquals("cannot write " + dir + ": it is a directory", e.getMessage());
    }

    @Test
    void theCheckLeavesNothingBehind() throws IOException {
        AtomicWrite.checkWritable(dir.resolve("out.json"));
        try (Stream<Path> files = Files.list(dir)) {
            assertEquals(List.of(), files.toList());
        }
    }

    @Test
    void aSymbolicLinkIsFollowedAndKept() throws IOException {
        Path real = Files.writeString(dir.resolve("real.bin"), "old");
        Path link = Files.createSymbolicLink(dir.resolve("link.bin"), Path.of("real.bin"));
        AtomicWrite.write(link, DATA);
        assertTrue(Files.isSymbolicLink(link));
        assertArrayEquals(DATA, Files.readAllBytes(real));
    }

    @Test
    void aDanglingSymbolicLinkCreatesItsTarget() throws IOException {
        Path link = Files.createSymbolicLink(dir.resolve("link.bin"), dir.resolve("later.bin"));
        AtomicWrite.write(link, DATA);
        assertTrue(Files.isSymbolicLink(link));
        assertArrayEquals(DATA, Files.readAllBytes(dir.resolve("later.bin")));
    }

    @Test
    void aCharacterDeviceIsWrittenNotReplaced() throws IOException {
        Path devNull = Path.of("/dev/null");
        assumeTrue(Files.exists(devNull) && !Files.isRegularFile(devNull), "needs /dev/null");
        AtomicWrite.checkWritable(devNull);
        AtomicWrite.write(devNull, DATA);
        assertFalse(Files.isRegularFile(devNull));
    }

    @Test
    void aFifoIsWrittenNotReplaced() throws Exception {
        Path fifo = dir.resolve("pipe");
        assumeTrue(mkfifo(fifo), "needs mkfifo");
        CompletableFuture<byte[]> read = CompletableFuture.supplyAsync(() -> {
            try (InputStream in = Files.newInputStream(fifo)) {
                return in.readAllBytes();
            } catch (IOException e) {
                throw new RuntimeException(e);
            }
        });
        AtomicWrite.write(fifo, DATA);
        assertArrayEquals(DATA, read.get(10, TimeUnit.SECONDS));
        assertFalse(Files.isRegularFile(fifo), "still a FIFO");
    }

    @Test
    void aReplacedFileKeepsItsPermissions() throws IOException {
        Path file = Files.writeString(dir.resolve("m.spool"), "old");
        Files.setPosixFilePermissions(file, java.nio.file.attribute.PosixFilePermissions.fromString("rw-r-----"));
        AtomicWrite.write(file, DATA);
        assertEquals("rw-r-----", java.nio.file.attribute.PosixFilePermissions.toString(Files.getPosixFilePermissions(file)));
    }

    private static boolean mkfifo(Path p) {
        try {
            return new ProcessBuilder("mkfifo", p.toString()).start().waitFor() == 0;
        } catch (IOException | InterruptedException e) {
            return false;
        }
    }
}
