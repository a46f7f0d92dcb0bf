package dev.spool.graph;

/**
 * Element types of Spool tensors. The names match safetensors' dtype strings (plus {@code BOOL}).
 *
 * <pre>{@code DType.fromSafetensors("F32") == DType.F32}</pre>
 */
public enum DType {
    /** 32-bit IEEE float, the type of weights and activations: {@code Tensor.of(new float[] {1, 2}, 2)}. */
    F32(4),
    /** 64-bit IEEE float, for reference computations and finite differences: {@code Tensor.of(new double[] {1}, 1)}. */
    F64(8),
    /** 32-bit signed integer: {@code Tensor.of(new int[] {3}, 1)}. */
    I32(4),
    /** 64-bit signed integer, the type of token ids and lengths: {@code Tensor.of(new long[] {3, 7}, 2)}. */
    I64(8),
    /** Boolean, the result of comparisons, one byte per element: {@code b.less(x, y)}. */
    BOOL(1);

    private final int byteSize;

    DType(int byteSize) {
        this.byteSize = byteSize;
    }

    /** Bytes per element in the safetensors encoding: {@code DType.F32.byteSize() == 4}. */
    public int byteSize() {
        return byteSize;
    }

    /** Whether this is F32 or F64 (differentiable, optimizable): {@code DType.F64.isFloat()}. */
    public boolean isFloat() {
        return this == F32 || this == F64;
    }

    /** Whether this is I32 or I64 (indices, lengths): {@code DType.I64.isInteger()}. */
    public boolean isInteger() {
        return this == I32 || this == I64;
    }

    /** The lower-case spelling used on the command line: {@code DType.F32.cliName()} is {@code "f32"}. */
    public String cliName() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }

    /** Parses a safetensors dtype string, null for one Spool does not support: {@code DType.fromSafetensors("I64") == DType.I64}. */
    public static DType fromSafetensors(String s) {
        return switch (s) {
            case "F32" -> F32;
            case "F64" -> F64;
            case "I32" -> I32;
            case "I64" -> I64;
            case "BOOL" -> BOOL;
            default -> null;
        };
    }
}
