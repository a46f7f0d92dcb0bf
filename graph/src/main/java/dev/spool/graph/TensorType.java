package dev.spool.graph;

/**
 * The static type of a value: element type and (possibly symbolic) shape, e.g. {@code F32(T, B, 28)}.
 *
 * <pre>{@code TensorType.of(DType.F32, "T", "B", 28).rank() == 3}</pre>
 */
public record TensorType(DType dtype, Shape shape) {

    /** A type from dims given as ints (sizes) or strings (symbols): {@code TensorType.of(F32, "B", 4)}. */
    public static TensorType of(DType dtype, Object... dims) {
        return new TensorType(dtype, Shape.of(dims));
    }

    /** The number of axes: {@code TensorType.of(F32, "B", 4).rank() == 2}. */
    public int rank() {
        return shape.rank();
    }

    /** The same type with every dim rewritten by {@code f}: {@code TensorType.of(F32, "B", 4).mapDims(d -> d)}. */
    public TensorType mapDims(java.util.function.UnaryOperator<Dim> f) {
        return new TensorType(dtype, shape.map(f));
    }

    @Override
    public String toString() {
        return dtype + shape.toString();
    }
}
