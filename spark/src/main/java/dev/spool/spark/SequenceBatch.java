package dev.spool.spark;

import dev.spool.graph.DType;
import dev.spool.graph.InputException;
import dev.spool.graph.Tensor;

import scala.jdk.javaapi.CollectionConverters;

import java.lang.reflect.Array;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Rows' sequences packed into one run of an artifact and its outputs split back into rows. The batch
 * is padded with zeros to its longest sequence, time-major ({@code [T, B]} or {@code [T, B, I]}), and
 * gets each row's length in {@code lengths} when the artifact takes it. A row's result is its slice of
 * the output along the batch axis, with the time axis (when the output has one) cut to the row's
 * length: a Java array of the output's element type, nested once when two axes remain
 * ({@code [t, V]} of logits), as Spark's array columns take them.
 */
final class SequenceBatch {
    private SequenceBatch() {
    }

    /**
     * One row's sequence read from its column: {@code values} is a flat {@code long[]} (token ids) or
     * {@code float[]}/{@code double[]} ({@code length × featureSize} features, time-major).
     */
    record Sequence(Object values, int length) {
    }

    /**
     * Reads a row's column value: a list of integers for token ids, a list of equal-length lists of
     * numbers for feature vectors.
     *
     * @throws InputException naming the row's position and what does not fit
     */
    static Sequence read(SequenceLayout layout, List<?> column, String where) {
        int t = column.size();
        if (layout.tokens()) {
            long[] ids = new long[t];
            for (int s = 0; s < t; s++) {
                ids[s] = number(column.get(s), where, s).longValue();
            }
            return new Sequence(ids, t);
        }
        int features = layout.featureSize();
        double[] values = new double[t * features];
        for (int s = 0; s < t; s++) {
            List<?> vector = list(column.get(s));
            if (vector == null || vector.size() != features) {
                throw new InputException(where + ": step " + s + " should be " + features + " numbers, got "
                        + (vector == null ? "null" : vector.size()));
            }
            for (int i = 0; i < features; i++) {
                values[s * features + i] = number(vector.get(i), where, s).doubleValue();
            }
        }
        if (layout.sequenceDType() == DType.F64) {
            return new Sequence(values, t);
        }
        float[] floats = new float[values.length];
        for (int i = 0; i < values.length; i++) {
            floats[i] = (float) values[i];
        }
        return new Sequence(floats, t);
    }

    private static Number number(Object value, String where, int step) {
        if (value instanceof Number n) {
            return n;
        }
        throw new InputException(where + ": step " + step + " should be a number, got " + value);
    }

    /**
     * The padded length {@code T} of a batch: its longest sequence, at least 1 (an artifact runs no
     * empty sequence; a batch of empty rows runs one step of padding that every row's result cuts off).
     */
    static int paddedLength(List<Sequence> rows) {
        return Math.max(1, rows.stream().mapToInt(Sequence::length).max().orElse(0));
    }

    /** The feeds of one run: the padded sequences and, when the artifact takes them, the lengths. */
    static Map<String, Tensor> feeds(SequenceLayout layout, List<Sequence> rows) {
        int b = rows.size();
        int t = paddedLength(rows);
        int features = layout.featureSize();
        DType dtype = layout.sequenceDType();
        Object padded = Array.newInstance(javaElement(dtype), t * b * features);
        for (int r = 0; r < b; r++) {
            Sequence row = rows.get(r);
            for (int s = 0; s < row.length(); s++) {
                copy(row.values(), s * features, padded, (s * b + r) * features, features, dtype);
            }
        }
        int[] shape = layout.tokens() ? new int[] {t, b} : new int[] {t, b, features};
        Map<String, Tensor> feeds = new HashMap<>();
        feeds.put(layout.sequence().name(), Tensor.wrap(dtype, shape, padded));
        if (layout.lengths() != null) {
            long[] lengths = rows.stream().mapToLong(Sequence::length).toArray();
            feeds.put(layout.lengths().name(), cast(Tensor.of(lengths, b), layout.lengths().dtype()));
        }
        return feeds;
    }

    private static void copy(Object from, int fromIndex, Object to, int toIndex, int n, DType dtype) {
        if (dtype == DType.I32) {
            for (int i = 0; i < n; i++) {
                Array.setInt(to, toIndex + i, Math.toIntExact(Array.getLong(from, fromIndex + i)));
            }
        } else {
            System.arraycopy(from, fromIndex, to, toIndex, n);
        }
    }

    private static Tensor cast(Tensor lengths, DType dtype) {
        return dtype == DType.I64 ? lengths : Tensor.of(lengths.toIntArray(), lengths.shape());
    }

    private static Class<?> javaElement(DType dtype) {
        return switch (dtype) {
            case F32 -> float.class;
            case F64 -> double.class;
            case I32 -> int.class;
            case I64 -> long.class;
            case BOOL -> boolean.class;
        };
    }

    /** The tensor's own elements as one flat array of its Java element type (a view's copied out). */
    static Object elements(Tensor tensor) {
        return switch (tensor.dtype()) {
            case F32 -> tensor.toFloatArray();
            case F64 -> tensor.toDoubleArray();
            case I32 -> tensor.toIntArray();
            case I64 -> tensor.toLongArray();
            case BOOL -> tensor.toBooleanArray();
        };
    }

    /**
     * Row {@code row}'s slice of {@code output} (elements of {@code values}, the output's own elements
     * as one flat array): the axes before the batch axis (the time axis cut to {@code length} when
     * {@code steps}) and the axes after it, as a flat array when one of them is empty and as an array
     * of arrays otherwise.
     */
    static Object rowResult(Tensor output, Object values, int batchAxis, int row, int length, boolean steps) {
        int[] shape = output.shape();
        int batch = shape[batchAxis];
        int outer = 1;
        for (int a = 0; a < batchAxis; a++) {
            outer *= shape[a];
        }
        if (steps) {
            outer = length;
        }
        int inner = 1;
        for (int a = batchAxis + 1; a < shape.length; a++) {
            inner *= shape[a];
        }
        Class<?> element = javaElement(output.dtype());
        boolean nested = batchAxis > 0 && batchAxis < shape.length - 1;
        if (!nested) {
            Object flat = Array.newInstance(element, outer * inner);
            for (int o = 0; o < outer; o++) {
                System.arraycopy(values, (o * batch + row) * inner, flat, o * inner, inner);
            }
            return flat;
        }
        Object[] rows = (Object[]) Array.newInstance(flatType(element), outer);
        for (int o = 0; o < outer; o++) {
            Object vector = Array.newInstance(element, inner);
            System.arraycopy(values, (o * batch + row) * inner, vector, 0, inner);
            rows[o] = vector;
        }
        return rows;
    }

    private static Class<?> flatType(Class<?> element) {
        return Array.newInstance(element, 0).getClass();
    }

    /** An array column's value as Spark hands it over (a Scala sequence, a Java list or an array), or null. */
    static List<?> list(Object value) {
        if (value instanceof List<?> l) {
            return l;
        }
        if (value instanceof scala.collection.Seq<?> seq) {
            return CollectionConverters.asJava(seq);
        }
        if (value != null && value.getClass().isArray()) {
            int n = Array.getLength(value);
            List<Object> l = new ArrayList<>(n);
            for (int i = 0; i < n; i++) {
                l.add(Array.get(value, i));
            }
            return l;
        }
        return null;
    }
}
