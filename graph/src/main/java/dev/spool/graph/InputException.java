package dev.spool.graph;

/**
 * A value fed to a graph at run time does not fit it: wrong dtype or shape, inconsistent symbol
 * bindings, or out-of-range data such as sequence lengths. The message names the tensor and both
 * the expected and the actual value.
 */
public class InputException extends RuntimeException {
    public InputException(String message) {
        super(message);
    }
}
