package dev.spool.graph;

/**
 * An SSA value: output {@code index} of node {@code node}, with its static type. Node ids are unique
 * within one builder, across nested scan bodies, so a value names its producer unambiguously.
 */
public record Value(int node, int index, TensorType type) {

    public DType dtype() {
        return type.dtype();
    }

    public Shape shape() {
        return type.shape();
    }

    @Override
    public String toString() {
        return index == 0 ? "%" + node : "%" + node + "." + index;
    }
}
