package dev.spool.runtime.internal.cpu;

import dev.spool.graph.DType;
/** {@code C = op(A)·op(B) + beta·C} on arena addresses, repeated over a batch with byte strides. */
final class GemmExec implements Exec {
    private final Blas.Operands blas;
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

    GemmExec(Blas.Operands blas, DType dtype, Address a, Address b, Address c, boolean transA, boolean transB, int m, int n, int k,
             int lda, int ldb, int ldc, double beta, int batch, int strideA, int strideB, int strideC) {
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
    }

    public void run(int[] loop) {
        int pa = a.at(loop);
        int pb = b.at(loop);
        int pc = c.at(loop);
        for (int i = 0; i < batch; i++) {
            if (dtype == DType.F32) {
                Blas.sgemm(blas, transA, transB, m, n, k, pa, lda, pb, ldb, (float) beta, pc, ldc);
            } else {
                Blas.dgemm(blas, transA, transB, m, n, k, pa, lda, pb, ldb, beta, pc, ldc);
            }
            pa += strideA;
            pb += strideB;
            pc += strideC;
        }
    }
}
