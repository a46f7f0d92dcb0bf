package dev.spool.backend.cpu.reference;

import dev.spool.graph.DType;
import dev.spool.graph.Tensor;

import java.util.List;

/** Reference data-movement kernels: transpose, slice, concat, stack, gather, one-hot. */
final class LayoutKernels {
    private LayoutKernels() {
    }

    static Tensor transpose(Tensor x, List<Integer> perm) {
        int[] in = x.shape();
        int r = in.length;
        int[] outShape = new int[r];
        int[] inStrides = Strides.of(in);
        int[] st = new int[r];
        for (int i = 0; i < r; i++) {
            outShape[i] = in[perm.get(i)];
            st[i] = inStrides[perm.get(i)];
        }
        Tensor out = Tensor.zeros(x.dtype(), outShape);
        int[] pos = new int[r];
        int off = x.offset();
        Object src = x.data();
        Object dst = out.data();
        for (int i = 0; i < out.size(); i++) {
            System.arraycopy(src, off, dst, i, 1);
            for (int ax = r - 1; ax >= 0; ax--) {
                pos[ax]++;
                off += st[ax];
                if (pos[ax] < outShape[ax]) {
                    break;
                }
                off -= st[ax] * pos[ax];
                pos[ax] = 0;
            }
        }
        return out;
    }

    /** {@code x[start:end]} on axis; a view when the axis is the first. */
    static Tensor slice(Tensor x, int axis, int start, int end) {
        return x.slice(axis, start, end - start);
    }

    static Tensor index(Tensor x, int axis, int i) {
        int[] shape = x.shape();
        int[] outShape = new int[shape.length - 1];
        for (int a = 0, j = 0; a < shape.length; a++) {
            if (a != axis) {
                outShape[j++] = shape[a];
            }
        }
        Tensor s = slice(x, axis, i, i + 1);
        return axis == 0 ? x.step(i) : s.reshape(outShape);
    }

    static Tensor concat(List<Tensor> xs, int axis) {
        return Tensor.concat(xs, axis);
    }

    static Tensor stack(List<Tensor> xs, int axis, int[] outShape) {
        int[] withAxis = outShape.clone();
        withAxis[axis] = 1;
        List<Tensor> expanded = xs.stream().map(x -> x.reshape(withAxis)).toList();
        return Tensor.concat(expanded, axis);
    }

    static Tensor gather(Tensor table, Tensor indices, int[] outShape) {
        Tensor out = Tensor.zeros(table.dtype(), outShape);
        int rows = table.dim(0);
        int row = table.size() / Math.max(1, rows);
        for (int i = 0; i < indices.size(); i++) {
            long ix = indices.getLong(i);
            if (ix < 0 || ix >= rows) {
                throw new IndexOutOfBoundsException("gather: index " + ix + " is outside [0, " + rows + ")");
            }
            System.arraycopy(table.data(), table.offset() + (int) ix * row, out.data(), i * row, row);
        }
        return out;
    }

    static Tensor oneHot(Tensor indices, int depth, DType dtype, int[] outShape) {
        Tensor out = Tensor.zeros(dtype, outShape);
        for (int i = 0; i < indices.size(); i++) {
            long ix = indices.getLong(i);
            if (ix >= 0 && ix < depth) {
                out.setDouble(i * depth + (int) ix, 1);
            }
        }
        return out;
    }

    /** Copies x into zeros of outShape at offset {@code before} along axis. */
    static Tensor pad(Tensor x, int axis, int before, int[] outShape) {
        Tensor out = Tensor.zeros(x.dtype(), outShape);
        int[] in = x.shape();
        int outer = Strides.volume(in, 0, axis);
        int inner = Strides.volume(in, axis + 1, in.length);
        int len = in[axis] * inner;
        for (int o = 0; o < outer; o++) {
            System.arraycopy(x.data(), x.offset() + o * len, out.data(), (o * outShape[axis] + before) * inner, len);
        }
        return out;
    }

    /** Zeros of outShape (rows, d...) with each row of updates added at its index. */
    static Tensor scatterAdd(Tensor indices, Tensor updates, int[] outShape) {
        Tensor out = Tensor.zeros(updates.dtype(), outShape);
        int rows = outShape[0];
        int row = out.size() / Math.max(1, rows);
        for (int i = 0; i < indices.size(); i++) {
            long ix = indices.getLong(i);
            if (ix < 0 || ix >= rows) {
                throw new IndexOutOfBoundsException("scatter_add: index " + ix + " is outside [0, " + rows + ")");
            }
            for (int j = 0; j < row; j++) {
                int at = (int) ix * row + j;
                out.setDouble(at, out.getDouble(at) + updates.getDouble(i * row + j));
            }
        }
        return out;
    }
}
