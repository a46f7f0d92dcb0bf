package dev.spool.graph;

import java.lang.reflect.Array;
import java.util.Arrays;

/**
 * A dense row-major tensor backed by a Java array ({@code float[]} for F32, {@code double[]} for F64,
 * {@code int[]}, {@code long[]}, {@code boolean[]}), possibly a view: a contiguous run at an offset
 * into a larger array (a time step of a sequence, see {@link #step}). Tensors are treated as values:
 * kernels write only into tensors they allocated.
 *
 * <p>Reading: {@link #get(int...)} reads one element by its indices, {@link #toFloatArray()} and its
 * siblings copy the tensor's own elements (a view's, not its whole backing array), {@link #data()}
 * with {@link #offset()} is the raw backing array for code that handles views itself.
 *
 * <pre>{@code
 * Tensor x = Tensor.of(new float[] {1, 2, 3, 4, 5, 6}, 2, 3);
 * x.get(1, 2)                    // 6.0
 * x.step(1).toFloatArray()       // {4, 5, 6}: the view's elements
 * x                              // F32[2, 3][1.0, 2.0, 3.0, 4.0, 5.0, 6.0]
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
        if (offset < 0 || offset + size > Array.getLength(data)) {
            throw new IllegalArgumentException("tensor of shape " + Arrays.toString(shape) + " at offset " + offset
                    + " does not fit its " + Array.getLength(data) + "-element buffer");
        }
    }

    /**
     * Wraps an array of the dtype's Java element type, without copying; its length must be the
     * shape's volume.
     *
     * <pre>{@code Tensor t = Tensor.wrap(DType.I64, new int[] {3}, new long[] {7, 8, 9});}</pre>
     *
     * @throws IllegalArgumentException when the array's type or length does not match
     */
    public static Tensor wrap(DType dtype, int[] shape, Object data) {
        Class<?> want = javaArrayType(dtype);
        if (data.getClass() != want) {
            throw new IllegalArgumentException(dtype + " tensor needs a " + want.getSimpleName() + ", got " + data.getClass().getSimpleName());
        }
        int need = Shape.volume(shape);
        if (Array.getLength(data) != need) {
            throw new IllegalArgumentException(dtype + " tensor of shape " + Arrays.toString(shape) + " needs " + need
                    + " values, got " + Array.getLength(data));
        }
        return new Tensor(dtype, shape, data, 0);
    }

    private static Class<?> javaArrayType(DType dtype) {
        return switch (dtype) {
            case F32 -> float[].class;
            case F64 -> double[].class;
            case I32 -> int[].class;
            case I64 -> long[].class;
            case BOOL -> boolean[].class;
        };
    }

    /**
     * A tensor of zeros (false for BOOL).
     *
     * <pre>{@code Tensor h0 = Tensor.zeros(DType.F32, 32, 256);}</pre>
     */
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

    /**
     * An F32 tensor holding a copy of {@code values} in row-major order; the shape defaults to
     * {@code (values.length)}.
     *
     * <pre>{@code Tensor w = Tensor.of(new float[] {1, 2, 3, 4, 5, 6}, 2, 3);   // F32 (2, 3)}</pre>
     *
     * @throws IllegalArgumentException when the number of values is not the shape's volume
     */
    public static Tensor of(float[] values, int... shape) {
        return wrap(DType.F32, vectorIfEmpty(shape, values.length), values.clone());
    }

    /** An F64 tensor holding a copy of {@code values}: {@code Tensor.of(new double[] {1, 2}, 2)}. */
    public static Tensor of(double[] values, int... shape) {
        return wrap(DType.F64, vectorIfEmpty(shape, values.length), values.clone());
    }

    /** An I32 tensor holding a copy of {@code values}: {@code Tensor.of(new int[] {3, 1}, 2)}. */
    public static Tensor of(int[] values, int... shape) {
        return wrap(DType.I32, vectorIfEmpty(shape, values.length), values.clone());
    }

    /** An I64 tensor holding a copy of {@code values}: {@code Tensor.of(new long[] {3, 1}, 2)}. */
    public static Tensor of(long[] values, int... shape) {
        return wrap(DType.I64, vectorIfEmpty(shape, values.length), values.clone());
    }

    /** A BOOL tensor holding a copy of {@code values}: {@code Tensor.of(new boolean[] {true, false}, 2)}. */
    public static Tensor of(boolean[] values, int... shape) {
        return wrap(DType.BOOL, vectorIfEmpty(shape, values.length), values.clone());
    }

    /** No shape given means a vector of all the values; a scalar needs {@link #scalar}. */
    private static int[] vectorIfEmpty(int[] shape, int length) {
        return shape.length == 0 ? new int[] {length} : shape;
    }

    /**
     * An F32 tensor wrapping {@code v} (no copy); the number of values must be the shape's volume.
     *
     * <pre>{@code Tensor x = Tensor.ofFloats(new int[] {2, 2}, 1, 2, 3, 4);}</pre>
     */
    public static Tensor ofFloats(int[] shape, float... v) {
        return wrap(DType.F32, shape, v);
    }

    /** An F64 tensor wrapping {@code v}: {@code Tensor.ofDoubles(new int[] {2}, 0.5, 1.5)}. */
    public static Tensor ofDoubles(int[] shape, double... v) {
        return wrap(DType.F64, shape, v);
    }

    /** An I32 tensor wrapping {@code v}: {@code Tensor.ofInts(new int[] {2}, 3, 5)}. */
    public static Tensor ofInts(int[] shape, int... v) {
        return wrap(DType.I32, shape, v);
    }

    /** An I64 tensor wrapping {@code v}: {@code Tensor.ofLongs(new int[] {2}, 3, 5)} (sequence lengths). */
    public static Tensor ofLongs(int[] shape, long... v) {
        return wrap(DType.I64, shape, v);
    }

    /** A BOOL tensor wrapping {@code v}: {@code Tensor.ofBools(new int[] {2}, true, false)}. */
    public static Tensor ofBools(int[] shape, boolean... v) {
        return wrap(DType.BOOL, shape, v);
    }

    /**
     * A rank-0 tensor holding {@code v} converted to {@code dtype} (rounded or truncated), in the
     * argument order of {@code Builder.scalar}.
     *
     * <pre>{@code Tensor k = Tensor.scalar(2.0, DType.F64);}</pre>
     */
    public static Tensor scalar(double v, DType dtype) {
        Tensor t = zeros(dtype);
        t.setDouble(0, v);
        return t;
    }

    /**
     * A scalar of the given dtype holding v.
     *
     * @deprecated the value comes first, as in {@code Builder.scalar}: use {@link #scalar(double, DType)}
     */
    @Deprecated
    public static Tensor scalar(DType dtype, double v) {
        return scalar(v, dtype);
    }

    /**
     * A tensor of dtype with every element converted from doubles (for tests and fixtures).
     *
     * <pre>{@code Tensor lengths = Tensor.fromDoubles(DType.I64, new int[] {2}, 3, 1);}</pre>
     */
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

    /** The element type: {@code Tensor.zeros(DType.F32, 2).dtype() == DType.F32}. */
    public DType dtype() {
        return dtype;
    }

    /** A copy of the sizes: {@code Tensor.zeros(DType.F32, 2, 3).shape()} is {@code {2, 3}}. */
    public int[] shape() {
        return shape.clone();
    }

    /** The size of one axis: {@code Tensor.zeros(DType.F32, 2, 3).dim(1) == 3}. */
    public int dim(int axis) {
        return shape[axis];
    }

    /** The number of axes: 0 for a scalar, {@code Tensor.zeros(DType.F32, 2, 3).rank() == 2}. */
    public int rank() {
        return shape.length;
    }

    /** The number of elements: {@code Tensor.zeros(DType.F32, 2, 3).size() == 6}. */
    public int size() {
        return size;
    }

    /** Offset of element 0 into the backing array: {@code x.step(1).offset() == x.size() / x.dim(0)}. */
    public int offset() {
        return offset;
    }

    /**
     * The backing array, shared with every view of it: element i of this tensor is at
     * {@code offset() + i}. For kernels that handle views themselves; to read the elements use
     * {@link #toFloatArray()} and its siblings or {@link #get(int...)}.
     *
     * <pre>{@code float[] all = (float[]) x.step(1).data();   // the whole sequence's array}</pre>
     */
    public Object data() {
        return data;
    }

    /** Whether this tensor is a view, its elements not its whole backing array: {@code xs.step(1).isView()}. */
    public boolean isView() {
        return offset != 0 || size != Array.getLength(data);
    }

    /**
     * The backing {@code float[]} of an F32 tensor that is not a view (no copy: writes show in the
     * tensor). For a view, whose elements are only part of its array, it throws; read a view with
     * {@link #toFloatArray()}.
     *
     * <pre>{@code float[] w = Tensor.zeros(DType.F32, 4).floats();  w[0] = 1;}</pre>
     *
     * @throws IllegalStateException for a view
     */
    public float[] floats() {
        return (float[]) wholeArray(DType.F32, "toFloatArray()");
    }

    /** The backing {@code double[]} of an F64 tensor that is not a view, like {@link #floats()}. */
    public double[] doubles() {
        return (double[]) wholeArray(DType.F64, "toDoubleArray()");
    }

    /** The backing {@code int[]} of an I32 tensor that is not a view, like {@link #floats()}. */
    public int[] ints() {
        return (int[]) wholeArray(DType.I32, "toIntArray()");
    }

    /** The backing {@code long[]} of an I64 tensor that is not a view, like {@link #floats()}. */
    public long[] longs() {
        return (long[]) wholeArray(DType.I64, "toLongArray()");
    }

    /** The backing {@code boolean[]} of a BOOL tensor that is not a view, like {@link #floats()}. */
    public boolean[] bools() {
        return (boolean[]) wholeArray(DType.BOOL, "toBooleanArray()");
    }

    private Object wholeArray(DType want, String copyInstead) {
        if (dtype != want) {
            throw new IllegalStateException("this tensor is " + dtype + ", not " + want);
        }
        if (isView()) {
            throw new IllegalStateException("this " + type() + " tensor is a view of " + size + " elements at offset " + offset
                    + " of a " + Array.getLength(data) + "-element array; read its elements with " + copyInstead
                    + " or its array with data() and offset()");
        }
        return data;
    }

    /**
     * A new {@code float[]} with this tensor's elements (a view's only), converted from any dtype.
     *
     * <pre>{@code Tensor.of(new float[] {1, 2, 3, 4}, 2, 2).step(1).toFloatArray()   // {3, 4}}</pre>
     */
    public float[] toFloatArray() {
        float[] out = new float[size];
        for (int i = 0; i < size; i++) {
            out[i] = (float) getDouble(i);
        }
        return out;
    }

    /** A new {@code double[]} with this tensor's elements, converted: {@code x.toDoubleArray()}. */
    public double[] toDoubleArray() {
        double[] out = new double[size];
        for (int i = 0; i < size; i++) {
            out[i] = getDouble(i);
        }
        return out;
    }

    /** A new {@code int[]} with this tensor's elements (floats truncated): {@code lengths.toIntArray()}. */
    public int[] toIntArray() {
        int[] out = new int[size];
        for (int i = 0; i < size; i++) {
            out[i] = (int) getLong(i);
        }
        return out;
    }

    /** A new {@code long[]} with this tensor's elements (floats truncated): {@code lengths.toLongArray()}. */
    public long[] toLongArray() {
        long[] out = new long[size];
        for (int i = 0; i < size; i++) {
            out[i] = getLong(i);
        }
        return out;
    }

    /** A new {@code boolean[]} with this tensor's elements (non-zero is true): {@code mask.toBooleanArray()}. */
    public boolean[] toBooleanArray() {
        boolean[] out = new boolean[size];
        for (int i = 0; i < size; i++) {
            out[i] = getDouble(i) != 0;
        }
        return out;
    }

    /** The same as {@link #toDoubleArray()}, the short name the tests compare with: {@code y.toDoubles()}. */
    public double[] toDoubles() {
        return toDoubleArray();
    }

    /** The static type: {@code Tensor.zeros(DType.F32, 2, 3).type()} is {@code F32(2, 3)}. */
    public TensorType type() {
        return new TensorType(dtype, Shape.of(shape));
    }

    /**
     * The element at {@code index} (one index per axis, none for a scalar) as a double; booleans
     * read as 0/1.
     *
     * <pre>{@code Tensor.of(new float[] {1, 2, 3, 4, 5, 6}, 2, 3).get(1, 0)   // 4.0}</pre>
     *
     * @throws IndexOutOfBoundsException when the number of indices is not the rank or one is out of range
     */
    public double get(int... index) {
        return getDouble(flatIndex(index));
    }

    /** The element at {@code index} as a float: {@code logits.getFloat(0, 2)}; see {@link #get(int...)}. */
    public float getFloat(int... index) {
        return (float) getDouble(flatIndex(index));
    }

    /**
     * The row-major position of the element at {@code index} among this tensor's elements.
     *
     * <pre>{@code Tensor.zeros(DType.F32, 2, 3).flatIndex(1, 2) == 5}</pre>
     */
    public int flatIndex(int... index) {
        if (index.length != shape.length) {
            throw new IndexOutOfBoundsException("a rank-" + shape.length + " tensor " + type() + " takes " + shape.length
                    + " indices, got " + index.length + " " + Arrays.toString(index));
        }
        int flat = 0;
        for (int a = 0; a < shape.length; a++) {
            if (index[a] < 0 || index[a] >= shape[a]) {
                throw new IndexOutOfBoundsException("index " + Arrays.toString(index) + " is out of range for " + type()
                        + " (axis " + a + ")");
            }
            flat = flat * shape[a] + index[a];
        }
        return flat;
    }

    /** Element i (flat, row-major, relative to the offset) as a double; booleans read as 0/1: {@code x.getDouble(3)}. */
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

    /** Element i (flat) as a long, exact for integer dtypes: {@code lengths.getLong(0)}. */
    public long getLong(int i) {
        int j = offset + i;
        return switch (dtype) {
            case I32 -> ((int[]) data)[j];
            case I64 -> ((long[]) data)[j];
            default -> (long) getDouble(i);
        };
    }

    /** Writes element i (flat), converted to the dtype: {@code t.setDouble(0, 1.5)}. */
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

    /** Writes element i (flat), exact for integer dtypes: {@code lengths.setLong(0, 35)}. */
    public void setLong(int i, long v) {
        int j = offset + i;
        switch (dtype) {
            case I32 -> ((int[]) data)[j] = (int) v;
            case I64 -> ((long[]) data)[j] = v;
            default -> setDouble(i, v);
        }
    }

    /**
     * A view of {@code count} consecutive entries along axis 0 starting at {@code start}, without copying.
     *
     * <pre>{@code Tensor firstTwoSteps = xs.slice0(0, 2);}</pre>
     */
    public Tensor slice0(int start, int count) {
        if (shape.length == 0 || start < 0 || count < 0 || start + count > shape[0]) {
            throw new IndexOutOfBoundsException("slice0(" + start + ", " + count + ") of " + type());
        }
        int[] s = shape.clone();
        s[0] = count;
        return new Tensor(dtype, s, data, offset + start * Shape.volume(Arrays.copyOfRange(shape, 1, shape.length)));
    }

    /**
     * {@code count} consecutive entries along {@code axis} starting at {@code start}: a view (as
     * {@link #slice0}) when the axis is the first, otherwise a new contiguous tensor.
     *
     * <pre>{@code Tensor firstRows = xs.slice(1, 0, 16);   // (T, 16, I) of a (T, B, I) sequence}</pre>
     */
    public Tensor slice(int axis, int start, int count) {
        if (axis == 0) {
            return slice0(start, count);
        }
        if (axis < 0 || axis >= shape.length || start < 0 || count < 0 || start + count > shape[axis]) {
            throw new IndexOutOfBoundsException("slice(" + axis + ", " + start + ", " + count + ") of " + type());
        }
        int outer = Shape.volume(Arrays.copyOfRange(shape, 0, axis));
        int inner = Shape.volume(Arrays.copyOfRange(shape, axis + 1, shape.length));
        int[] s = shape.clone();
        s[axis] = count;
        Tensor out = zeros(dtype, s);
        int len = count * inner;
        for (int o = 0; o < outer; o++) {
            System.arraycopy(data, offset + (o * shape[axis] + start) * inner, out.data, o * len, len);
        }
        return out;
    }

    /**
     * The parts joined along {@code axis} into a new tensor (same dtype, and the same sizes on every
     * other axis).
     *
     * <pre>{@code Tensor whole = Tensor.concat(List.of(firstRows, lastRows), 1);}</pre>
     */
    public static Tensor concat(java.util.List<Tensor> parts, int axis) {
        Tensor first = parts.get(0);
        int[] s = first.shape.clone();
        s[axis] = 0;
        for (Tensor p : parts) {
            if (p.dtype != first.dtype || p.shape.length != s.length) {
                throw new IllegalArgumentException("cannot concat " + p.type() + " to " + first.type() + " along axis " + axis);
            }
            for (int a = 0; a < s.length; a++) {
                if (a != axis && p.shape[a] != s[a]) {
                    throw new IllegalArgumentException("cannot concat " + p.type() + " to " + first.type() + " along axis " + axis);
                }
            }
            s[axis] += p.shape[axis];
        }
        Tensor out = zeros(first.dtype, s);
        int outer = Shape.volume(Arrays.copyOfRange(s, 0, axis));
        int inner = Shape.volume(Arrays.copyOfRange(s, axis + 1, s.length));
        int rowLen = s[axis] * inner;
        int at = 0;
        for (Tensor p : parts) {
            int len = p.shape[axis] * inner;
            for (int o = 0; o < outer; o++) {
                System.arraycopy(p.data, p.offset + o * len, out.data, o * rowLen + at, len);
            }
            at += len;
        }
        return out;
    }

    /**
     * Entry {@code index} along axis 0 with that axis dropped (a time step), a view without copying.
     *
     * <pre>{@code Tensor x0 = xs.step(0);   // (B, I) of a (T, B, I) sequence}</pre>
     */
    public Tensor step(int index) {
        if (shape.length == 0 || index < 0 || index >= shape[0]) {
            throw new IndexOutOfBoundsException("step " + index + " of " + type());
        }
        int[] s = Arrays.copyOfRange(shape, 1, shape.length);
        return new Tensor(dtype, s, data, offset + index * Shape.volume(s));
    }

    /**
     * The same elements under another shape of equal size, without copying.
     *
     * <pre>{@code Tensor flat = x.reshape(6);}</pre>
     */
    public Tensor reshape(int... newShape) {
        if (Shape.volume(newShape) != size) {
            throw new IllegalArgumentException("cannot reshape " + Arrays.toString(shape) + " to " + Arrays.toString(newShape));
        }
        return new Tensor(dtype, newShape, data, offset);
    }

    /** A compact copy that owns its array (a view's elements only): {@code Tensor mine = x.step(0).copy()}. */
    public Tensor copy() {
        Tensor t = zeros(dtype, shape);
        System.arraycopy(data, offset, t.data, 0, size);
        return t;
    }

    /** Copies all of src (same dtype and size) into this tensor: {@code h.copyFrom(h0)}. */
    public void copyFrom(Tensor src) {
        if (src.dtype != dtype || src.size != size) {
            throw new IllegalArgumentException("copy of " + src.type() + " into " + type());
        }
        System.arraycopy(src.data, src.offset, data, offset, size);
    }

    /** The dtype, shape and first 8 elements, F32 printed as floats: {@code F32[2][0.1, 0.2]}. */
    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder(dtype + Arrays.toString(shape) + "[");
        for (int i = 0; i < Math.min(size, 8); i++) {
            sb.append(i == 0 ? "" : ", ").append(element(i));
        }
        return sb.append(size > 8 ? ", ...]" : "]").toString();
    }

    private String element(int i) {
        return switch (dtype) {
            case F32 -> Float.toString((float) getDouble(i));
            case F64 -> Double.toString(getDouble(i));
            case BOOL -> Boolean.toString(getDouble(i) != 0);
            case I32, I64 -> Long.toString(getLong(i));
        };
    }
}
