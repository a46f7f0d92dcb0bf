package dev.spool.graph;

/**
 * An invalid graph, reported with the path of the offending node, e.g.
 * {@code scan#2/body/matmul#5: contraction dims differ: lhs F32(B, 4), rhs F32(5, 2)}. Builders
 * throw it at the line that adds the offending op.
 *
 * <pre>{@code
 * try {
 *     b.add(b.zeros(F32, "B", 4), b.zeros(F32, "B", 5));
 * } catch (GraphException e) {
 *     System.err.println(e.path() + ": " + e.getMessage());
 * }
 * }</pre>
 */
public class GraphException extends RuntimeException {
    private final String path;

    /** An error at a node: {@code new GraphException("scan#2/body/add#7", "dims differ")}; an empty path for the whole graph. */
    public GraphException(String path, String message) {
        super(path.isEmpty() ? message : path + ": " + message);
        this.path = path;
    }

    /** Where in the graph: {@code e.path()} is e.g. {@code "scan#2/body/matmul#5"}; empty when the error concerns the whole graph. */
    public String path() {
        return path;
    }
}
