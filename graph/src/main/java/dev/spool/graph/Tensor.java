package dev.spool.graph;

import java.util.Arrays;

/**
 * A dense row-major tensor backed by a Java array ({@code float[]} for F32, {@code double[]} for F64,
 * {@code int[]}, {@code long[]}, {@code boolean[]}), possibly a contiguous view at an offset into a
 * larger array (a time step of a sequence). Tensors are treated as values: kernels write only into
 * tensors they allocated.
 *
 * <pre>{@code
 * Tensor x = Tensor.ofFloats(new int[] {2, 2}, 1, 2, 3, 4);
 * x.getDouble(3) == 4.0
 * }</pre>
 */
public final class Tensor {
    private final DType dtype;
    private final int[] shape;
    private final Object data;
    private final int offset;
    private final int size;

    private Tensor(DType dtype, int[] shape, Object data, int offset) {
        this.dtype = dtype;
        this.shape = shape.clone();
        this.data = data;
        this.offset = offset;
        this.size = Shape.volume(shape);
        if (offset < 0 || offset + size > java.lang.reflect.Array.getLength(data)) {
            throw new IllegalArgumentException("tensor of shape " + Arrays.toString(shape) + " at offset " + offset
                    + " does not fit its " + java.lang.reflect.Array.getLength(data) + "-element buffer");
        }
    }

    /** Wraps an array of the dtype's Java element type (no copy). */
    public static Tensor wrap(DType dtype, int[] shape, Object data) {
        Class<?> want = switch (dtype) {
            case F32 -> float[].class;
            case F64 -> double[].class;
            case I32 -> int[].class;
            case I64 -> long[].class;
            case BOOL -> boolean[].class;
        };
        if (data.getClass() != want) {
            throw new IllegalArgumentException(dtype + " tensor needs a " + want.getSimpleName() + ", got " + data.getClass().getSimpleName());
        }
        return new Tensor(dtype, shape, data, 0);
    }

    public static Tensor zeros(DType dtype, int... shape) {
        int n = Shape.volume(shape);
        Object data = switch (dtype) {
            case F32 -> new float[n];
            case F64 -> new double[n];
            case I32 -> new int[n];
            case I64 -> new long[n];
            case BOOL -> new boolean[n];
        };
        return new Tensor(dtype, shape, data, 0);
    }

    public static Tensor ofFloats(int[] shape, float... v) {
        return wrap(DType.F32, shape, v);
    }

    public static Tensor ofDoubles(int[] shape, double... v) {
        return wrap(DType.F64, shape, v);
    }

    public static Tensor ofInts(int[] shape, int... v) {
        return wrap(DType.I32, shape, v);
    }

    public static Tensor ofLongs(int[] shape, long... v) {
        return wrap(DType.I64, shape, v);
    }

    public static Tensor ofBools(int[] shape, boolean... v) {
        return wrap(DType.BOOL, shape, v);
    }

    /** A scalar of the given dtype holding v (rounded/truncated to the dtype). */
    public static Tensor scalar(DType dtype, double v) {
        Tensor t = zeros(dtype);
        t.setDouble(0, v);
        return t;
    }

    /** A tensor of dtype with every element converted from doubles (for tests and fixtures). */
    public static Tensor fromDoubles(DType dtype, int[] shape, double... v) {
        Tensor t = zeros(dtype, shape);
        if (v.length != t.size()) {
            throw new IllegalArgumentException("shape " + Arrays.toString(shape) + " needs " + t.size() + " values, got " + v.length);
        }
        for (int i = 0; i < v.length; i++) {
            t.setDouble(i, v[i]);
        }
        return t;
    }

    public DType dtype() {
        return dtype;
    }

    public int[] shape() {
        return shape.clone();
    }

    public int dim(int axis) {
        return shape[axis];
    }

    public int rank() {
        return shape.length;
    }

    public int size() {
        return size;
    }

    /** Offset of element 0 into the backing array. */
    public int offset() {
        return offset;
    }

