package dev.spool.graph;

/**
 * An invalid graph, reported with the path of the offending node, e.g.
 * {@code scan#2/body/matmul#5: contraction dims differ: lhs F32(B, 4), rhs F32(5, 2)}.
 */
public class GraphException extends RuntimeException {
    private final String path;

    public GraphException(String path, String message) {
        super(path.isEmpty() ? message : path + ": " + message);
        this.path = path;
    }

    public String path() {
        return path;
    }
}
