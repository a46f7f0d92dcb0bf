package dev.spool.cli;

import dev.spool.graph.io.AtomicWrite;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/** Output files of the commands: written whole or not at all ({@link AtomicWrite}), and checked writable up front. */
final class AtomicFiles {
    private AtomicFiles() {
    }

    static void writeString(Path file, String text) throws IOException {
        AtomicWrite.write(file, text.getBytes(StandardCharsets.UTF_8));
    }

    /** Fails up front (before hours of training) when {@code file} cannot be written. */
    static void checkWritable(Path file) {
        Path dir = file.toAbsolutePath().getParent();
        if (dir == null || !Files.isDirectory(dir) || !Files.isWritable(dir) || Files.isDirectory(file)
                || Files.exists(file) && !Files.isWritable(file)) {
            throw new ErrorReporter.UserError("cannot write " + file + ": " + (dir == null || !Files.isDirectory(dir)
                    ? "directory " + dir + " does not exist" : "not writable"));
        }
    }
}
