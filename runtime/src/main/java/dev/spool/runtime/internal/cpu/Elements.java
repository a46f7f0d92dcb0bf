package dev.spool.runtime.internal.cpu;

import dev.spool.graph.DType;

import java.nio.ByteBuffer;

/** Reading and writing single elements of any dtype in an arena, for the steps without a typed fast path. */
final class Elements {
    private Elements() {
    }

    static double get(ByteBuffer m, DType t, int at) {
        return switch (t) {
            case F32 -> m.getFloat(at);
            case F64 -> m.getDouble(at);
            case I32 -> m.getInt(at);
            case I64 -> m.getLong(at);
            case BOOL -> m.get(at) != 0 ? 1 : 0;
        };
    }

    static long getLong(ByteBuffer m, DType t, int at) {
        return switch (t) {
            case I32 -> m.getInt(at);
            case I64 -> m.getLong(at);
            case BOOL -> m.get(at) != 0 ? 1 : 0;
            default -> (long) get(m, t, at);
        };
    }

    /** Stores v converted as {@link dev.spool.graph.Tensor#setDouble} does. */
    static void put(ByteBuffer m, DType t, int at, double v) {
        switch (t) {
            case F32 -> m.putFloat(at, (float) v);
            case F64 -> m.putDouble(at, v);
            case I32 -> m.putInt(at, (int) v);
            case I64 -> m.putLong(at, (long) v);
            case BOOL -> m.put(at, (byte) (v != 0 ? 1 : 0));
        }
    }

    static void putLong(ByteBuffer m, DType t, int at, long v) {
        switch (t) {
            case I32 -> m.putInt(at, (int) v);
            case I64 -> m.putLong(at, v);
            default -> put(m, t, at, v);
        }
    }

    /** Copies one element's bytes. */
    static void copy(ByteBuffer m, int size, int from, int to) {
        switch (size) {
            case 1 -> m.put(to, m.get(from));
            case 4 -> m.putInt(to, m.getInt(from));
            default -> m.putLong(to, m.getLong(from));
        }
    }
}
