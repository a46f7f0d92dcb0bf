package dev.spool.graph;

/** A shape or dtype rule was violated; the message names the operands and both types. */
public class ShapeException extends RuntimeException {
    public ShapeException(String message) {
        super(message);
    }
}
