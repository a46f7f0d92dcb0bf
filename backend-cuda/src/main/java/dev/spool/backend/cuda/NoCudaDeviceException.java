package dev.spool.backend.cuda;

/**
 * Thrown when the CUDA backend cannot start: no driver, no device, or a CUDA library missing. The
 * message starts with {@code "no CUDA device: "} and names the cause in one line.
 */
public final class NoCudaDeviceException extends RuntimeException {
    public NoCudaDeviceException(String cause) {
        super("no CUDA device: " + cause);
    }
}
