package dev.spool.runtime.internal.cpu;

import dev.spool.graph.DType;
import dev.spool.ops.internal.ReduceFn;

import java.nio.ByteBuffer;
import java.util.Arrays;

/**
 * Steps that reduce: sum/mean/max over axes, softmax along an axis, mean cross-entropy. Floats
 * accumulate in double and integers in long, as the reference kernels do.
 */
final class MathExecs {
    private MathExecs() {
    }

    /**
     * out = reduction of in over some axes. The walk pairs each input element's byte address with the
     * flat index of the output element it folds into (stride 0 along reduced axes).
     */
    static final class Reduce implements Exec, Exec.Rows.Visitor {
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
        /** Whether the walk is rows × columns summed over rows with contiguous columns: one vector column sum. */
        private final boolean columns;
        /** The column sums' scratch: one float per column. */
        private final float[] scratch;
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
            this.columns = VectorSupport.floatLanes() > 0 && dtype == DType.F32 && fn != ReduceFn.MAX && walk.sizes.length == 2
                    && walk.byteStrides[1][0] == 0 && walk.byteStrides[1][1] == 1 && walk.byteStrides[0][1] == 4;
            this.scratch = new float[columns ? walk.sizes[1] : 0];
        }

        public void run(int[] loop) {
            boolean ints = dtype.isInteger();
            Arrays.fill(acc, fn == ReduceFn.MAX ? Double.NEGATIVE_INFINITY : 0);
            Arrays.fill(iacc, fn == ReduceFn.MAX ? Long.MIN_VALUE : 0);
            writing = false;
            if (columns) {
                VectorRows.columnSums(m, in.at(loop), walk.byteStrides[0][0], walk.sizes[0], walk.sizes[1], acc, scratch);
            } else {
                walk.at[0] = in.at(loop);
                walk.at[1] = 0;
                walk.run(this);
            }
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
    static final class Softmax implements Exec, Exec.Rows.Visitor {
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
            if (dtype == DType.F32 && inStride == 4 && outStride == 4 && VectorSupport.floatLanes() > 0) {
                VectorRows.softmax(m, at[0], si, at[1], so, walk.inner(), n, log);
                return;
            }
            for (int r = 0; r < walk.inner(); r++) {
                int p = at[0] + r * si;
                int q = at[1] + r * so;
                double lse = logSumExp(m, dtype, p, n, inStride);
                for (int j = 0; j < n; j++) {
                    double v = Elements.get(m, dtype, p + j * inStride) - lse;
                    Elements.put(m, dtype, q + j * outStride, log ? v : Math.exp(v));
                }
            }
        }
    }

    /** Mean over rows of logsumexp(logits) - logits[target]; logits (rows, C) and targets contiguous. */
    static final class CrossEntropy implements Exec {
        private final ByteBuffer m;
        private final DType dtype;
        private final Address logits;
        private final Address targets;
        private final DType targetType;
        private final Address out;
        private final int rows;
        private final int classes;
        private final int[] target;
        private final float[] sums;

        CrossEntropy(ByteBuffer m, DType dtype, Address logits, Address targets, DType targetType, Address out, int rows, int classes) {
            this.m = m;
            this.dtype = dtype;
            this.logits = logits;
            this.targets = targets;
            this.targetType = targetType;
            this.out = out;
            this.rows = rows;
            this.classes = classes;
            this.target = new int[rows];
            this.sums = new float[rows];
        }

        public void run(int[] loop) {
            int l = logits.at(loop);
            int t = targets.at(loop);
            int es = dtype.byteSize();
            readTargets(m, targetType, t, classes, target);
            if (dtype == DType.F32 && VectorSupport.floatLanes() > 0) {
                double total = VectorRows.crossEntropy(m, l, rows, classes, target, sums);
                Elements.put(m, dtype, out.at(loop), rows == 0 ? Double.NaN : total / rows);
                return;
            }
            double total = 0;
            for (int r = 0; r < rows; r++) {
                int row = l + r * classes * es;
                total += logSumExp(m, dtype, row, classes, es) - Elements.get(m, dtype, row + target[r] * es);
            }
            Elements.put(m, dtype, out.at(loop), rows == 0 ? Double.NaN : total / rows);
        }
    }

    /**
     * (softmax(logits) - one_hot(targets)) * scale for contiguous (rows, C) logits; the gradient of
     * mean cross-entropy. With F32 vectors and {@link #SPLIT_ELEMENTS} or more, the rows run in two
     * halves, one on {@link SecondCore} (the d2l RNN's 32,768 rows of 28 took 2.7 ms on one core, a
     * quarter of its training step); the loss is then the sum of the halves' sums, on one core too,
     * so its bits depend on the shape alone.
     */
    static final class CrossEntropyGrad implements Exec {
        static final int SPLIT_ELEMENTS = 16384;
        private final ByteBuffer m;
        private final DType dtype;
        private final Address logits;
        private final Address targets;
        private final DType targetType;
        private final Address scale;
        private final Address out;
        private final Address loss;
        private final int rows;
        private final int classes;
        private final int[] target;
        private final float[] sums;
        /** First row of the second half; {@code rows} when not split. */
        private final int half;
        private final int[] targetSecond;
        private final float[] sumsSecond;
        private final double[] totals = new double[2];
        private final Runnable first;
        private final Runnable second;
        private int l;
        private int o;
        private float k;

