package dev.spool.graph;

/**
 * A shape or dtype rule was violated; the message names the operands and both types. Builders wrap
 * it in a {@link GraphException} naming the node.
 *
 * <pre>{@code
 * Shape.of(2, 3).dims();                  // fine
 * b.matmul(b.zeros(F32, 2, 3), b.zeros(F32, 4, 5));   // GraphException: contraction dims differ ...
 * }</pre>
 */
public class ShapeException extends RuntimeException {
    /** A shape error: {@code new ShapeException("dims differ: 3 vs 4")}. */
    public ShapeException(String message) {
        super(message);
    }
}
