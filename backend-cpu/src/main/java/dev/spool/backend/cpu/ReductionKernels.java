package dev.spool.backend.cpu;

import dev.spool.graph.Tensor;
import dev.spool.ops.internal.ReduceFn;

import java.util.Set;

/** Reference reductions; sums accumulate in double (or long for integers) for accuracy. */
final class ReductionKernels {
    private ReductionKernels() {
    }

    static Tensor reduce(ReduceFn fn, Tensor x, Set<Integer> axes, int[] outShape) {
        int[] in = x.shape();
        int r = in.length;
        // Output strides laid over the input's axes: 0 on reduced axes.
        int[] keep = new int[r];
        int acc = 1;
        for (int i = r - 1; i >= 0; i--) {
            if (!axes.contains(i)) {
                keep[i] = acc;
                acc *= in[i];
            }
        }
        int outN = acc;
        double[] sum = new double[outN];
        long[] isum = new long[outN];
        boolean ints = x.dtype().isInteger();
        if (fn == ReduceFn.MAX) {
            java.util.Arrays.fill(sum, Double.NEGATIVE_INFINITY);
            java.util.Arrays.fill(isum, Long.MIN_VALUE);
        }
        int[] pos = new int[r];
        int o = 0;
        for (int i = 0; i < x.size(); i++) {
            if (ints) {
                long v = x.getLong(i);
                isum[o] = fn == ReduceFn.MAX ? Math.max(isum[o], v) : isum[o] + v;
            } else {
                double v = x.getDouble(i);
                sum[o] = fn == ReduceFn.MAX ? (Double.isNaN(v) || v > sum[o] ? v : sum[o]) : sum[o] + v;
            }
            for (int ax = r - 1; ax >= 0; ax--) {
                pos[ax]++;
                o += keep[ax];
                if (pos[ax] < in[ax]) {
                    break;
                }
                o -= keep[ax] * pos[ax];
                pos[ax] = 0;
            }
        }
        Tensor out = Tensor.zeros(x.dtype(), outShape);
        int count = x.size() / Math.max(1, outN);
        for (int i = 0; i < outN; i++) {
            if (ints) {
                out.setLong(i, isum[i]);
            } else {
                out.setDouble(i, fn == ReduceFn.MEAN ? sum[i] / count : sum[i]);
            }
        }
        return out;
    }

    static Tensor softmax(Tensor x, int axis, boolean log) {
        int[] shape = x.shape();
        int n = shape[axis];
        int inner = Strides.volume(shape, axis + 1, shape.length);
        int outer = Strides.volume(shape, 0, axis);
        Tensor out = Tensor.zeros(x.dtype(), shape);
        for (int o = 0; o < outer; o++) {
            for (int in = 0; in < inner; in++) {
                int base = o * n * inner + in;
                double max = Double.NEGATIVE_INFINITY;
                for (int j = 0; j < n; j++) {
                    max = Math.max(max, x.getDouble(base + j * inner));
                }
                double s = 0;
                for (int j = 0; j < n; j++) {
                    s += Math.exp(x.getDouble(base + j * inner) - max);
                }
                double lse = max + Math.log(s);
                for (int j = 0; j < n; j++) {
                    double v = x.getDouble(base + j * inner) - lse;
                    out.setDouble(base + j * inner, log ? v : Math.exp(v));
                }
            }
        }
        return out;
    }

    /** Mean over rows of {@code logsumexp(logits) - logits[target]}. */
    static Tensor crossEntropy(Tensor logits, Tensor targets) {
        int c = logits.dim(logits.rank() - 1);
        int rows = targets.size();
        double total = 0;
        for (int r = 0; r < rows; r++) {
            long t = targets.getLong(r);
            if (t < 0 || t >= c) {
                throw new IndexOutOfBoundsException("cross_entropy: target " + t + " at row " + r + " is outside [0, " + c + ")");
            }
            double max = Double.NEGATIVE_INFINITY;
            for (int j = 0; j < c; j++) {
                max = Math.max(max, logits.getDouble(r * c + j));
            }
            double s = 0;
            for (int j = 0; j < c; j++) {
                s += Math.exp(logits.getDouble(r * c + j) - max);
            }
            total += max + Math.log(s) - logits.getDouble(r * c + (int) t);
        }
        return Tensor.scalar(rows == 0 ? Double.NaN : total / rows, logits.dtype());
    }

    /** (softmax(logits) - one_hot(targets)) * scale, row by row over the last axis. */
    static Tensor crossEntropyGrad(Tensor logits, Tensor targets, Tensor scale) {
        int c = logits.dim(logits.rank() - 1);
        Tensor p = softmax(logits, logits.rank() - 1, false);
        double k = scale.getDouble(0);
        for (int r = 0; r < targets.size(); r++) {
            long t = targets.getLong(r);
            if (t < 0 || t >= c) {
                throw new IndexOutOfBoundsException("cross_entropy: target " + t + " at row " + r + " is outside [0, " + c + ")");
            }
            for (int j = 0; j < c; j++) {
                p.setDouble(r * c + j, (p.getDouble(r * c + j) - (j == t ? 1 : 0)) * k);
            }
        }
        return p;
    }
}
