package dev.spool.backend.cpu.reference;

import dev.spool.graph.DType;
import dev.spool.graph.Tensor;
import dev.spool.runtime.internal.cpu.Blas;

import java.util.Arrays;

/**
 * Matrix products through OpenBLAS. A rank-2 right operand against a batched left operand is one
 * GEMM with the batch folded into M (the input projection of all time steps at once); otherwise one
 * GEMM per broadcast batch entry, each on offsets into the operands' arrays.
 */
final class MatMulKernel {
    private MatMulKernel() {
    }

    static Tensor matmul(Tensor a, Tensor b, boolean transA, boolean transB, int[] outShape) {
        int ra = a.rank();
        int rb = b.rank();
        int m = a.dim(ra - (transA ? 1 : 2));
        int k = a.dim(ra - (transA ? 2 : 1));
        int n = b.dim(rb - (transB ? 2 : 1));
        Tensor out = Tensor.zeros(a.dtype(), outShape);
        int lda = a.dim(ra - 1);
        int ldb = b.dim(rb - 1);
        if (rb == 2 && !transA) {
            int rows = a.size() / Math.max(1, k);
            if (a.size() == 0) {
                rows = Strides.volume(a.shape(), 0, ra - 1);
            }
            gemm(a, b, out, false, transB, rows, n, k, a.offset(), lda, b.offset(), ldb, 0);
            return out;
        }
        int[] batch = Arrays.copyOf(outShape, outShape.length - 2);
        int[] ai = Strides.broadcastIndex(Arrays.copyOf(a.shape(), ra - 2), batch);
        int[] bi = Strides.broadcastIndex(Arrays.copyOf(b.shape(), rb - 2), batch);
        int aMat = a.dim(ra - 2) * a.dim(ra - 1);
        int bMat = b.dim(rb - 2) * b.dim(rb - 1);
        for (int i = 0; i < ai.length; i++) {
            gemm(a, b, out, transA, transB, m, n, k, a.offset() + ai[i] * aMat, lda, b.offset() + bi[i] * bMat, ldb, i * m * n);
        }
        return out;
    }

    private static void gemm(Tensor a, Tensor b, Tensor c, boolean ta, boolean tb, int m, int n, int k,
                             int aOff, int lda, int bOff, int ldb, int cOff) {
        if (m == 0 || n == 0) {
            return;
        }
        DType t = a.dtype();
        if (t == DType.F32) {
            Blas.sgemm(ta, tb, m, n, k, (float[]) a.data(), aOff, Math.max(1, lda), (float[]) b.data(), bOff, Math.max(1, ldb), 0f, c.floats(), cOff, n);
        } else if (t == DType.F64) {
            Blas.dgemm(ta, tb, m, n, k, (double[]) a.data(), aOff, Math.max(1, lda), (double[]) b.data(), bOff, Math.max(1, ldb), 0, c.doubles(), cOff, n);
        } else {
            // Integer products are rare (index arithmetic); exact long loops suffice.
            for (int i = 0; i < m; i++) {
                for (int j = 0; j < n; j++) {
                    long s = 0;
                    for (int p = 0; p < k; p++) {
                        int ia = aOff - a.offset() + (ta ? p * lda + i : i * lda + p);
                        int ib = bOff - b.offset() + (tb ? j * ldb + p : p * ldb + j);
                        s += a.getLong(ia) * b.getLong(ib);
                    }
                    c.setLong(cOff + i * n + j, s);
                }
            }
        }
    }
}