        CrossEntropyGrad(ByteBuffer m, DType dtype, Address logits, Address targets, DType targetType, Address scale, Address out, Address loss,
                         int rows, int classes) {
            this.m = m;
            this.dtype = dtype;
            this.logits = logits;
            this.targets = targets;
            this.targetType = targetType;
            this.scale = scale;
            this.out = out;
            this.loss = loss;
            this.rows = rows;
            this.classes = classes;
            boolean split = dtype == DType.F32 && VectorSupport.floatLanes() > 0 && (long) rows * classes >= SPLIT_ELEMENTS && rows >= 2;
            this.half = split ? rows / 2 : rows;
            this.target = new int[half];
            this.sums = new float[half];
            this.targetSecond = new int[rows - half];
            this.sumsSecond = new float[rows - half];
            this.first = () -> totals[0] = VectorRows.crossEntropyGrad(this.m, l, o, half, classes, target, k, loss != null, sums);
            this.second = () -> totals[1] = VectorRows.crossEntropyGrad(this.m, l + 4 * half * classes, o + 4 * half * classes, rows - half,
                    classes, targetSecond, k, loss != null, sumsSecond);
        }

        public void run(int[] loop) {
            l = logits.at(loop);
            int t = targets.at(loop);
            o = out.at(loop);
            double kk = Elements.get(m, dtype, scale.at(loop));
            readTargets(m, targetType, t, classes, target, 0);
            readTargets(m, targetType, t + half * targetType.byteSize(), classes, targetSecond, half);
            if (dtype == DType.F32 && VectorSupport.floatLanes() > 0) {
                k = (float) kk;
                totals[1] = 0;
                long bytes = 4L * rows * classes;
                if (half < rows && (o == l || o + bytes <= l || l + bytes <= o)) {
                    SecondCore.run(first, second);
                } else {
                    // out overlaps the logits but not as the same rows: both halves here, in order
                    first.run();
                    if (half < rows) {
                        second.run();
                    }
                }
                if (loss != null) {
                    Elements.put(m, dtype, loss.at(loop), rows == 0 ? Double.NaN : (totals[0] + totals[1]) / rows);
                }
                return;
            }
            int second = half * classes * dtype.byteSize();
            double total = crossEntropyGradRows(m, dtype, l, o, half, classes, target, kk, 0);
            total = crossEntropyGradRows(m, dtype, l + second, o + second, rows - half, classes, targetSecond, kk, total);
            if (loss != null) {
                Elements.put(m, dtype, loss.at(loop), rows == 0 ? Double.NaN : total / rows);
            }
        }
    }

    /*
     * The scalar path's softmax and cross-entropy math, shared by the three execs above (the F32
     * vector path is VectorRows'; the reference interpreter has its own, on tensors).
     */

    /**
     * The scalar path of the cross-entropy gradient: (softmax − one_hot(target[r])) · scale of
     * {@code rows} contiguous rows of {@code classes} at byte address l into o; returns {@code total}
     * plus the rows' losses, added in row order.
     */
    static double crossEntropyGradRows(ByteBuffer m, DType dtype, int l, int o, int rows, int classes, int[] target, double scale, double total) {
        int es = dtype.byteSize();
        for (int r = 0; r < rows; r++) {
            int row = l + r * classes * es;
            int dst = o + r * classes * es;
            int cls = target[r];
            double lse = logSumExp(m, dtype, row, classes, es);
            total += lse - Elements.get(m, dtype, row + cls * es);
            for (int j = 0; j < classes; j++) {
                double p = Math.exp(Elements.get(m, dtype, row + j * es) - lse);
                Elements.put(m, dtype, dst + j * es, (p - (j == cls ? 1 : 0)) * scale);
            }
        }
        return total;
    }

    /** log Σ exp over the n elements at byte address p, p + stride, ... (the max subtracted first), in double. */
    private static double logSumExp(ByteBuffer m, DType dtype, int p, int n, int stride) {
        double max = Double.NEGATIVE_INFINITY;
        for (int j = 0; j < n; j++) {
            max = Math.max(max, Elements.get(m, dtype, p + j * stride));
        }
        double s = 0;
        for (int j = 0; j < n; j++) {
            s += Math.exp(Elements.get(m, dtype, p + j * stride) - max);
        }
        return max + Math.log(s);
    }

    /** Reads one target class per row (target.length rows) from byte address t, refusing one outside [0, classes). */
    private static void readTargets(ByteBuffer m, DType targetType, int t, int classes, int[] target) {
        readTargets(m, targetType, t, classes, target, 0);
    }

    /** As above, for rows numbered from {@code firstRow} (in the message). */
    private static void readTargets(ByteBuffer m, DType targetType, int t, int classes, int[] target, int firstRow) {
        readTargets(m, targetType, t, classes, target, target.length, firstRow);
    }

    /** As above, the first {@code count} entries of target. */
    static void readTargets(ByteBuffer m, DType targetType, int t, int classes, int[] target, int count, int firstRow) {
        for (int r = 0; r < count; r++) {
            long c = Elements.getLong(m, targetType, t + r * targetType.byteSize());
            if (c < 0 || c >= classes) {
                throw new IndexOutOfBoundsException("cross_entropy: target " + c + " at row " + (firstRow + r) + " is outside [0, " + classes + ")");
            }
            target[r] = (int) c;
        }
    }
}
