package dev.spool.graph;

/**
 * An SSA value: output {@code index} of node {@code node}, with its static type. Node ids are unique
 * within one builder, across nested scan bodies, so a value names its producer unambiguously.
 * Values are what the builder's methods take and return.
 *
 * <pre>{@code
 * Value h = b.tanh(b.linear(x, w, null));
 * h.type()     // F32(B, 4)
 * h            // %3, as the printer shows it
 * }</pre>
 */
public record Value(int node, int index, TensorType type) {

    /** The element type: {@code x.dtype() == DType.F32}. */
    public DType dtype() {
        return type.dtype();
    }

    /** The (possibly symbolic) shape: {@code x.shape()} is {@code (T, B, 3)}. */
    public Shape shape() {
        return type.shape();
    }

    @Override
    public String toString() {
        return index == 0 ? "%" + node : "%" + node + "." + index;
    }
}
