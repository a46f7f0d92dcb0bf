package dev.spool.backend.cpu.reference;

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
                float[] in = (float[]) x.data();
                float[] r = out.floats();
                if (fn == UnaryFn.TANH) {
                    for (int i = 0; i < n; i++) {
                        r[i] = KernelMath.tanh(in[o + i]);
                    }
                } else {
                    for (int i = 0; i < n; i++) {
                        r[i] = (float) fn.apply(in[o + i]);
                    }
                }
            }
            case F64 -> {
                double[] in = (double[]) x.data();
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
        if (a.dtype().isFloat() && Strides.same(a.shape(), outShape) && (Strides.same(b.shape(), outShape) || isSuffix(b.shape(), outShape))) {
            floatRows(fn, a, b, out, false);
            return out;
        }
        if (a.dtype().isFloat() && Strides.same(b.shape(), outShape) && isSuffix(a.shape(), outShape)) {
            floatRows(fn, b, a, out, true);
            return out;
        }
        int n = out.size();
        int[] ai = Strides.broadcastIndex(a.shape(), outShape);
        int[] bi = Strides.broadcastIndex(b.shape(), outShape);
        for (int i = 0; i < n; i++) {
            if (a.dtype().isInteger()) {
                out.setLong(i, fn.applyLong(a.getLong(ai[i]), b.getLong(bi[i])));
            } else {
                out.setDouble(i, fn.apply(a.getDouble(ai[i]), b.getDouble(bi[i])));
            }
        }
        return out;
    }

    /** Whether {@code in} (without leading 1s) equals the trailing axes of {@code out}: a repeated row, like a bias. */
    private static boolean isSuffix(int[] in, int[] out) {
        int skip = 0;
        while (skip < in.length && in[skip] == 1) {
            skip++;
        }
        int len = in.length - skip;
        if (len > out.length) {
            return false;
        }
        for (int i = 0; i < len; i++) {
            if (in[skip + i] != out[out.length - len + i]) {
                return false;
            }
        }
        return true;
    }

    /**
     * The common float cases without offset tables: {@code full} has the output's shape and
     * {@code row} either the same shape or a row repeated over the leading axes (a bias).
     * {@code swapped} means {@code row} is the left operand.
     */
    private static void floatRows(BinaryFn fn, Tensor full, Tensor row, Tensor out, boolean swapped) {
        int n = out.size();
        int w = Math.max(1, row.size());
        int fo = full.offset();
        int ro = row.offset();
        if (out.dtype() == DType.F32) {
            float[] x = (float[]) full.data();
            float[] y = (float[]) row.data();
            float[] r = out.floats();
            for (int base = 0; base < n; base += w) {
                int yb = row.size() == n ? ro + base : ro;
                int xb = fo + base;
                // ADD and MUL (bias adds, gate products) get plain loops the JIT vectorises.
                if (fn == BinaryFn.ADD) {
                    for (int j = 0; j < w; j++) {
                        r[base + j] = x[xb + j] + y[yb + j];
                    }
                } else if (fn == BinaryFn.MUL) {
                    for (int j = 0; j < w; j++) {
                        r[base + j] = x[xb + j] * y[yb + j];
                    }
                } else {
                    for (int j = 0; j < w; j++) {
                        double u = x[xb + j];
                        double v = y[yb + j];
                        r[base + j] = (float) (swapped ? fn.apply(v, u) : fn.apply(u, v));
                    }
                }
            }
        } else {
            double[] x = (double[]) full.data();
            double[] y = (double[]) row.data();
            double[] r = out.doubles();
            for (int base = 0; base < n; base += w) {
                int yb = row.size() == n ? ro + base : ro;
                for (int j = 0; j < w; j++) {
                    r[base + j] = swapped ? fn.apply(y[yb + j], x[fo + base + j]) : fn.apply(x[fo + base + j], y[yb + j]);
                }
            }
        }
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
        boolean[] c = (boolean[]) cond.data();
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

    static Tensor iota(DType dtype, int[] shape, int axis) {
        Tensor out = Tensor.zeros(dtype, shape);
        int inner = Strides.volume(shape, axis + 1, shape.length);
        for (int i = 0; i < out.size(); i++) {
            out.setLong(i, (i / inner) % shape[axis]);
        }
        return out;
    }
}
