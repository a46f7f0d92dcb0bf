package dev.spool.graph;

/**
 * Element types of Spool tensors. The names match safetensors' dtype strings (plus {@code BOOL}).
 *
 * <pre>{@code DType.fromSafetensors("F32") == DType.F32}</pre>
 */
public enum DType {
    F32(4), F64(8), I32(4), I64(8), BOOL(1);

    private final int byteSize;

    DType(int byteSize) {
        this.byteSize = byteSize;
    }

    /** Bytes per element in the safetensors encoding. */
    public int byteSize() {
        return byteSize;
    }

    public boolean isFloat() {
        return this == F32 || this == F64;
    }

    public boolean isInteger() {
        return this == I32 || this == I64;
    }

    /** The lower-case spelling used on the command line, e.g. {@code f32}. */
    public String cliName() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }

    /** Parses a safetensors dtype string; returns null for one Spool does not support. */
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
