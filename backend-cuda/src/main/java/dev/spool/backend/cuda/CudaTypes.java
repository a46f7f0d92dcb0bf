package dev.spool.backend.cuda;

import dev.spool.graph.DType;

/** How Spool's dtypes are spelled in generated CUDA C: element types, loads, stores and literals. */
final class CudaTypes {
    private CudaTypes() {
    }

    /** The C type of a value held in a register (booleans as {@code bool}). */
    static String value(DType t) {
        return switch (t) {
            case F32 -> "float";
            case F64 -> "double";
            case I32 -> "int";
            case I64 -> "long long";
            case BOOL -> "bool";
        };
    }

    /** The C type of an element in memory (booleans as one byte). */
    static String element(DType t) {
        return t == DType.BOOL ? "unsigned char" : value(t);
    }

    /** An element read from memory as a register value. */
    static String load(DType t, String lvalue) {
        return t == DType.BOOL ? "(" + lvalue + " != 0)" : lvalue;
    }

    /** A register value as it is stored. */
    static String store(DType t, String value) {
        return t == DType.BOOL ? "(unsigned char) (" + value + " ? 1 : 0)" : value;
    }

    /** A literal of the dtype; NaN and infinities by their bit patterns (NVRTC has no math headers). */
    static String literal(double v, DType t) {
        return switch (t) {
            case F32 -> {
                float f = (float) v;
                yield Float.isFinite(f) ? Float.toString(f) + "f" : "__int_as_float(0x" + Integer.toHexString(Float.floatToIntBits(f)) + ")";
            }
            case F64 -> Double.isFinite(v) ? Double.toString(v) : "__longlong_as_double(0x" + Long.toHexString(Double.doubleToLongBits(v)) + "LL)";
            case I32 -> Integer.toString((int) v);
            case I64 -> Long.toString((long) v) + "LL";
            case BOOL -> v != 0 ? "true" : "false";
        };
    }
}
