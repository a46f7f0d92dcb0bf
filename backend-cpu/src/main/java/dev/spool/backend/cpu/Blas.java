package dev.spool.backend.cpu;

import org.bytedeco.openblas.global.openblas;

import java.nio.DoubleBuffer;
import java.nio.FloatBuffer;

/**
 * The one facade over OpenBLAS (no other class imports {@code org.bytedeco}). Row-major GEMM on
 * arrays at offsets: {@code C = alpha * op(A) op(B) + beta * C}. Transposed operands are passed as
 * flags, never copied. Heap buffers are wrapped with their offset as the buffer position, which
 * JavaCPP honours.
 */
final class Blas {
    private Blas() {
    }

    static void sgemm(boolean transA, boolean transB, int m, int n, int k,
                      float[] a, int aOff, int lda, float[] b, int bOff, int ldb, float beta, float[] c, int cOff, int ldc) {
        if (m == 0 || n == 0) {
            return;
        }
        openblas.cblas_sgemm(openblas.CblasRowMajor, trans(transA), trans(transB), m, n, k, 1f,
                FloatBuffer.wrap(a, aOff, a.length - aOff), lda, FloatBuffer.wrap(b, bOff, b.length - bOff), ldb,
                beta, FloatBuffer.wrap(c, cOff, c.length - cOff), ldc);
    }

    static void dgemm(boolean transA, boolean transB, int m, int n, int k,
                      double[] a, int aOff, int lda, double[] b, int bOff, int ldb, double beta, double[] c, int cOff, int ldc) {
        if (m == 0 || n == 0) {
            return;
        }
        openblas.cblas_dgemm(openblas.CblasRowMajor, trans(transA), trans(transB), m, n, k, 1.0,
                DoubleBuffer.wrap(a, aOff, a.length - aOff), lda, DoubleBuffer.wrap(b, bOff, b.length - bOff), ldb,
                beta, DoubleBuffer.wrap(c, cOff, c.length - cOff), ldc);
    }

    private static int trans(boolean t) {
        return t ? openblas.CblasTrans : openblas.CblasNoTrans;
    }
}
