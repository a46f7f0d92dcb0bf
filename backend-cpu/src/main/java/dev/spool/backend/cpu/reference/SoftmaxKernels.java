package dev.spool.backend.cpu.reference;

import dev.spool.graph.Tensor;

/**
 * Reference softmax, log-softmax, cross-entropy and its gradient, in double, each row's
 * log-sum-exp computed stably (max subtracted first) by one helper. The compiled path has its own
 * (runtime's {@code SoftmaxRows} scalar, {@code VectorRows} for F32 vectors); this one rounds
 * softmax to the tensor's dtype on store, which the gradient then reads.
 */
final class SoftmaxKernels {
    private SoftmaxKernels() {
    }

    /** log(sum_j exp(x[base + j * stride])) over n elements, the max subtracted first. */
    private static double logSumExp(Tensor x, int base, int n, int stride) {
        double max = Double.NEGATIVE_INFINITY;
        for (int j = 0; j < n; j++) {
            max = Math.max(max, x.getDouble(base + j * stride));
        }
        double s = 0;
        for (int j = 0; j < n; j++) {
            s += Math.exp(x.getDouble(base + j * stride) - max);
        }
        return max + Math.log(s);
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
                double lse = logSumExp(x, base, n, inner);
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
            total += logSumExp(logits, r * c, c, 1) - logits.getDouble(r * c + target(targets, r, c));
        }
        return Tensor.scalar(rows == 0 ? Double.NaN : total / rows, logits.dtype());
    }

    /** (softmax(logits) - one_hot(targets)) * scale, row by row over the last axis. */
    static Tensor crossEntropyGrad(Tensor logits, Tensor targets, Tensor scale) {
        int c = logits.dim(logits.rank() - 1);
        Tensor p = softmax(logits, logits.rank() - 1, false);
        double k = scale.getDouble(0);
        for (int r = 0; r < targets.size(); r++) {
            int t = target(targets, r, c);
            for (int j = 0; j < c; j++) {
                p.setDouble(r * c + j, (p.getDouble(r * c + j) - (j == t ? 1 : 0)) * k);
            }
        }
        return p;
    }

    /** Row r's target class, refused outside [0, classes). */
    private static int target(Tensor targets, int r, int classes) {
        long t = targets.getLong(r);
        if (t < 0 || t >= classes) {
            throw new IndexOutOfBoundsException("cross_entropy: target " + t + " at row " + r + " is outside [0, " + classes + ")");
        }
        return (int) t;
    }
}
