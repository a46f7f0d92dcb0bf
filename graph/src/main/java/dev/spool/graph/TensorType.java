package dev.spool.graph;

/** The static type of a value: element type and (possibly symbolic) shape, e.g. {@code F32(T, B, 28)}. */
public record TensorType(DType dtype, Shape shape) {

    public static TensorType of(DType dtype, Object... dims) {
        return new TensorType(dtype, Shape.of(dims));
    }

    public int rank() {
        return shape.rank();
    }

    @Override
    public String toString() {
        return dtype + shape.toString();
    }
}
