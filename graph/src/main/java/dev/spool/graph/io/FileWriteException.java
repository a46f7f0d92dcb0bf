package dev.spool.graph.io;

import java.io.IOException;
import java.nio.file.Path;

/**
 * An output file that cannot be written, with a message fit for a user: the path they gave (never
 * a temporary file) and the reason, e.g. {@code cannot write /proc/x.spool: permission denied}.
 */
public final class FileWriteException extends IOException {
    private final transient Path file;

    /** {@code new FileWriteException(Path.of("/proc/x.spool"), "permission denied", e)}: the message is "cannot write /proc/x.spool: permission denied". */
    public FileWriteException(Path file, String reason, Throwable cause) {
        super("cannot write " + file + ": " + reason, cause);
        this.file = file;
    }

    /** The path as the caller gave it: {@code e.file()} is {@code /proc/x.spool}, not a temporary file beside it. */
    public Path file() {
        return file;
    }
}
