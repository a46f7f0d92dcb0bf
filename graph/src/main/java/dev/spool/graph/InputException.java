package dev.spool.graph;

/**
 * A value fed to a graph at run time does not fit it: wrong dtype or shape, inconsistent symbol
 * bindings, or out-of-range data such as sequence lengths. The message names the tensor and both
 * the expected and the actual value.
 *
 * <pre>{@code
 * try {
 *     program.run(Map.of("x", xs));
 * } catch (InputException e) {
 *     System.err.println(e.getMessage());   // input 'x': expected F32(T, 4, 3), got F32(5, 2, 3)
 * }
 * }</pre>
 */
public class InputException extends RuntimeException {
    /** An input error with its one-line message: {@code new InputException("input 'x': expected F32(B, 3), got I64(2, 3)")}. */
    public InputException(String message) {
        super(message);
    }
}
