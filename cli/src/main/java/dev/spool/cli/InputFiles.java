package dev.spool.cli;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CoderResult;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The input files of the commands, checked with one line per problem: missing, a directory, not
 * readable, or (for text) not UTF-8, with the byte offset of the first bad byte.
 */
final class InputFiles {
    private InputFiles() {
    }

    /** Fails unless {@code file} (given with {@code flag}) is a readable regular file. */
    static void checkReadable(String flag, Path file) {
        if (Files.isDirectory(file)) {
            throw new ErrorReporter.UserError(flag + ": " + file + " is a directory, not a file");
        }
        if (!Files.exists(file)) {
            throw new ErrorReporter.UserError(flag + ": file not found: " + file);
        }
        if (!Files.isRegularFile(file) || !Files.isReadable(file)) {
            throw new ErrorReporter.UserError(flag + ": cannot read " + file + (Files.isReadable(file) ? ": not a regular file" : ": permission denied"));
        }
    }

    /** The file's text, which must be UTF-8. */
    static String readUtf8(String flag, Path file) {
        checkReadable(flag, file);
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(file);
        } catch (IOException e) {
            throw new ErrorReporter.UserError(flag + ": cannot read " + file + ": " + e.getMessage());
        }
        return decodeUtf8(flag + ": " + file, bytes);
    }

    /** UTF-8 text of bytes; {@code what} names them in the error, which gives the first bad byte's offset and value. */
    static String decodeUtf8(String what, byte[] bytes) {
        CharsetDecoder decoder = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                .onUnmappableCharacter(CodingErrorAction.REPORT);
        ByteBuffer in = ByteBuffer.wrap(bytes);
        CharBuffer out = CharBuffer.allocate(bytes.length);
        CoderResult r = decoder.decode(in, out, true);
        if (r.isError()) {
            int at = in.position();
            throw new ErrorReporter.UserError(String.format("%s is not UTF-8 text: byte 0x%02X at offset %,d is not valid UTF-8"
                    + " (convert it, e.g. iconv -f latin1 -t utf-8)", what, bytes[at] & 0xff, at));
        }
        decoder.flush(out);
        return out.flip().toString();
    }
}
