package dev.spool.backend.cuda;

import dev.spool.program.internal.Instr;
/**
 * A row-major GEMM as the column-major call cuBLAS takes. A row-major matrix read column-major is
 * its transpose, so {@code C = op(A)·op(B)} (row-major, m×n) is computed as
 * {@code Cᵀ = op(B)ᵀ·op(A)ᵀ} (column-major, n×m): the operands swap places, each keeps its own
 * transpose flag and leading dimension, and m and n swap.
 *
 * <pre>{@code
 * GemmMapping g = GemmMapping.of(gemm);   // cublasSgemm(h, g.transA(), g.transB(), g.m(), g.n(), g.k(), 1, B, g.lda(), A, g.ldb(), beta, C, g.ldc())
 * }</pre>
 *
 * @param transA      whether cuBLAS transposes its first operand (Spool's {@code transB})
 * @param transB      whether cuBLAS transposes its second operand (Spool's {@code transA})
 * @param strideA     batch stride (elements) of cuBLAS's first operand
 */
record GemmMapping(boolean transA, boolean transB, int m, int n, int k, int lda, int ldb, int ldc, long strideA,
                   long strideB, long strideC) {

    static GemmMapping of(Instr.Gemm g) {
        return new GemmMapping(g.transB(), g.transA(), g.n(), g.m(), g.k(), g.b().stride(0), g.a().stride(0), g.c().stride(0),
                g.batchStrideB(), g.batchStrideA(), g.batchStrideC());
    }

    /**
     * The column-major GEMM cuBLAS computes, in plain Java: {@code C[i + j·ldc] = Σ op(A)[i,l]·op(B)[l,j] + beta·C},
     * with op(X)[i,l] = X[i + l·ld] or, transposed, X[l + i·ld]. The tests run the mapping through it.
     */
    static void columnMajor(boolean ta, boolean tb, int m, int n, int k, float[] a, int aOff, int lda, float[] b, int bOff, int ldb,
                            double beta, float[] c, int cOff, int ldc) {
        for (int j = 0; j < n; j++) {
            for (int i = 0; i < m; i++) {
                double s = 0;
                for (int l = 0; l < k; l++) {
                    float x = ta ? a[aOff + l + i * lda] : a[aOff + i + l * lda];
                    float y = tb ? b[bOff + j + l * ldb] : b[bOff + l + j * ldb];
                    s += (double) x * y;
                }
                int at = cOff + i + j * ldc;
                c[at] = (float) (s + (beta == 0 ? 0 : beta * c[at]));
            }
        }
    }
}
