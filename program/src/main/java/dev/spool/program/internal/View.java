package dev.spool.program.internal;

import java.util.Arrays;

/**
 * Where a tensor lives in a lowered {@link Program}: elements of one {@link Buffer} addressed by an
 * element offset and a stride per axis. Inside loops the offset also moves with the loop indices:
 * at indices {@code i[0..]} (outermost first) the first element is at
 * {@code offset + sum(i[l] * loopStrides[l])}; that is how a scan body reads slice t of a
 * sequence and writes row t of a stacked output without copying. A stride of 0 repeats an element
 * (a broadcast operand). Slices, reshapes of contiguous data, index and transpose are views, not
 * copies.
 *
 * <pre>{@code
 * View x = View.contiguous(3, new int[] {35, 32, 256});   // buffer 3, (T, B, H)
 * View xt = x.index(0, 0).atLoop(0, 32 * 256);             // step t of x inside loop level 0
 * }</pre>
 */
public record View(int buffer, int offset, int[] shape, int[] strides, int[] loopStrides) {

    public View {
        shape = shape.clone();
        strides = strides.clone();
        loopStrides = loopStrides.clone();
        if (shape.length != strides.length) {
            throw new IllegalArgumentException("shape " + Arrays.toString(shape) + " and strides " + Arrays.toString(strides) + " differ in rank");
        }
    }

    /** A row-major view of a whole buffer. */
    public static View contiguous(int buffer, int[] shape) {
        return new View(buffer, 0, shape, rowMajor(shape), new int[0]);
    }

    public static int[] rowMajor(int[] shape) {
        int[] s = new int[shape.length];
        int acc = 1;
        for (int i = shape.length - 1; i >= 0; i--) {
            s[i] = acc;
            acc *= shape[i];
        }
        return s;
    }

    public int rank() {
        return shape.length;
    }

    public int size() {
        int n = 1;
        for (int d : shape) {
            n *= d;
        }
        return n;
    }

    public int dim(int axis) {
        return shape[axis];
    }

    public int stride(int axis) {
        return strides[axis];
    }

    /**
     * Whether this view and {@code other} are views of the same buffer that move together with the
     * loops (equal loop strides) and never share an element: their element spans are apart at every
     * step. An LSTM's cell state read from step t's slot of its stack and written to step t + 1's is
     * such a pair. Views of different buffers are not judged here (their bytes depend on the memory
     * plan), nor views that move differently.
     *
     * <pre>{@code
     * View now = new View(3, 0, new int[] {2, 4}, new int[] {4, 1}, new int[] {8});
     * View next = new View(3, 8, new int[] {2, 4}, new int[] {4, 1}, new int[] {8});
     * now.apartFrom(next); // true
     * }</pre>
     */
    public boolean apartFrom(View other) {
        if (buffer != other.buffer || !java.util.Arrays.equals(loopStrides, other.loopStrides)) {
            return false;
        }
        long[] a = span();
        long[] b = other.span();
        return a[1] <= b[0] || b[1] <= a[0];
    }

    /** The elements {@code [from, to)} of the buffer this view covers at loop position 0 (empty views cover none). */
    private long[] span() {
        long lo = offset;
        long hi = offset;
        for (int d = 0; d < shape.length; d++) {
            if (shape[d] == 0) {
                return new long[] {offset, offset};
            }
            long reach = (long) (shape[d] - 1) * strides[d];
            if (reach < 0) {
                lo += reach;
            } else {
                hi += reach;
            }
        }
        return new long[] {lo, hi + 1};
    }

    /** Whether the view moves with any loop index. */
    public boolean isLoopVariant() {
        for (int s : loopStrides) {
            if (s != 0) {
                return true;
            }
        }
        return false;
    }

    /** Whether elements are laid out row-major without gaps (size-1 axes may have any stride). */
    public boolean isContiguous() {
        int expect = 1;
        for (int i = shape.length - 1; i >= 0; i--) {
            if (shape[i] != 1 && strides[i] != expect) {
                return false;
            }
            expect *= shape[i];
        }
        return true;
    }

