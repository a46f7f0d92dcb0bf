package dev.spool.graph.io;

import java.io.IOException;

/**
 * A safetensors file that cannot be read, with a one-line message naming the file and, where relevant,
 * the tensor, e.g. {@code w.safetensors: tensor 'w' has shape [4, 3] of F32 = 48 bytes but data_offsets [0, 40] span 40 bytes}.
 *
 * <pre>{@code
 * try {
 *     SafeTensors.read(Path.of("w.safetensors"));
 * } catch (SafeTensorsException e) {
 *     System.err.println(e.getMessage());
 * }
 * }</pre>
 */
public class SafeTensorsException extends IOException {
    /** {@code new SafeTensorsException("w.safetensors: header is not JSON")}. */
    public SafeTensorsException(String message) {
        super(message);
    }

    /** As {@link #SafeTensorsException(String)}, keeping the cause: {@code new SafeTensorsException("w.safetensors: truncated", e)}. */
    public SafeTensorsException(String message, Throwable cause) {
        super(message, cause);
    }
}
