package dev.spool.backend.cpu;

import dev.spool.graph.DType;
import dev.spool.ops.ReduceFn;

import java.nio.ByteBuffer;
import java.util.Arrays;

/**
 * Steps that reduce: sum/mean/max over axes, softmax along an axis, mean cross-entropy. Floats
 * accumulate in double and integers in long, as the reference kernels do.
 */
final class MathSteps {
    private MathSteps() {
    }

    /**
     * out = reduction of in over some axes. The walk pairs each input element's byte address with the
     * flat index of the output element it folds into (stride 0 along reduced axes).
     */
    static final class Reduce implements Step, Step.Rows.Visitor {
        private final ByteBuffer m;
        private final ReduceFn fn;
        private final DType dtype;
        private final Address in;
        private final Walk walk;
        private final Address out;
        private final Walk outWalk;
        private final double[] acc;
        private final long[] iacc;
        private final int count;
        private boolean writing;
        private int next;

        Reduce(ByteBuffer m, ReduceFn fn, DType dtype, Address in, Walk walk, Address out, Walk outWalk, int outCount, int count) {
            this.m = m;
            this.fn = fn;
            this.dtype = dtype;
            this.in = in;
            this.walk = walk;
            this.out = out;
            this.outWalk = outWalk;
            this.acc = new double[outCount];
            this.iacc = new long[outCount];
            this.count = count;
        }

        public void run(int[] loop) {
            boolean ints = dtype.isInteger();
            Arrays.fill(acc, fn == ReduceFn.MAX ? Double.NEGATIVE_INFINITY : 0);
            Arrays.fill(iacc, fn == ReduceFn.MAX ? Long.MIN_VALUE : 0);
            writing = false;
            walk.at[0] = in.at(loop);
            walk.at[1] = 0;
            walk.run(this);
            if (fn == ReduceFn.MEAN && !ints) {
                for (int i = 0; i < acc.length; i++) {
                    acc[i] /= count;
                }
            }
            writing = true;
            next = 0;
            outWalk.at[0] = out.at(loop);
            outWalk.run(this);
        }

        public void row(int[] at) {
            if (writing) {
                int s = outWalk.innerStride(0);
                for (int j = 0; j < outWalk.inner(); j++) {
                    if (dtype.isInteger()) {
                        Elements.putLong(m, dtype, at[0] + j * s, iacc[next++]);
                    } else {
                        Elements.put(m, dtype, at[0] + j * s, acc[next++]);
                    }
                }
                return;
            }
            int n = walk.inner();
            int s = walk.innerStride(0);
            int as = walk.innerStride(1);
            int a = at[1];
            int p = at[0];
            if (dtype == DType.F32 && fn != ReduceFn.MAX) {
                if (as == 0) {
                    double sum = 0;
                    for (int j = 0; j < n; j++) {
                        sum += m.getFloat(p + j * s);
                    }
                    acc[a] += sum;
                } else {
                    for (int j = 0; j < n; j++) {
                        acc[a + j * as] += m.getFloat(p + j * s);
                    }
                }
                return;
            }
            for (int j = 0; j < n; j++) {
                int o = a + j * as;
                if (dtype.isInteger()) {
                    long v = Elements.getLong(m, dtype, p + j * s);
                    iacc[o] = fn == ReduceFn.MAX ? Math.max(iacc[o], v) : iacc[o] + v;
                } else {
                    double v = Elements.get(m, dtype, p + j * s);
                    acc[o] = fn == ReduceFn.MAX ? (Double.isNaN(v) || v > acc[o] ? v : acc[o]) : acc[o] + v;
                }
            }
        }
    }

    /** Softmax (or log-softmax) along one axis; a walk over every position of the other axes. */
    static final class Softmax implements Step, Step.Rows.Visitor {
        private final ByteBuffer m;
        private final DType dtype;
        private final Address in;
        private final Address out;
        private final Walk walk;
        private final int n;
        private final int inStride;
        private final int outStride;
        private final boolean log;

        Softmax(ByteBuffer m, DType dtype, Address in, Address out, Walk walk, int n, int inStride, int outStride, boolean log) {
            this.m = m;
            this.dtype = dtype;
            this.in = in;
            this.out = out;
            this.walk = walk;
            this.n = n;
            this.inStride = inStride;
            this.outStride = outStride;
            this.log = log;
        }

        public void run(int[] loop) {
            walk.at[0] = in.at(loop);
            walk.at[1] = out.at(loop);
            walk.run(this);
        }

        public void row(int[] at) {
            int si = walk.innerStride(0);
            int so = walk.innerStride(1);
            for (int r = 0; r < walk.inner(); r++) {
                int p = at[0] + r * si;
                int q = at[1] + r * so;
                double max = Double.NEGATIVE_INFINITY;
                for (int j = 0; j < n; j++) {
                    max = Math.max(max, Elements.get(m, dtype, p + j * inStride));
                }
                double s = 0;
                for (int j = 0; j < n; j++) {
                    s += Math.exp(Elements.get(m, dtype, p + j * inStride) - max);
                }
                double lse = max + Math.log(s);
                for (int j = 0; j < n; j++) {
                    double v = Elements.get(m, dtype, p + j * inStride) - lse;
                    Elements.put(m, dtype, q + j * outStride, log ? v : Math.exp(v));
                }
            }
        }
    }

    /** Mean over rows of logsumexp(logits) - logits[target]; logits (rows, C) and targets contiguous. */
    static final class CrossEntropy implements Step {
        private final ByteBuffer m;
        private final DType dtype;
        private final Address logits;
        private final Address targets;
        private final DType targetType;
        private final Address out;
        private final int rows;
        private final int classes;

        CrossEntropy(ByteBuffer m, DType dtype, Address logits, Address targets, DType targetType, Address out, int rows, int classes) {
            this.m = m;
            this.dtype = dtype;
            this.logits = logits;
            this.targets = targets;
            this.targetType = targetType;
            this.out = out;
            this.rows = rows;
            this.classes = classes;
        }

        public void run(int[] loop) {
            int l = logits.at(loop);
            int t = targets.at(loop);
            int es = dtype.byteSize();
            double total = 0;
            for (int r = 0; r < rows; r++) {
                long target = Elements.getLong(m, targetType, t + r * targetType.byteSize());
                if (target < 0 || target >= classes) {
                    throw new IndexOutOfBoundsException("cross_entropy: target " + target + " at row " + r + " is outside [0, " + classes + ")");
                }
                int row = l + r * classes * es;
                double max = Double.NEGATIVE_INFINITY;
                for (int j = 0; j < classes; j++) {
                    max = Math.max(max, Elements.get(m, dtype, row + j * es));
                }
                double s = 0;
                for (int j = 0; j < classes; j++) {
                    s += Math.exp(Elements.get(m, dtype, row + j * es) - max);
                }
                total += max + Math.log(s) - Elements.get(m, dtype, row + (int) target * es);
            }
            Elements.put(m, dtype, out.at(loop), rows == 0 ? Double.NaN : total / rows);
        }
    }
}
