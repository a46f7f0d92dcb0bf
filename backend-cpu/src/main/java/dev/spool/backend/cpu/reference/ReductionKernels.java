package dev.spool.backend.cpu.reference;

import dev.spool.graph.Tensor;
import dev.spool.ops.internal.ReduceFn;

import java.util.Arrays;
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
            Arrays.fill(sum, Double.NEGATIVE_INFINITY);
            Arrays.fill(isum, Long.MIN_VALUE);
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
}
