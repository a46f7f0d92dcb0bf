package dev.spool.runtime;

/**
 * An artifact that cannot be used: not a zip or truncated, damaged (an entry's SHA-256 differs from
 * the manifest's), of an unknown format version, or missing an entry. The message is one line that
 * names the file and what is wrong; the CLI prints it and exits with 2.
 *
 * <pre>{@code
 * try { SpoolModel.load(path); } catch (ArtifactException e) { System.err.println(e.getMessage()); }
 * }</pre>
 */
public class ArtifactException extends RuntimeException {
    /** {@code new ArtifactException("m.spool: entry weights.safetensors is damaged (SHA-256 differs)")}. */
    public ArtifactException(String message) {
        super(message);
    }

    /** As {@link #ArtifactException(String)}, keeping the cause: {@code new ArtifactException("m.spool: not a zip", e)}. */
    public ArtifactException(String message, Throwable cause) {
        super(message, cause);
    }
}
