package dev.spool.runtime.internal.cpu;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;

/**
 * Vector API row kernels for F32 data in the arena: softmax and log-softmax of rows, cross-entropy
 * and its gradient, column sums and row additions. The softmax family stages a block of rows in a
 * float array padded to whole vectors ({@code Staged}), so a softmax over 28 classes is two vectors
 * per row, no masked operation (boxed in JDK 17) and one loop of exponentials per block. Stores of a
 * row's remainder are one full vector where the next row is written later, else scalar. Only
 * referenced when {@link VectorSupport#floatLanes()} is non-zero, so JVMs without
 * {@code jdk.incubator.vector} never load it.
 *
 * <p>Every kernel has a scalar form with the same bits (the same float operations per element, the
 * vector lanes' partial sums kept in an array of L floats and reduced in lane order, as the Vector
 * API's ADD reduction does in every tier). It serves until a background thread has brought the
 * vector form to C2 and proven it faster ({@link ProvenVectorForm}): before that, every vector
 * operation is an allocating library call, and the first training step of the d2l model spent 1.4
 * of its 2.3 s in the cross-entropy gradient.
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
    private static final FloatVector NEG_LN2_HI = FloatVector.broadcast(S, -FloatMath.LN2_HI);
    private static final FloatVector NEG_LN2_LO = FloatVector.broadcast(S, -FloatMath.LN2_LO);
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

    private static final ProvenVectorForm VECTOR = new ProvenVectorForm("spool-rows-warmup", VectorRows::warm);

    /**
     * Starts, once per JVM, the daemon thread that brings the vector forms to C2 and proves them
     * faster than the scalar ones, when a program that uses them is prepared. A training step calls
     * the cross-entropy gradient once, and by use alone it stayed in C1 for seconds while C2's queue
     * was busy with the generated kernels. Does nothing when warm-up is off
     * ({@code -Dspool.warmup=false}: the vector forms serve at once).
     */
    public static void warmUp() {
        VECTOR.start();
    }

    /** Whether the vector forms serve (see {@link ProvenVectorForm}). */
    static boolean vector() {
        return VECTOR.ready();
    }

    /**
     * Runs the vector forms on scratch rows until C2 has compiled them, then both forms, timed
     * alternately, until the vector ones run at least twice as fast twice in a row (compiled, they
     * are 5–10× faster; in C1 they are slower, and a bare "not slower" was once met by a vector
     * form still half in C1). Row counts and widths vary (28 and 37 classes: a remainder; 64: none),
     * so C2 sees every branch and does not compile a trap. The timed work is eight calls of 12 rows,
     * not one of 96: a long call can be finished by an on-stack-replacement compilation, which proves
     * code that calls from the method's entry do not run ({@link LongKGemm}'s warm-up once did so).
     * The scalar forms are not run between the timings (as {@link PackedGemm}'s warm-up does): they
     * serve the program's first steps meanwhile, which compiles them, and running them here as well
     * made the d2l first epoch no faster (2.2–2.9 s against 2.1–2.4, five alternating pairs).
     */
    private static void warm() {
        int rows = 96;
        int[] widths = {28, 37, 64};
        ByteBuffer m = ByteBuffer.allocateDirect(2 * 4 * rows * 64 + 4 * L).order(LE);
        for (int i = 0; i + 4 <= m.capacity(); i += 4) {
            m.putFloat(i, (i % 28) * 0.125f - 1f);
        }
        int[] target = new int[rows];
        float[] sums = new float[rows];
        double[] acc = new double[64];
        float[] scratch = new float[64];
        ProvenVectorForm.prove(() -> {
            for (int call = 0; call < 30; call++) {
                all(m, rows - call % 3, widths[call % widths.length], target, sums, acc, scratch, call % 2 == 0, true);
            }
        }, () -> {
            for (int call = 0; call < 8; call++) {
                all(m, rows / 8, 28, target, sums, acc, scratch, true, true);
            }
        }, () -> {
            for (int call = 0; call < 8; call++) {
                all(m, rows / 8, 28, target, sums, acc, scratch, true, false);
            }
        });
    }

    /** One call of each row kernel on r rows of n classes, in the vector or the scalar form. */
    private static void all(ByteBuffer m, int r, int n, int[] target, float[] sums, double[] acc, float[] scratch, boolean flag, boolean vector) {
        int out = 4 * 96 * 64;
        for (int i = 0; i < r; i++) {
            target[i] = (i * 7) % n;
        }
        crossEntropyGrad(new Staged(n, r), m, 0, out, r, n, target, 1f / r, flag, sums, vector);
        crossEntropy(m, 0, r, n, target, sums, vector);
        softmax(m, 0, 4 * n, out, 4 * n, r, n, flag, vector);
        columnSums(m, 0, 4 * n, r, n, acc, scratch, vector);
        addRow(m, 0, out, n, vector);
    }

    /**
     * Softmax (or log-softmax) of {@code rows} rows of n floats from in to out (byte addresses, row
     * strides in bytes). Sums accumulate in float within a row.
     */
    public static void softmax(ByteBuffer m, int in, int inRow, int out, int outRow, int rows, int n, boolean log) {
        softmax(m, in, inRow, out, outRow, rows, n, log, vector());
    }

    static void softmax(ByteBuffer m, int in, int inRow, int out, int outRow, int rows, int n, boolean log, boolean vector) {
        int outEnd = out + (rows - 1) * outRow + 4 * n;
        // Spilling into the next row is only safe when that row is written later and was not an input
        // still to be read (no overlap of the input rows with the output rows).
        boolean contiguous = outRow == 4 * n && (in + (rows - 1) * inRow + 4 * n <= out || outEnd <= in);
        Staged rowsOf = new Staged(n, rows);
        for (int r0 = 0; r0 < rows; r0 += rowsOf.block) {
            int r1 = Math.min(rows, r0 + rowsOf.block);
            rowsOf.exponentials(m, in, inRow, r0, r1, vector);
            for (int r = r0; r < r1; r++) {
                int q = out + r * outRow;
                boolean spill = contiguous && r + 1 < rows && mayStoreFullRemainder(q, n, outEnd);
                float s = rowsOf.sum(r - r0, vector);
                if (log) {
                    float lse = rowsOf.max[r - r0] + (float) Math.log(s);
                    scaleOrShift(m, in + r * inRow, q, n, 1, -lse, vector);
                } else {
                    rowsOf.store(m, r - r0, q, 1 / s, spill, vector);
                }
            }
        }
    }

    /** q[j] = p[j] * scale + shift over one row, the remainder in scalar fused multiply-adds (the same rounding). */
    private static void scaleOrShift(ByteBuffer m, int p, int q, int n, float scale, float shift, boolean vector) {
        int j = 0;
        for (; vector && j + L <= n; j += L) {
            FloatVector.fromByteBuffer(S, m, p + 4 * j, LE).fma(scale, shift).intoByteBuffer(m, q + 4 * j, LE);
        }
        for (; j < n; j++) {
            m.putFloat(q + 4 * j, Math.fma(m.getFloat(p + 4 * j), scale, shift));
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

    /**
     * Σ over rows of logsumexp(row) − row[target] (rows contiguous, n classes), in double; targets
     * are already checked. The per-row logs are taken together at the end ({@code sums} holds one
     * float per row).
     */
    static double crossEntropy(ByteBuffer m, int logits, int rows, int n, int[] target, float[] sums) {
        return crossEntropy(m, logits, rows, n, target, sums, vector());
    }

    static double crossEntropy(ByteBuffer m, int logits, int rows, int n, int[] target, float[] sums, boolean vector) {
        Staged rowsOf = new Staged(n, rows);
        double total = 0;
        for (int r0 = 0; r0 < rows; r0 += rowsOf.block) {
            int r1 = Math.min(rows, r0 + rowsOf.block);
            rowsOf.exponentials(m, logits, 4 * n, r0, r1, vector);
            for (int r = r0; r < r1; r++) {
                sums[r] = rowsOf.sum(r - r0, vector);
                total += rowsOf.max[r - r0] - m.getFloat(logits + 4 * (r * n + target[r]));
            }
        }
        return total + sumOfLogs(sums, rows, n);
    }

    /**
     * Σ log(x[i]) for i < count, where each x[i] is a softmax denominator Σ exp(row − max(row)) of a
     * row of n classes, so 1 ≤ x[i] ≤ n: the log of products of as many of them as stay below 2^1000
     * in double (208 for the character models' 28 classes), one {@code Math.log} per block instead of
     * one per row. Logs per row took a quarter of the cross-entropy gradient's time (16 ns each, 0.27
     * of 1.07 ms for 16,384 rows). Math.log, not the Vector API's LOG: that is SVML under C2 and
     * Math.log per lane before, which differ in the last bit (Math.log is one intrinsic in every tier,
     * and a double product is the same in every tier). A value outside [1, n] (a row of NaN or
     * infinities) gives the same NaN or infinity as the per-row sum would.
     */
    static double sumOfLogs(float[] x, int count, int n) {
        int block = Math.max(1, (int) (1000 / (Math.log(Math.max(2, n)) / Math.log(2))));
        double total = 0;
        for (int i = 0; i < count; i += block) {
            int end = Math.min(count, i + block);
            double product = 1;
            for (int j = i; j < end; j++) {
                product *= x[j];
            }
            total += Math.log(product);
        }
        return total;
    }

    /**
     * x[i] = {@link FloatMath#exp}(x[i]) for i < count (a multiple of the vector length), the same
     * operations in the same order (bit-identical lanes); not the Vector API's EXP, which rounds
     * differently under C2 (SVML) than before it. This is the class's only exponential and its
     * arithmetic is written inside the loop: as a method taking and returning a vector it was inlined
     * at its first call site only (C2's node-count inlining cut-off refused the others), and
     * every other call boxed its vectors, allocating on every row.
     */
    static void expInPlace(float[] x, int count) {
        for (int i = 0; i < count; i += L) {
            FloatVector v = FloatVector.fromArray(S, x, i);
            FloatVector c = v.lanewise(VectorOperators.MAX, EXP_LO).lanewise(VectorOperators.MIN, EXP_HI);
            FloatVector n = c.lanewise(VectorOperators.FMA, LOG2E, ROUND).lanewise(VectorOperators.SUB, ROUND).lanewise(VectorOperators.MIN, N_MAX);
            FloatVector r = n.lanewise(VectorOperators.FMA, NEG_LN2_LO, n.lanewise(VectorOperators.FMA, NEG_LN2_HI, c));
            FloatVector p = P0.lanewise(VectorOperators.FMA, r, P1)
                    .lanewise(VectorOperators.FMA, r, P2)
                    .lanewise(VectorOperators.FMA, r, P3)
                    .lanewise(VectorOperators.FMA, r, P4)
                    .lanewise(VectorOperators.FMA, r, P5);
            FloatVector y = p.lanewise(VectorOperators.FMA, r.lanewise(VectorOperators.MUL, r), r).lanewise(VectorOperators.ADD, ONE);
            FloatVector scale = (FloatVector) ((IntVector) n.lanewise(VectorOperators.ADD, ROUND).convertShape(VectorOperators.REINTERPRET_F2I, IS, 0))
                    .lanewise(VectorOperators.ADD, I127).lanewise(VectorOperators.MUL, I2P23).convertShape(VectorOperators.REINTERPRET_I2F, S, 0);
            y.lanewise(VectorOperators.MUL, scale)
                    .blend(INF, v.compare(VectorOperators.GT, EXP_HI))
                    .blend(ZERO, v.compare(VectorOperators.LT, EXP_LO))
                    .intoArray(x, i);
        }
    }

    /**
     * A block of rows of n floats copied out of the arena into a float array, each row padded to whole
     * vectors with -inf (whose exponential is 0), then shifted by the row's max and exponentiated in
     * place: the softmax family's common first half. Working on a block of rows in an array needs no
     * masked vector operations (boxed in JDK 17), puts every exponential of the block in one loop
     * (independent vectors, one inlined copy of the arithmetic), and keeps the block in L1.
     */
    static final class Staged {
        /** Floats of the staging array: 16 KB, within L1 with the rows' outputs. */
        private static final int FLOATS = 4096;
        final int n;
        final int padded;
        final int block;
        final float[] x;
        final float[] max;
        private final VectorMask<Float> outside;
        private final float[] lanes = new float[L];

        Staged(int n, int rows) {
            this.n = n;
            this.padded = (n + L - 1) / L * L;
            // No larger than the call needs: a one-row call (a session step) stages one row.
            this.block = Math.max(1, Math.min(rows, FLOATS / Math.max(1, padded)));
            this.x = new float[block * padded];
            this.max = new float[block];
            this.outside = S.indexInRange(0, n - (padded - L)).not();
        }

        /** Rows [r0, r1) from byte address {@code at} (byte row stride {@code rowStride}): exp(row − max(row)) and max. */
        void exponentials(ByteBuffer m, int at, int rowStride, int r0, int r1, boolean vector) {
            if (!vector) {
                exponentialsScalar(m, at, rowStride, r0, r1);
                return;
            }
            // No vector lives across a loop iteration or meets another at a branch: JDK 17's C2 boxes
            // such vectors (an allocation per row); running maxima and sums go through {@code lanes}.
            FloatVector negInf = FloatVector.broadcast(S, Float.NEGATIVE_INFINITY);
            for (int r = r0; r < r1; r++) {
                int p = at + r * rowStride;
                int base = (r - r0) * padded;
                if (padded == 2 * L && p + 8 * L <= m.limit()) {
                    // Two vectors a row (the character models' 28 classes on 16 lanes), the second
                    // reaching past the row's end: loaded, max and shift in registers (max is exact, so
                    // the same value as through {@code lanes} below, which the arena's last rows take).
                    FloatVector v0 = FloatVector.fromByteBuffer(S, m, p, LE);
                    FloatVector v1 = FloatVector.fromByteBuffer(S, m, p + 4 * L, LE).blend(negInf, outside);
                    float top = v0.lanewise(VectorOperators.MAX, v1).reduceLanes(VectorOperators.MAX);
                    max[r - r0] = top;
                    FloatVector shift = FloatVector.broadcast(S, top);
                    v0.lanewise(VectorOperators.SUB, shift).intoArray(x, base);
                    v1.lanewise(VectorOperators.SUB, shift).intoArray(x, base + L);
                    continue;
                }
                int j = 0;
                for (; j + L <= n; j += L) {
                    FloatVector.fromByteBuffer(S, m, p + 4 * j, LE).intoArray(x, base + j);
                }
                if (j < n) {
                    if (p + 4 * (j + L) <= m.limit()) {
                        // The lanes past the row are loaded (the next row's) and replaced by -inf.
                        FloatVector.fromByteBuffer(S, m, p + 4 * j, LE).blend(negInf, outside).intoArray(x, base + j);
                    } else {
                        for (int k = 0; k < L; k++) {
                            x[base + j + k] = j + k < n ? m.getFloat(p + 4 * (j + k)) : Float.NEGATIVE_INFINITY;
                        }
                    }
                }
                negInf.intoArray(lanes, 0);
                for (j = 0; j < padded; j += L) {
                    FloatVector.fromArray(S, lanes, 0).lanewise(VectorOperators.MAX, FloatVector.fromArray(S, x, base + j)).intoArray(lanes, 0);
                }
                float rowMax = FloatVector.fromArray(S, lanes, 0).reduceLanes(VectorOperators.MAX);
                max[r - r0] = rowMax;
                FloatVector shift = FloatVector.broadcast(S, rowMax);
                for (j = 0; j < padded; j += L) {
                    FloatVector.fromArray(S, x, base + j).lanewise(VectorOperators.SUB, shift).intoArray(x, base + j);
                }
            }
            expInPlace(x, (r1 - r0) * padded);
        }

        /** {@link #exponentials} in scalar code: max is exact in any order, the rest is per element. */
        private void exponentialsScalar(ByteBuffer m, int at, int rowStride, int r0, int r1) {
            for (int r = r0; r < r1; r++) {
                int p = at + r * rowStride;
                int base = (r - r0) * padded;
                float rowMax = Float.NEGATIVE_INFINITY;
                for (int j = 0; j < padded; j++) {
                    float v = j < n ? m.getFloat(p + 4 * j) : Float.NEGATIVE_INFINITY;
                    x[base + j] = v;
                    rowMax = Math.max(rowMax, v);
                }
                max[r - r0] = rowMax;
                for (int j = 0; j < padded; j++) {
                    x[base + j] = FloatMath.exp(x[base + j] - rowMax);
                }
            }
        }

        /** Σ of staged row r's exponentials: vector partial sums (through {@code lanes}, see above) reduced at the end. */
        float sum(int r, boolean vector) {
            if (!vector) {
                java.util.Arrays.fill(lanes, 0f);
                for (int j = 0; j < padded; j += L) {
                    for (int k = 0; k < L; k++) {
                        lanes[k] += x[r * padded + j + k];
                    }
                }
                float total = 0f;   // the ADD reduction's order: lane 0 first, from 0
                for (int k = 0; k < L; k++) {
                    total += lanes[k];
                }
                return total;
            }
            if (padded == 2 * L) {
                // (0 + a) + b = a + b for exponentials (never -0): the lane-ordered sum below, in registers.
                return FloatVector.fromArray(S, x, r * padded).lanewise(VectorOperators.ADD, FloatVector.fromArray(S, x, r * padded + L))
                        .reduceLanes(VectorOperators.ADD);
            }
            ZERO.intoArray(lanes, 0);
            for (int j = 0; j < padded; j += L) {
                FloatVector.fromArray(S, lanes, 0).lanewise(VectorOperators.ADD, FloatVector.fromArray(S, x, r * padded + j)).intoArray(lanes, 0);
            }
            return FloatVector.fromArray(S, lanes, 0).reduceLanes(VectorOperators.ADD);
        }

        /** Staged row r times scale to byte address q; {@code spill}: the remainder may be stored as a full vector (else lane by lane, the same products). */
        void store(ByteBuffer m, int r, int q, float scale, boolean spill, boolean vector) {
            if (!vector) {
                for (int j = 0; j < n; j++) {
                    m.putFloat(q + 4 * j, x[r * padded + j] * scale);
                }
                return;
            }
            FloatVector k = FloatVector.broadcast(S, scale);
            int j = 0;
            for (; j + L <= n; j += L) {
                FloatVector.fromArray(S, x, r * padded + j).lanewise(VectorOperators.MUL, k).intoByteBuffer(m, q + 4 * j, LE);
            }
            if (j < n) {
                if (spill) {
                    FloatVector.fromArray(S, x, r * padded + j).lanewise(VectorOperators.MUL, k).intoByteBuffer(m, q + 4 * j, LE);
                } else {
                    for (; j < n; j++) {
                        m.putFloat(q + 4 * j, x[r * padded + j] * scale);
                    }
                }
            }
        }
    }

    /**
     * acc[j] += Σ_r row r, column j, for {@code rows} rows of n floats at byte address p with byte
     * row stride; blocks of rows are summed in float vectors and added to the double accumulators.
     * {@code scratch} holds at least n floats.
     */
    static void columnSums(ByteBuffer m, int p, int rowStride, int rows, int n, double[] acc, float[] scratch) {
        columnSums(m, p, rowStride, rows, n, acc, scratch, vector());
    }

    /**
     * The sums of a block of rows are kept in {@code scratch} (no loop-carried vector: C2 has boxed
     * such a vector on every row once the JVM had run vector code of several shapes) and the block is
     * walked row by row, in memory order. Walked column by column, each vector of sums took a chain
     * of stores and reloads through the block's rows and every row a cache line from L2: the GRU
     * H256's bias gradients (1,120 rows of 768) took 0.4 ms each. Either way each column's sum is
     * the same chain of adds in row order, and the scalar form, the remainder's loop for every
     * column, is that chain too.
     */
    static void columnSums(ByteBuffer m, int p, int rowStride, int rows, int n, double[] acc, float[] scratch, boolean vector) {
        final int block = 256;
        final int vn = vector ? n - n % L : 0;
        for (int r0 = 0; r0 < rows; r0 += block) {
            int r1 = Math.min(rows, r0 + block);
            if (vn > 0) {
                Arrays.fill(scratch, 0, vn, 0f);
                for (int r = r0; r < r1; r++) {
                    int q = p + r * rowStride;
                    for (int j = 0; j < vn; j += L) {
                        FloatVector.fromArray(S, scratch, j).lanewise(VectorOperators.ADD, FloatVector.fromByteBuffer(S, m, q + 4 * j, LE))
                                .intoArray(scratch, j);
                    }
                }
                for (int j = 0; j < vn; j++) {
                    acc[j] += scratch[j];
                }
            }
            for (int j = vn; j < n; j++) {
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
        addRow(m, src, dst, n, vector());
    }

    static void addRow(ByteBuffer m, int src, int dst, int n, boolean vector) {
        int j = 0;
        for (; vector && j + L <= n; j += L) {
            FloatVector.fromByteBuffer(S, m, dst + 4 * j, LE).add(FloatVector.fromByteBuffer(S, m, src + 4 * j, LE))
                    .intoByteBuffer(m, dst + 4 * j, LE);
        }
        for (; j < n; j++) {
            m.putFloat(dst + 4 * j, m.getFloat(dst + 4 * j) + m.getFloat(src + 4 * j));
        }
    }

    /**
     * n floats of value v from byte address p: vector stores once the row kernels are proven; a
     * fill alone does not start their warm-up (a program of fills should not cost a core for seconds).
     */
    static void fill(ByteBuffer m, int p, int n, float v) {
        int j = 0;
        if (VECTOR.proven()) {
            FloatVector b = FloatVector.broadcast(S, v);
            for (; j + L <= n; j += L) {
                b.intoByteBuffer(m, p + 4 * j, LE);
            }
        }
        for (; j < n; j++) {
            m.putFloat(p + 4 * j, v);
        }
    }

    /**
     * out = (softmax(logits) - one_hot(target)) * scale for contiguous rows of n floats, and (when
     * {@code loss}) Σ over rows of logsumexp(row) − row[target], from one pass over a block of rows
     * at a time: each row's max and exponentials once, the probabilities as exp(x − max) · (scale /
     * sum), the logs batched. A row's remainder is stored as a full vector, spilling into the next
     * row (written after it), unless that would reach past the last row or into the logits.
     */
    public static double crossEntropyGrad(ByteBuffer m, int logits, int out, int rows, int n, int[] target, float scale, boolean loss, float[] sums) {
        return crossEntropyGrad(new Staged(n, rows), m, logits, out, rows, n, target, scale, loss, sums, vector());
    }

    /** As above, staging through {@code rowsOf} (made for n classes), so that repeated calls allocate nothing. */
    static double crossEntropyGrad(Staged rowsOf, ByteBuffer m, int logits, int out, int rows, int n, int[] target, float scale, boolean loss, float[] sums) {
        return crossEntropyGrad(rowsOf, m, logits, out, rows, n, target, scale, loss, sums, vector());
    }

    static double crossEntropyGrad(Staged rowsOf, ByteBuffer m, int logits, int out, int rows, int n, int[] target, float scale, boolean loss, float[] sums,
            boolean vector) {
        int outEnd = out + 4 * rows * n;
        boolean apart = outEnd <= logits || logits + 4 * rows * n <= out;
        double total = 0;
        for (int r0 = 0; r0 < rows; r0 += rowsOf.block) {
            int r1 = Math.min(rows, r0 + rowsOf.block);
            rowsOf.exponentials(m, logits, 4 * n, r0, r1, vector);
            for (int r = r0; r < r1; r++) {
                int q = out + 4 * r * n;
                float s = rowsOf.sum(r - r0, vector);
                if (loss) {
                    // Read before the row's gradient is stored: out may be the logits' own memory.
                    sums[r] = s;
                    total += rowsOf.max[r - r0] - m.getFloat(logits + 4 * (r * n + target[r]));
                }
                rowsOf.store(m, r - r0, q, scale / s, apart && r + 1 < rows && mayStoreFullRemainder(q, n, outEnd), vector);
                int at = q + 4 * target[r];
                m.putFloat(at, m.getFloat(at) - scale);
            }
        }
        return loss ? total + sumOfLogs(sums, rows, n) : 0;
    }
}
