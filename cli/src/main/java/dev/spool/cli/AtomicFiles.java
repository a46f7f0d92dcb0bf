package dev.spool.cli;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

/** Output files are written to a temporary sibling and renamed, so a failure leaves no partial file. */
final class AtomicFiles {
    private AtomicFiles() {
    }

    static void writeString(Path file, String text) throws IOException {
        Path tmp = Files.createTempFile(file.toAbsolutePath().getParent(), "." + file.getFileName(), ".tmp");
        try {
            Files.writeString(tmp, text, StandardCharsets.UTF_8);
            Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } finally {
            Files.deleteIfExists(tmp);
        }
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