    /** The backing array (respect {@link #offset()}). */
    public Object data() {
        return data;
    }

    public float[] floats() {
        return (float[]) data;
    }

    public double[] doubles() {
        return (double[]) data;
    }

    public int[] ints() {
        return (int[]) data;
    }

    public long[] longs() {
        return (long[]) data;
    }

    public boolean[] bools() {
        return (boolean[]) data;
    }

    public TensorType type() {
        return new TensorType(dtype, Shape.of(shape));
    }

    /** Element i (flat, relative to the offset) as a double; booleans read as 0/1. */
    public double getDouble(int i) {
        int j = offset + i;
        return switch (dtype) {
            case F32 -> ((float[]) data)[j];
            case F64 -> ((double[]) data)[j];
            case I32 -> ((int[]) data)[j];
            case I64 -> ((long[]) data)[j];
            case BOOL -> ((boolean[]) data)[j] ? 1 : 0;
        };
    }

    /** Element i as a long (exact for integer dtypes). */
    public long getLong(int i) {
        int j = offset + i;
        return switch (dtype) {
            case I32 -> ((int[]) data)[j];
            case I64 -> ((long[]) data)[j];
            default -> (long) getDouble(i);
        };
    }

    public void setDouble(int i, double v) {
        int j = offset + i;
        switch (dtype) {
            case F32 -> ((float[]) data)[j] = (float) v;
            case F64 -> ((double[]) data)[j] = v;
            case I32 -> ((int[]) data)[j] = (int) v;
            case I64 -> ((long[]) data)[j] = (long) v;
            case BOOL -> ((boolean[]) data)[j] = v != 0;
        }
    }

    public void setLong(int i, long v) {
        int j = offset + i;
        switch (dtype) {
            case I32 -> ((int[]) data)[j] = (int) v;
            case I64 -> ((long[]) data)[j] = v;
            default -> setDouble(i, v);
        }
    }

    /** A view of {@code count} consecutive entries along axis 0 starting at {@code start}, without copying. */
    public Tensor slice0(int start, int count) {
        int[] s = shape.clone();
        s[0] = count;
        return new Tensor(dtype, s, data, offset + start * Shape.volume(Arrays.copyOfRange(shape, 1, shape.length)));
    }

    /** Entry {@code index} along axis 0 with that axis dropped (a time step), without copying. */
    public Tensor step(int index) {
        int[] s = Arrays.copyOfRange(shape, 1, shape.length);
        return new Tensor(dtype, s, data, offset + index * Shape.volume(s));
    }

    /** The same elements under another shape of equal size, without copying. */
    public Tensor reshape(int... newShape) {
        if (Shape.volume(newShape) != size) {
            throw new IllegalArgumentException("cannot reshape " + Arrays.toString(shape) + " to " + Arrays.toString(newShape));
        }
        return new Tensor(dtype, newShape, data, offset);
    }

    /** A compact copy that owns its array. */
    public Tensor copy() {
        Tensor t = zeros(dtype, shape);
        System.arraycopy(data, offset, t.data, 0, size);
        return t;
    }

    /** Copies all of src (same size) into this tensor. */
    public void copyFrom(Tensor src) {
        if (src.dtype != dtype || src.size != size) {
            throw new IllegalArgumentException("copy of " + src.type() + " into " + type());
        }
        System.arraycopy(src.data, src.offset, data, offset, size);
    }

    /** Elements as doubles, for comparisons in tests. */
    public double[] toDoubles() {
        double[] out = new double[size];
        for (int i = 0; i < size; i++) {
            out[i] = getDouble(i);
        }
        return out;
    }

    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder(dtype + Arrays.toString(shape) + "[");
        for (int i = 0; i < Math.min(size, 8); i++) {
            sb.append(i == 0 ? "" : ", ").append(dtype.isFloat() ? Double.toString(getDouble(i)) : Long.toString(getLong(i)));
        }
        return sb.append(size > 8 ? ", ...]" : "]").toString();
    }
}
