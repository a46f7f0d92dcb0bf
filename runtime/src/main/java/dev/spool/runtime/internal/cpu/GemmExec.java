package dev.spool.runtime.internal.cpu;

import dev.spool.graph.DType;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * {@code C = op(A)·op(B) + beta·C} on arena addresses, repeated over a batch with byte strides, by
 * OpenBLAS. A product large enough to pay for a hand-over (see {@link #SPLIT_MACS}) runs in two
 * halves, one on {@link SecondCore}: half of the batch; else half of C's columns or rows, whichever
 * dimension is larger (at least 64); else, for a long-k product with a small C (a weight gradient
 * summed over every time step), half of k each, the second half into a scratch C that is then
 * added. The cut depends only on the shape, also on one core (where both halves run in turn), so the
 * bits depend neither on whether the helper took part nor on the core count. A long-k {@code Aᵀ·B}
 * with a small C (a recurrent weight's gradient summed over every step) runs its halves in
 * {@link LongKGemm} instead of OpenBLAS.
 */
final class GemmExec implements Exec {
    /** Products of fewer multiply-adds (about 10 µs on one core) run whole. */
    static final long SPLIT_MACS = 1L << 19;
    private static final int MIN_HALF = 32;

    private enum Split { NONE, BATCH, N, M, K }

    /** The arena (its byte order set by the executor), for adding the K split's partial sums. */
    private final ByteBuffer arena;
    private final Blas.Operands blas;
    private final Blas.Operands helperBlas;
    private final DType dtype;
    private final Address a;
    private final Address b;
    private final Address c;
    private final boolean transA;
    private final boolean transB;
    private final int m;
    private final int n;
    private final int k;
    private final int lda;
    private final int ldb;
    private final int ldc;
    private final double beta;
    private final int batch;
    private final int strideA;
    private final int strideB;
    private final int strideC;
    private final Split split;
    /** Where the split falls: a batch index, a column, a row or a k index. */
    private final int at;
    /** K split: the second half's C (m×n, dense), added into C after both halves. */
    private final ByteBuffer partial;
    /** K split of a long-k {@code Aᵀ·B} ({@link LongKGemm#suits}): each half's kernel and its m×n sums; else null. */
    private final LongKGemm longFirst;
    private final LongKGemm longSecond;
    private final float[] sumsFirst;
    private final float[] sumsSecond;
    private boolean vector;
    private final Runnable first;
    private final Runnable second;
    private int pa;
    private int pb;
    private int pc;

    GemmExec(ByteBuffer mem, Blas.Operands blas, DType dtype, Address a, Address b, Address c, boolean transA, boolean transB, int m, int n, int k,
             int lda, int ldb, int ldc, double beta, int batch, int strideA, int strideB, int strideC) {
        this.arena = mem;
        this.blas = blas;
        this.dtype = dtype;
        this.a = a;
        this.b = b;
        this.c = c;
        this.transA = transA;
        this.transB = transB;
        this.m = m;
        this.n = n;
        this.k = k;
        this.lda = lda;
        this.ldb = ldb;
        this.ldc = ldc;
        this.beta = beta;
        this.batch = batch;
        this.strideA = strideA;
        this.strideB = strideB;
        this.strideC = strideC;
        long macs = (long) m * n * k * batch;
        Split s = Split.NONE;
        int where = 0;
        if (macs >= SPLIT_MACS && batch >= 2) {
            s = Split.BATCH;
            where = batch / 2;
        } else if (macs >= SPLIT_MACS && Math.max(m, n) >= 2 * MIN_HALF) {
            s = n >= m ? Split.N : Split.M;
            where = halfOf(Math.max(m, n));
        } else if (macs >= SPLIT_MACS && batch == 1 && k >= 4 * Math.max(m, n) && k >= 2 * MIN_HALF) {
            s = Split.K;
            where = halfOf(k);
        }
        // Cut by the shape alone, with or without a second core, so the bits never depend on it.
        this.split = s;
        this.at = where;
        // LongKGemm's class loads the Vector API: only where the module is there (as for PackedGemm).
        boolean longK = split == Split.K && VectorSupport.floatLanes() > 0 && LongKGemm.suits(dtype, transA, transB, batch, m, n, k);
        java.nio.FloatBuffer floats = longK ? mem.duplicate().order(ByteOrder.nativeOrder()).asFloatBuffer() : null;
        this.longFirst = longK ? new LongKGemm(floats, m, n) : null;
        this.longSecond = longK ? new LongKGemm(floats, m, n) : null;
        this.sumsFirst = longK ? new float[m * n] : null;
        this.sumsSecond = longK ? new float[m * n] : null;
        if (longK) {
            LongKGemm.startWarmup();
        }
        this.partial = split == Split.K && !longK ? ByteBuffer.allocateDirect(m * n * dtype.byteSize()).order(ByteOrder.nativeOrder()) : null;
        this.helperBlas = split == Split.NONE || longK ? null : new Blas.Operands(mem, split == Split.K ? partial : mem);
        this.first = this::firstHalf;
        this.second = this::secondHalf;
    }

    /** How the product is split: NONE, BATCH, N, M or K (for tests). */
    String split() {
        return split.name();
    }

    /** About half of {@code size}, a multiple of 16 (whole vectors and OpenBLAS micro-tiles on both sides). */
    private static int halfOf(int size) {
        return (size / 2 + 15) & ~15;
    }

    public void run(int[] loop) {
        pa = a.at(loop);
        pb = b.at(loop);
        pc = c.at(loop);
        if (split == Split.NONE) {
            batch(blas, 0, batch, m, n, k, 0, 0, pc, beta, ldc);
            return;
        }
        if (longFirst != null) {
            vector = LongKGemm.vectorReady();
            SecondCore.run(first, second);
            addLongKSums();
            return;
        }
        SecondCore.run(first, second);
        if (split == Split.K) {
            addPartial();
        }
    }

    /** C = β·C + the first half's sums + the second half's, in that order. */
    private void addLongKSums() {
        for (int i = 0; i < m; i++) {
            for (int j = 0; j < n; j++) {
                int at = pc + 4 * (i * ldc + j);
                float s = sumsFirst[i * n + j];
                if (beta != 0) {
                    s = (float) beta * arena.getFloat(at) + s;
                }
                arena.putFloat(at, s + sumsSecond[i * n + j]);
            }
        }
    }

    private void firstHalf() {
        if (longFirst != null) {
            java.util.Arrays.fill(sumsFirst, 0f);
            longFirst.accumulate(pa / 4, lda, pb / 4, ldb, 0, at, sumsFirst, vector);
            return;
        }
        switch (split) {
            case BATCH -> batch(blas, 0, at, m, n, k, 0, 0, pc, beta, ldc);
            case N -> batch(blas, 0, batch, m, at, k, 0, 0, pc, beta, ldc);
            case M -> batch(blas, 0, batch, at, n, k, 0, 0, pc, beta, ldc);
            case K -> batch(blas, 0, batch, m, n, at, 0, 0, pc, beta, ldc);
            case NONE -> throw new IllegalStateException("not split");
        }
    }

    private void secondHalf() {
        if (longSecond != null) {
            java.util.Arrays.fill(sumsSecond, 0f);
            longSecond.accumulate(pa / 4, lda, pb / 4, ldb, at, k, sumsSecond, vector);
            return;
        }
        int es = dtype.byteSize();
        switch (split) {
            case BATCH -> batch(helperBlas, at, batch, m, n, k, 0, 0, pc, beta, ldc);
            case N -> batch(helperBlas, 0, batch, m, n - at, k, 0, at * es * (transB ? ldb : 1), pc + at * es, beta, ldc);
            case M -> batch(helperBlas, 0, batch, m - at, n, k, at * es * (transA ? 1 : lda), 0, pc + at * es * ldc, beta, ldc);
            // op(A)'s columns and op(B)'s rows from at on, into the scratch C (row length n) from zero.
            case K -> batch(helperBlas, 0, 1, m, n, k - at, at * es * (transA ? lda : 1), at * es * (transB ? 1 : ldb), 0, 0, n);
            case NONE -> throw new IllegalStateException("not split");
        }
    }

    /**
     * Products {@code from..to} of the batch, each of size mm×nn×kk, A and B offset by the given bytes
     * from this run's addresses, C from {@code cBase} (bytes, in the C buffer of {@code p}).
     */
    private void batch(Blas.Operands p, int from, int to, int mm, int nn, int kk, int offA, int offB, int cBase, double bt, int ldC) {
        for (int i = from; i < to; i++) {
            int ia = pa + offA + i * strideA;
            int ib = pb + offB + i * strideB;
            int ic = cBase + i * strideC;
            if (dtype == DType.F32) {
                Blas.sgemm(p, transA, transB, mm, nn, kk, ia, lda, ib, ldb, (float) bt, ic, ldC);
            } else {
                Blas.dgemm(p, transA, transB, mm, nn, kk, ia, lda, ib, ldb, bt, ic, ldC);
            }
        }
    }

    /** C += the second half's partial sums (a K split has batch 1: a batch is split by batch first). */
    private void addPartial() {
        ByteBuffer mem = arena;
        for (int i = 0; i < m; i++) {
            for (int j = 0; j < n; j++) {
                int at = pc + (i * ldc + j) * dtype.byteSize();
                int from = (i * n + j) * dtype.byteSize();
                if (dtype == DType.F32) {
                    mem.putFloat(at, mem.getFloat(at) + partial.getFloat(from));
                } else {
                    mem.putDouble(at, mem.getDouble(at) + partial.getDouble(from));
                }
            }
        }
    }
}
