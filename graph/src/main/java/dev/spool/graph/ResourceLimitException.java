package dev.spool.graph;

/**
 * A computation needs more memory than a backend can give it (e.g. a CPU program whose working
 * memory exceeds the 2 GiB a direct buffer can hold). The message says how much it needs, the
 * limit, and what to make smaller; the CLI reports it as bad input (exit 2).
 *
 * <pre>{@code
 * try {
 *     program.run(feeds);
 * } catch (ResourceLimitException e) {
 *     System.err.println(e.getMessage() + " (" + e.neededBytes() + " bytes)");
 * }
 * }</pre>
 */
public class ResourceLimitException extends RuntimeException {
    private final long neededBytes;

    /** A limit error: {@code new ResourceLimitException("working memory 3 GiB exceeds 2 GiB; use a smaller batch", 3L << 30)}. */
    public ResourceLimitException(String message, long neededBytes) {
        super(message);
        this.neededBytes = neededBytes;
    }

    /** Bytes the computation needs: {@code e.neededBytes() >> 20} MiB. */
    public long neededBytes() {
        return neededBytes;
    }
}
