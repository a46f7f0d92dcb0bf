package dev.spool.cli;

import dev.spool.graph.internal.AtomicWrite;
import dev.spool.graph.io.FileWriteException;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The output files of a command: checked up front (writable, none of them one of the command's
 * inputs or another output), written whole or not at all through {@link AtomicWrite}, and — for
 * results that took long to compute, like a trained model — rescued to a fallback place when the
 * final write fails, so the work is never lost.
 */
final class OutputFiles {
    private OutputFiles() {
    }

    static void writeString(Path file, String text) throws IOException {
        AtomicWrite.write(file, text.getBytes(StandardCharsets.UTF_8));
    }

    /** Fails up front (before hours of training) when {@code file} cannot be written, with the reason. */
    static void checkWritable(Path file) {
        try {
            AtomicWrite.checkWritable(file);
        } catch (IOException e) {
            throw new ErrorReporter.UserError(e instanceof FileWriteException ? e.getMessage() : "cannot write " + file + ": " + e.getMessage());
        }
    }

    /**
     * Refuses outputs that would replace one of the command's inputs or each other. Keys are the
     * flags ({@code --out}), values the paths; null paths (flags not given) are skipped.
     */
    static void checkDistinct(Map<String, Path> inputs, Map<String, Path> outputs) {
        List<Map.Entry<String, Path>> seen = new ArrayList<>();
        for (Map.Entry<String, Path> out : outputs.entrySet()) {
            if (out.getValue() == null) {
                continue;
            }
            for (Map.Entry<String, Path> in : inputs.entrySet()) {
                if (in.getValue() != null && same(out.getValue(), in.getValue())) {
                    throw new ErrorReporter.UserError(out.getKey() + " " + out.getValue() + " is the " + in.getKey()
                            + " file: writing it would replace the input; choose another " + out.getKey());
                }
            }
            for (Map.Entry<String, Path> earlier : seen) {
                if (same(out.getValue(), earlier.getValue()) && !isSpecial(out.getValue())) {
                    throw new ErrorReporter.UserError(out.getKey() + " and " + earlier.getKey() + " both name " + out.getValue()
                            + ": one would replace the other; give them different files");
                }
            }
            seen.add(out);
        }
    }

    /**
     * Writes {@code bytes} to {@code file}; when that fails, writes them to a fallback file (in the
     * temporary directory, else the working directory) and returns an error line saying where they
     * went. Returns null on success.
     */
    static String writeOrRescue(Path file, byte[] bytes, String what) {
        List<Path> places = new ArrayList<>();
        for (String dir : new String[] {System.getProperty("java.io.tmpdir"), System.getProperty("user.dir"), System.getProperty("user.home")}) {
            if (dir != null) {
                places.add(Path.of(dir));
            }
        }
        return writeOrRescue(file, bytes, what, places);
    }

    /** As {@link #writeOrRescue(Path, byte[], String)}, trying the fallback directories {@code places} in order. */
    static String writeOrRescue(Path file, byte[] bytes, String what, List<Path> places) {
        try {
            AtomicWrite.write(file, bytes);
            return null;
        } catch (IOException e) {
            String stamp = LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss"));
            for (Path dir : places) {
                Path rescue = dir.toAbsolutePath().resolve("spool-rescued-" + stamp + "-" + file.getFileName());
                try {
                    AtomicWrite.write(rescue, bytes);
                    return e.getMessage() + "; the " + what + " was written to " + rescue + " instead";
                } catch (IOException ignored) {
                    // try the next place
                }
            }
            return e.getMessage() + "; the " + what + " could not be written anywhere (also tried the temporary, working and home directories)";
        }
    }

    /** Whether two paths name the same file: after following symbolic links, or the same existing file. */
    private static boolean same(Path a, Path b) {
        try {
            if (Files.exists(a) && Files.exists(b)) {
                return Files.isSameFile(a, b);
            }
            return AtomicWrite.target(a).equals(AtomicWrite.target(b));
        } catch (IOException e) {
            return false;
        }
    }

    private static boolean isSpecial(Path p) {
        return Files.exists(p) && !Files.isRegularFile(p) && !Files.isDirectory(p);
    }
}
