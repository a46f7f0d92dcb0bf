package dev.spool.backend.cpu;

import dev.spool.graph.DType;
import dev.spool.graph.Tensor;
import dev.spool.ops.BinaryFn;
import dev.spool.ops.CompareFn;
import dev.spool.ops.UnaryFn;

/**
 * Reference pointwise kernels. Floats compute in the tensor's own precision's storage but through
 * the double-precision reference functions; integers compute exactly in longs. Broadcast operands
 * are read through precomputed offset tables so each loop body stays a simple array access.
 */
final class ElementwiseKernels {
    private ElementwiseKernels() {
    }

    static Tensor unary(UnaryFn fn, Tensor x) {
        Tensor out = Tensor.zeros(x.dtype(), x.shape());
        int n = x.size();
        int o = x.offset();
        switch (x.dtype()) {
            case F32 -> {
                float[] in = x.floats();
                float[] r = out.floats();
                for (int i = 0; i < n; i++) {
                    r[i] = (float) fn.apply(in[o + i]);
                }
            }
            case F64 -> {
                double[] in = x.doubles();
                double[] r = out.doubles();
                for (int i = 0; i < n; i++) {
                    r[i] = fn.apply(in[o + i]);
                }
            }
            case I32, I64 -> {
                for (int i = 0; i < n; i++) {
                    out.setLong(i, fn.applyLong(x.getLong(i)));
                }
            }
            case BOOL -> throw new IllegalStateException(fn + " on BOOL");
        }
        return out;
    }

    static Tensor binary(BinaryFn fn, Tensor a, Tensor b, int[] outShape) {
        Tensor out = Tensor.zeros(a.dtype(), outShape);
        int n = out.size();
        int[] ai = Strides.same(a.shape(), outShape) ? null : Strides.broadcastIndex(a.shape(), outShape);
        int[] bi = Strides.same(b.shape(), outShape) ? null : Strides.broadcastIndex(b.shape(), outShape);
        int ao = a.offset();
        int bo = b.offset();
        switch (a.dtype()) {
            case F32 -> {
                float[] x = a.floats();
                float[] y = b.floats();
                float[] r = out.floats();
                for (int i = 0; i < n; i++) {
                    r[i] = (float) fn.apply(x[ao + (ai == null ? i : ai[i])], y[bo + (bi == null ? i : bi[i])]);
                }
            }
            case F64 -> {
                double[] x = a.doubles();
                double[] y = b.doubles();
                double[] r = out.doubles();
                for (int i = 0; i < n; i++) {
                    r[i] = fn.apply(x[ao + (ai == null ? i : ai[i])], y[bo + (bi == null ? i : bi[i])]);
                }
            }
            case I32, I64 -> {
                for (int i = 0; i < n; i++) {
                    out.setLong(i, fn.applyLong(a.getLong(ai == null ? i : ai[i]), b.getLong(bi == null ? i : bi[i])));
                }
            }
            case BOOL -> throw new IllegalStateException(fn + " on BOOL");
        }
        return out;
    }

    static Tensor compare(CompareFn fn, Tensor a, Tensor b, int[] outShape) {
        Tensor out = Tensor.zeros(DType.BOOL, outShape);
        int[] ai = Strides.broadcastIndex(a.shape(), outShape);
        int[] bi = Strides.broadcastIndex(b.shape(), outShape);
        boolean[] r = out.bools();
        boolean ints = a.dtype().isInteger();
        for (int i = 0; i < r.length; i++) {
            r[i] = ints ? fn.apply(Long.compare(a.getLong(ai[i]), b.getLong(bi[i])), 0)
                    : fn.apply(a.getDouble(ai[i]), b.getDouble(bi[i]));
        }
        return out;
    }

    static Tensor where(Tensor cond, Tensor a, Tensor b, int[] outShape) {
        Tensor out = Tensor.zeros(a.dtype(), outShape);
        int[] ci = Strides.broadcastIndex(cond.shape(), outShape);
        int[] ai = Strides.broadcastIndex(a.shape(), outShape);
        int[] bi = Strides.broadcastIndex(b.shape(), outShape);
        boolean[] c = cond.bools();
        int co = cond.offset();
        for (int i = 0; i < out.size(); i++) {
            Tensor src = c[co + ci[i]] ? a : b;
            int j = c[co + ci[i]] ? ai[i] : bi[i];
            if (a.dtype().isInteger()) {
                out.setLong(i, src.getLong(j));
            } else {
                out.setDouble(i, src.getDouble(j));
            }
        }
        return out;
    }

    static Tensor cast(Tensor x, DType to) {
        Tensor out = Tensor.zeros(to, x.shape());
        boolean exactInts = x.dtype().isInteger() && (to.isInteger() || to == DType.BOOL);
        for (int i = 0; i < x.size(); i++) {
            if (exactInts) {
                out.setLong(i, to == DType.BOOL ? (x.getLong(i) != 0 ? 1 : 0) : x.getLong(i));
            } else {
                out.setDouble(i, x.getDouble(i));
            }
        }
        return out;
    }

    static Tensor fill(double value, DType dtype, int[] shape) {
        Tensor out = Tensor.zeros(dtype, shape);
        if (value != 0) {
            for (int i = 0; i < out.size(); i++) {
                out.setDouble(i, value);
            }
        }
        return out;
    }
}