    /** Element offset of the first element for the given loop indices. */
    public int offsetAt(int[] loopIndex) {
        int o = offset;
        for (int l = 0; l < loopStrides.length; l++) {
            o += loopIndex[l] * loopStrides[l];
        }
        return o;
    }

    /** The same geometry in another buffer. */
    public View withBuffer(int id) {
        return new View(id, offset, shape, strides, loopStrides);
    }

    /** The same view moving by {@code stride} elements per step of loop {@code level}. */
    public View atLoop(int level, int stride) {
        int[] ls = Arrays.copyOf(loopStrides, Math.max(loopStrides.length, level + 1));
        ls[level] += stride;
        return new View(buffer, offset, shape, strides, ls);
    }

    /** A contiguous view under another shape of the same size. */
    public View reshape(int[] newShape) {
        if (!isContiguous()) {
            throw new IllegalStateException("reshape of a non-contiguous view " + this);
        }
        return new View(buffer, offset, newShape, rowMajor(newShape), loopStrides);
    }

    /** {@code [start, end)} along axis, without copying. */
    public View slice(int axis, int start, int end) {
        int[] s = shape.clone();
        s[axis] = end - start;
        return new View(buffer, offset + start * strides[axis], s, strides, loopStrides);
    }

    /** Entry i along axis, with the axis dropped. */
    public View index(int axis, int i) {
        return new View(buffer, offset + i * strides[axis], drop(shape, axis), drop(strides, axis), loopStrides);
    }

    public View transpose(int[] perm) {
        int[] s = new int[perm.length];
        int[] st = new int[perm.length];
        for (int i = 0; i < perm.length; i++) {
            s[i] = shape[perm[i]];
            st[i] = strides[perm[i]];
        }
        return new View(buffer, offset, s, st, loopStrides);
    }

    /** Numpy broadcasting to {@code target} (right-aligned; size-1 and missing axes get stride 0). */
    public View broadcastTo(int[] target) {
        int[] st = new int[target.length];
        int lead = target.length - shape.length;
        for (int i = 0; i < shape.length; i++) {
            if (shape[i] == target[lead + i]) {
                st[lead + i] = shape[i] == 1 ? 0 : strides[i];
            } else if (shape[i] != 1) {
                throw new IllegalArgumentException("cannot broadcast " + Arrays.toString(shape) + " to " + Arrays.toString(target));
            }
        }
        return new View(buffer, offset, target, st, loopStrides);
    }

    private static int[] drop(int[] a, int axis) {
        int[] out = new int[a.length - 1];
        for (int i = 0, j = 0; i < a.length; i++) {
            if (i != axis) {
                out[j++] = a[i];
            }
        }
        return out;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof View v && v.buffer == buffer && v.offset == offset && Arrays.equals(v.shape, shape)
                && Arrays.equals(v.strides, strides) && Arrays.equals(trimmed(v.loopStrides), trimmed(loopStrides));
    }

    @Override
    public int hashCode() {
        return ((buffer * 31 + offset) * 31 + Arrays.hashCode(shape)) * 31 + Arrays.hashCode(strides);
    }

    private static int[] trimmed(int[] a) {
        int n = a.length;
        while (n > 0 && a[n - 1] == 0) {
            n--;
        }
        return Arrays.copyOf(a, n);
    }

    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder("b").append(buffer);
        if (offset != 0) {
            sb.append('+').append(offset);
        }
        sb.append(Arrays.toString(shape));
        if (!isContiguous()) {
            sb.append("/s").append(Arrays.toString(strides));
        }
        for (int l = 0; l < loopStrides.length; l++) {
            if (loopStrides[l] != 0) {
                sb.append(" +t").append(l).append('*').append(loopStrides[l]);
            }
        }
        return sb.toString();
    }
}
