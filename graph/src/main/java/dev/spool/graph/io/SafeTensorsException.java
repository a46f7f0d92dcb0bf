package dev.spool.graph.io;

import java.io.IOException;

/**
 * A safetensors file that cannot be read, with a one-line message naming the file and, where relevant,
 * the tensor, e.g. {@code w.safetensors: tensor 'w' has shape [4, 3] of F32 = 48 bytes but data_offsets [0, 40] span 40 bytes}.
 */
public class SafeTensorsException extends IOException {
    public SafeTensorsException(String message) {
        super(message);
    }

    public SafeTensorsException(String message, Throwable cause) {
        super(message, cause);
    }
}
