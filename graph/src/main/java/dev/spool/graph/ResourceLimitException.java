package dev.spool.graph;

/**
 * A computation needs more memory than a backend can give it (e.g. a CPU program whose working
 * memory exceeds the 2 GiB a direct buffer can hold). The message says how much it needs, the
 * limit, and what to make smaller; the CLI reports it as bad input (exit 2).
 */
public class ResourceLimitException extends RuntimeException {
    private final long neededBytes;

    public ResourceLimitException(String message, long neededBytes) {
        super(message);
        this.neededBytes = neededBytes;
    }

    /** Bytes the computation needs. */
    public long neededBytes() {
        return neededBytes;
    }
}
