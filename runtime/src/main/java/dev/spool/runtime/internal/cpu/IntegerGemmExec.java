package dev.spool.runtime.internal.cpu;

import dev.spool.graph.DType;

import java.nio.ByteBuffer;

/**
 * {@code C = A·B + beta·C} on integer matrices (I32 or I64) in the arena, with exact 64-bit
 * accumulation (the result wraps to the dtype as the reference interpreter's does). BLAS has no
 * integer GEMM; integer products are rare (index arithmetic), so a plain loop is enough, and
 * compiled code never falls back into the interpreter.
 */
final class IntegerGemmExec implements Exec {
    private final ByteBuffer m;
    private final DType dtype;
    private final Address a;
    private final Address b;
    private final Address c;
    private final boolean transA;
    private final boolean transB;
    private final int rows;
    private final int cols;
    private final int depth;
    private final int lda;
    private final int ldb;
    private final int ldc;
    private final long beta;
    private final int batch;
    private final int[] batchBytes;

    IntegerGemmExec(ByteBuffer m, DType dtype, Address a, Address b, Address c, boolean transA, boolean transB, int rows, int cols, int depth,
                    int[] leading, double beta, int batch, int[] batchBytes) {
        this.m = m;
        this.dtype = dtype;
        this.a = a;
        this.b = b;
        this.c = c;
        this.transA = transA;
        this.transB = transB;
        this.rows = rows;
        this.cols = cols;
        this.depth = depth;
        this.lda = leading[0];
        this.ldb = leading[1];
        this.ldc = leading[2];
        this.beta = (long) beta;
        this.batch = batch;
        this.batchBytes = batchBytes.clone();
    }

    public void run(int[] loop) {
        int es = dtype.byteSize();
        int pa = a.at(loop);
        int pb = b.at(loop);
        int pc = c.at(loop);
        for (int e = 0; e < batch; e++) {
            for (int i = 0; i < rows; i++) {
                for (int j = 0; j < cols; j++) {
                    long sum = 0;
                    for (int p = 0; p < depth; p++) {
                        long x = Elements.getLong(m, dtype, pa + es * (transA ? p * lda + i : i * lda + p));
                        long y = Elements.getLong(m, dtype, pb + es * (transB ? j * ldb + p : p * ldb + j));
                        sum += x * y;
                    }
                    int at = pc + es * (i * ldc + j);
                    Elements.putLong(m, dtype, at, beta == 0 ? sum : sum + beta * Elements.getLong(m, dtype, at));
                }
            }
            pa += batchBytes[0];
            pb += batchBytes[1];
            pc += batchBytes[2];
        }
    }
}
