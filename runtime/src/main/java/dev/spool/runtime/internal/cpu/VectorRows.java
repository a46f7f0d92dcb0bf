package dev.spool.runtime.internal.cpu;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * Vector API row kernels for F32 data in the arena: softmax and log-softmax of contiguous rows,
 * cross-entropy, column sums and row additions. A row is covered by full vectors and one masked
 * vector for its remainder (in JDK 17 a masked load within bounds is a full load and a blend), so a
 * softmax over 28 classes is two vectors and one reduction per pass, not 28 scalar steps. Stores of
 * a remainder are scalar. Only referenced when {@link VectorSupport#floatLanes()} is non-zero, so
 * JVMs without {@code jdk.incubator.vector} never load it.
 */
public final class VectorRows {
    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    private static final int L = S.length();
    private static final ByteOrder LE = ByteOrder.LITTLE_ENDIAN;
    private static final FloatVector ZERO = FloatVector.zero(S);
    private static final FloatVector ONE = FloatVector.broadcast(S, 1f);
    private static final FloatVector INF = FloatVector.broadcast(S, Float.POSITIVE_INFINITY);
    private static final FloatVector EXP_LO = FloatVector.broadcast(S, FloatMath.EXP_LO);
    private static final FloatVector EXP_HI = FloatVector.broadcast(S, FloatMath.EXP_HI);
    private static final FloatVector LOG2E = FloatVector.broadcast(S, FloatMath.LOG2E);
    private static final FloatVector ROUND = FloatVector.broadcast(S, FloatMath.ROUND);
    private static final FloatVector N_MAX = FloatVector.broadcast(S, 127f);
    private static final FloatVector LN2_HI = FloatVector.broadcast(S, FloatMath.LN2_HI);
    private static final FloatVector LN2_LO = FloatVector.broadcast(S, FloatMath.LN2_LO);
    // The polynomial's coefficients as separate constants (C2 folds static finals, not array elements).
    private static final FloatVector P0 = FloatVector.broadcast(S, FloatMath.EXP_POLY[0]);
    private static final FloatVector P1 = FloatVector.broadcast(S, FloatMath.EXP_POLY[1]);
    private static final FloatVector P2 = FloatVector.broadcast(S, FloatMath.EXP_POLY[2]);
    private static final FloatVector P3 = FloatVector.broadcast(S, FloatMath.EXP_POLY[3]);
    private static final FloatVector P4 = FloatVector.broadcast(S, FloatMath.EXP_POLY[4]);
    private static final FloatVector P5 = FloatVector.broadcast(S, FloatMath.EXP_POLY[5]);
    private static final VectorSpecies<Integer> IS = S.withLanes(int.class);
    private static final IntVector I127 = IntVector.broadcast(IS, 127);
    private static final IntVector I2P23 = IntVector.broadcast(IS, 1 << 23);

    private VectorRows() {
    }

    /** Max of row (n floats at byte address p); the remainder is masked to -inf. */
    private static float rowMax(ByteBuffer m, int p, int n, VectorMask<Float> tail) {
        FloatVector acc = FloatVector.broadcast(S, Float.NEGATIVE_INFINITY);
        int j = 0;
        for (; j + L <= n; j += L) {
            acc = acc.max(FloatVector.fromByteBuffer(S, m, p + 4 * j, LE));
        }
        if (j < n) {
            acc = acc.max(FloatVector.fromByteBuffer(S, m, p + 4 * j, LE, tail).blend(Float.NEGATIVE_INFINITY, tail.not()));
        }
        return acc.reduceLanes(VectorOperators.MAX);
    }

    /**
     * Softmax (or log-softmax) of {@code rows} contiguous rows of n floats from in to out (byte
     * addresses, row strides in bytes). Sums accumulate in float within a row.
     */
    public static void softmax(ByteBuffer m, int in, int inRow, int out, int outRow, int rows, int n, boolean log) {
        VectorMask<Float> tail = S.indexInRange(n - n % L, n);
        int outEnd = out + (rows - 1) * outRow + 4 * n;
        // Spilling into the next row is only safe when that row is written later and was not an input
        // still to be read (no overlap of the input rows with the output rows).
        boolean contiguous = outRow == 4 * n && (in + (rows - 1) * inRow + 4 * n <= out || outEnd <= in);
        for (int r = 0; r < rows; r++) {
            int p = in + r * inRow;
            int q = out + r * outRow;
            boolean spill = contiguous && r + 1 < rows && mayStoreFullRemainder(q, n, outEnd);
            float max = rowMax(m, p, n, tail);
            FloatVector sum = FloatVector.zero(S);
            int j = 0;
            for (; j + L <= n; j += L) {
                FloatVector e = exp(FloatVector.fromByteBuffer(S, m, p + 4 * j, LE).sub(max));
                sum = sum.add(e);
                if (!log) {
                    e.intoByteBuffer(m, q + 4 * j, LE);
                }
            }
            if (j < n) {
                FloatVector e = exp(FloatVector.fromByteBuffer(S, m, p + 4 * j, LE, tail).sub(max));
                sum = sum.add(e, tail);
                if (!log) {
                    storeRemainder(m, e, q + 4 * j, n - j, spill);
                }
            }
            float s = sum.reduceLanes(VectorOperators.ADD);
            if (log) {
                float lse = max + (float) Math.log(s);
                scaleOrShift(m, p, q, n, tail, 1, -lse, spill);
            } else {
                scaleOrShift(m, q, q, n, tail, 1 / s, 0, spill);
            }
        }
    }

    /** q[j] = p[j] * scale + shift over one row; {@code spill}: the remainder may be stored as a full vector. */
    private static void scaleOrShift(ByteBuffer m, int p, int q, int n, VectorMask<Float> tail, float scale, float shift, boolean spill) {
        int j = 0;
        for (; j + L <= n; j += L) {
            FloatVector.fromByteBuffer(S, m, p + 4 * j, LE).fma(scale, shift).intoByteBuffer(m, q + 4 * j, LE);
        }
        if (j < n) {
            storeRemainder(m, FloatVector.fromByteBuffer(S, m, p + 4 * j, LE, tail).fma(scale, shift), q + 4 * j, n - j, spill);
        }
    }

    /**
     * Whether the remainder of a row of n floats at byte address q may be stored as a full vector
     * without reaching {@code end} (the byte after the last float the caller may write): a row
     * shorter than a vector spills past the next row, and on the last rows past the destination.
     */
    private static boolean mayStoreFullRemainder(int q, int n, int end) {
        return q + 4 * (n - n % L) + 4 * L <= end;
    }

    /** The {@code count} floats at byte address p as the first lanes of a vector (its other lanes are not meaningful). */
    private static FloatVector loadLast(ByteBuffer m, int p, int count, float[] scratch) {
        for (int k = 0; k < count; k++) {
            scratch[k] = m.getFloat(p + 4 * k);
        }
        return FloatVector.fromArray(S, scratch, 0);
    }

    /**
     * Stores the first {@code count} lanes of v at byte address q: as a full vector when the lanes
     * after them may be overwritten (the next row, written later), else lane by lane.
     */
    private static void storeRemainder(ByteBuffer m, FloatVector v, int q, int count, boolean spill) {
        if (spill) {
            v.intoByteBuffer(m, q, LE);
            return;
        }
        for (int k = 0; k < count; k++) {
            m.putFloat(q + 4 * k, v.lane(k));
        }
    }

    /**
     * Σ over rows of logsumexp(row) − row[target] (rows contiguous, n classes), in double; targets
     * are already checked. The per-row logs are taken together at the end, 16 at a time
     * ({@code sums} holds one float per row).
     */
    static double crossEntropy(ByteBuffer m, int logits, int rows, int n, int[] target, float[] sums) {
        VectorMask<Float> tail = S.indexInRange(n - n % L, n);
        double total = 0;
        for (int r = 0; r < rows; r++) {
            int p = logits + 4 * r * n;
            float max = rowMax(m, p, n, tail);
            FloatVector sum = FloatVector.zero(S);
            int j = 0;
            for (; j + L <= n; j += L) {
                sum = sum.add(exp(FloatVector.fromByteBuffer(S, m, p + 4 * j, LE).sub(max)));
            }
            if (j < n) {
                sum = sum.add(exp(FloatVector.fromByteBuffer(S, m, p + 4 * j, LE, tail).sub(max)), tail);
            }
            sums[r] = sum.reduceLanes(VectorOperators.ADD);
            total += max - m.getFloat(p + 4 * target[r]);
        }
        return total + sumOfLogs(sums, rows);
    }

    /**
     * Σ log(x[i]) for i < count, in double through Math.log: the Vector API's LOG is SVML under C2
     * and Math.log per lane before, which differ in the last bit (Math.log is one intrinsic in every tier).
     */
    private static double sumOfLogs(float[] x, int count) {
        double total = 0;
        for (int i = 0; i < count; i++) {
            total += Math.log(x[i]);
        }
        return total;
    }

    /**
     * {@link FloatMath#exp} a vector at a time, the same operations in the same order (bit-identical
     * lanes): not the Vector API's EXP, which rounds differently under C2 (SVML) than before it.
     */
    static FloatVector exp(FloatVector x) {
        FloatVector c = x.lanewise(VectorOperators.MAX, EXP_LO).lanewise(VectorOperators.MIN, EXP_HI);
        FloatVector n = c.lanewise(VectorOperators.MUL, LOG2E).lanewise(VectorOperators.ADD, ROUND).lanewise(VectorOperators.SUB, ROUND)
                .lanewise(VectorOperators.MIN, N_MAX);
        FloatVector r = c.lanewise(VectorOperators.SUB, n.lanewise(VectorOperators.MUL, LN2_HI))
                .lanewise(VectorOperators.SUB, n.lanewise(VectorOperators.MUL, LN2_LO));
        FloatVector p = P0.lanewise(VectorOperators.MUL, r).lanewise(VectorOperators.ADD, P1)
                .lanewise(VectorOperators.MUL, r).lanewise(VectorOperators.ADD, P2)
                .lanewise(VectorOperators.MUL, r).lanewise(VectorOperators.ADD, P3)
                .lanewise(VectorOperators.MUL, r).lanewise(VectorOperators.ADD, P4)
                .lanewise(VectorOperators.MUL, r).lanewise(VectorOperators.ADD, P5);
        FloatVector y = p.lanewise(VectorOperators.MUL, r.lanewise(VectorOperators.MUL, r)).lanewise(VectorOperators.ADD, r)
                .lanewise(VectorOperators.ADD, ONE);
        FloatVector scale = (FloatVector) ((IntVector) n.lanewise(VectorOperators.ADD, ROUND).convertShape(VectorOperators.REINTERPRET_F2I, IS, 0))
                .lanewise(VectorOperators.ADD, I127).lanewise(VectorOperators.MUL, I2P23).convertShape(VectorOperators.REINTERPRET_I2F, S, 0);
        return y.lanewise(VectorOperators.MUL, scale)
                .blend(INF, x.compare(VectorOperators.GT, EXP_HI))
                .blend(ZERO, x.compare(VectorOperators.LT, EXP_LO));
    }

    /**
     * acc[j] += Σ_r row r, column j, for {@code rows} rows of n floats at byte address p with byte
     * row stride; blocks of rows are summed in float vectors and added to the double accumulators.
     */
    static void columnSums(ByteBuffer m, int p, int rowStride, int rows, int n, double[] acc, float[] scratch) {
        final int block = 256;
        for (int r0 = 0; r0 < rows; r0 += block) {
            int r1 = Math.min(rows, r0 + block);
            int j = 0;
            for (; j + L <= n; j += L) {
                // One vector of sums kept in scratch, not a loop-carried vector: C2 has boxed such a
                // vector on every row (once the JVM had run vector code of several shapes).
                ZERO.intoArray(scratch, 0);
                for (int r = r0; r < r1; r++) {
                    FloatVector.fromArray(S, scratch, 0).lanewise(VectorOperators.ADD, FloatVector.fromByteBuffer(S, m, p + r * rowStride + 4 * j, LE))
                            .intoArray(scratch, 0);
                }
                for (int k = 0; k < L; k++) {
                    acc[j + k] += scratch[k];
                }
            }
            for (; j < n; j++) {
                float s = 0;
                for (int r = r0; r < r1; r++) {
                    s += m.getFloat(p + r * rowStride + 4 * j);
                }
                acc[j] += s;
            }
        }
    }

    /** dst[j] += src[j] over n floats. */
    static void addRow(ByteBuffer m, int src, int dst, int n) {
        int j = 0;
        for (; j + L <= n; j += L) {
            FloatVector.fromByteBuffer(S, m, dst + 4 * j, LE).add(FloatVector.fromByteBuffer(S, m, src + 4 * j, LE))
                    .intoByteBuffer(m, dst + 4 * j, LE);
        }
        for (; j < n; j++) {
            m.putFloat(dst + 4 * j, m.getFloat(dst + 4 * j) + m.getFloat(src + 4 * j));
        }
    }

    /** n floats of value v from byte address p. */
    static void fill(ByteBuffer m, int p, int n, float v) {
        FloatVector b = FloatVector.broadcast(S, v);
        int j = 0;
        for (; j + L <= n; j += L) {
            b.intoByteBuffer(m, p + 4 * j, LE);
        }
        for (; j < n; j++) {
            m.putFloat(p + 4 * j, v);
        }
    }

    /**
     * out = (softmax(logits) - one_hot(target)) * scale for contiguous rows of n floats, and (when
     * {@code loss}) Σ over rows of logsumexp(row) − row[target], from one pass: each row's max and
     * exponentials once, the probabilities as exp(x − max) · (scale / sum), the logs batched. A row's
     * remainder is stored as a full vector, spilling into the next rows (written after it), unless the
     * vector would reach past the last row.
     */
    public static double crossEntropyGrad(ByteBuffer m, int logits, int out, int rows, int n, int[] target, float scale, boolean loss, float[] sums) {
        if (n > L && n <= 2 * L) {
            return crossEntropyGradTwoVectors(m, logits, out, rows, n, target, scale, loss, sums);
        }
        VectorMask<Float> tail = S.indexInRange(n - n % L, n);
        double total = 0;
        for (int r = 0; r < rows; r++) {
            int p = logits + 4 * r * n;
            int q = out + 4 * r * n;
            boolean spill = r + 1 < rows && mayStoreFullRemainder(q, n, out + 4 * rows * n);
            float max = rowMax(m, p, n, tail);
            FloatVector sum = FloatVector.zero(S);
            int j = 0;
            for (; j + L <= n; j += L) {
                FloatVector e = exp(FloatVector.fromByteBuffer(S, m, p + 4 * j, LE).sub(max));
                sum = sum.add(e);
                e.intoByteBuffer(m, q + 4 * j, LE);
            }
            if (j < n) {
                FloatVector e = exp(FloatVector.fromByteBuffer(S, m, p + 4 * j, LE, tail).sub(max));
                sum = sum.add(e, tail);
                storeRemainder(m, e, q + 4 * j, n - j, spill);
            }
            float s = sum.reduceLanes(VectorOperators.ADD);
            scaleOrShift(m, q, q, n, tail, scale / s, 0, spill);
            int at = q + 4 * target[r];
            m.putFloat(at, m.getFloat(at) - scale);
            if (loss) {
                sums[r] = s;
                total += max - m.getFloat(p + 4 * target[r]);
            }
        }
        return loss ? total + sumOfLogs(sums, rows) : 0;
    }

    /**
     * {@link #crossEntropyGrad} for rows of L+1..2L classes (a character vocabulary): each row is two
     * vectors kept in registers from load to store, and two rows are interleaved so one row's
     * reductions overlap the other's arithmetic.
     */
    private static double crossEntropyGradTwoVectors(ByteBuffer m, int logits, int out, int rows, int n, int[] target, float scale, boolean loss,
                                                     float[] sums) {
        // Only full loads, a blend with a mask made once, and lanewise operations on vectors: JDK 17
        // boxes vectors of masked loads and of the scalar forms (sub(float), mul(float)) here, a
        // kilobyte a row, megabytes a training step.
        VectorMask<Float> outside = S.indexInRange(0, n - L).not();
        FloatVector negInf = FloatVector.broadcast(S, Float.NEGATIVE_INFINITY);
        float[] last = new float[L];
        double total = 0;
        int r = 0;
        for (; r + 1 < rows; r += 2) {
            int p = logits + 4 * r * n;
            int q = out + 4 * r * n;
            boolean inside = p + 4 * (n + 2 * L) <= m.limit();
            FloatVector a0 = FloatVector.fromByteBuffer(S, m, p, LE);
            FloatVector a1 = FloatVector.fromByteBuffer(S, m, p + 4 * L, LE).blend(negInf, outside);
            FloatVector b0 = FloatVector.fromByteBuffer(S, m, p + 4 * n, LE);
            FloatVector b1 = (inside ? FloatVector.fromByteBuffer(S, m, p + 4 * (n + L), LE) : loadLast(m, p + 4 * (n + L), n - L, last))
                    .blend(negInf, outside);
            float ma = a0.lanewise(VectorOperators.MAX, a1).reduceLanes(VectorOperators.MAX);
            float mb = b0.lanewise(VectorOperators.MAX, b1).reduceLanes(VectorOperators.MAX);
            FloatVector va = FloatVector.broadcast(S, ma);
            FloatVector vb = FloatVector.broadcast(S, mb);
            FloatVector ea0 = exp(a0.lanewise(VectorOperators.SUB, va));
            FloatVector ea1 = exp(a1.lanewise(VectorOperators.SUB, va));
            FloatVector eb0 = exp(b0.lanewise(VectorOperators.SUB, vb));
            FloatVector eb1 = exp(b1.lanewise(VectorOperators.SUB, vb));
            float sa = ea0.lanewise(VectorOperators.ADD, ea1).reduceLanes(VectorOperators.ADD);
            float sb = eb0.lanewise(VectorOperators.ADD, eb1).reduceLanes(VectorOperators.ADD);
            FloatVector ka = FloatVector.broadcast(S, scale / sa);
            FloatVector kb = FloatVector.broadcast(S, scale / sb);
            // Row a's second vector spills into row b, which is stored after it.
            ea0.lanewise(VectorOperators.MUL, ka).intoByteBuffer(m, q, LE);
            ea1.lanewise(VectorOperators.MUL, ka).intoByteBuffer(m, q + 4 * L, LE);
            eb0.lanewise(VectorOperators.MUL, kb).intoByteBuffer(m, q + 4 * n, LE);
            storeRemainder(m, eb1.lanewise(VectorOperators.MUL, kb), q + 4 * (n + L), n - L, r + 2 < rows);
            int ta = q + 4 * target[r];
            int tb = q + 4 * (n + target[r + 1]);
            m.putFloat(ta, m.getFloat(ta) - scale);
            m.putFloat(tb, m.getFloat(tb) - scale);
            if (loss) {
                sums[r] = sa;
                sums[r + 1] = sb;
                total += ma - m.getFloat(p + 4 * target[r]) + mb - m.getFloat(p + 4 * (n + target[r + 1]));
            }
        }
        for (; r < rows; r++) {
            int p = logits + 4 * r * n;
            int q = out + 4 * r * n;
            FloatVector a0 = FloatVector.fromByteBuffer(S, m, p, LE);
            FloatVector a1 = loadLast(m, p + 4 * L, n - L, last).blend(negInf, outside);
            float ma = a0.lanewise(VectorOperators.MAX, a1).reduceLanes(VectorOperators.MAX);
            FloatVector va = FloatVector.broadcast(S, ma);
            FloatVector ea0 = exp(a0.lanewise(VectorOperators.SUB, va));
            FloatVector ea1 = exp(a1.lanewise(VectorOperators.SUB, va));
            float sa = ea0.lanewise(VectorOperators.ADD, ea1).reduceLanes(VectorOperators.ADD);
            FloatVector ka = FloatVector.broadcast(S, scale / sa);
            ea0.lanewise(VectorOperators.MUL, ka).intoByteBuffer(m, q, LE);
            storeRemainder(m, ea1.lanewise(VectorOperators.MUL, ka), q + 4 * L, n - L, false);
            int ta = q + 4 * target[r];
            m.putFloat(ta, m.getFloat(ta) - scale);
            if (loss) {
                sums[r] = sa;
                total += ma - m.getFloat(p + 4 * target[r]);
            }
        }
        return loss ? total + sumOfLogs(sums, rows) : 0;
    }
}
