package dev.spool.backend.cuda;

import dev.spool.graph.DType;
import dev.spool.program.internal.Instr;
import dev.spool.program.internal.View;

import org.junit.jupiter.api.Test;

import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The row-major → column-major operand swap: the cuBLAS call {@link GemmMapping} describes,
 * simulated on the host by {@link GemmMapping#columnMajor}, computes exactly the row-major product
 * the instruction asks for — every transpose combination, padded leading dimensions, beta 0 and 1,
 * and strided batches.
 */
class GemmMappingTest {

    /** C[b] (m×n, row-major, ldc) = op(A[b])·op(B[b]) + beta·C[b], by definition. */
    private static void rowMajor(boolean ta, boolean tb, int m, int n, int k, float[] a, int lda, int sa, float[] b, int ldb, int sb, double beta,
                                 float[] c, int ldc, int sc, int batch) {
        for (int q = 0; q < batch; q++) {
            for (int i = 0; i < m; i++) {
                for (int j = 0; j < n; j++) {
                    double s = 0;
                    for (int l = 0; l < k; l++) {
                        float x = ta ? a[q * sa + l * lda + i] : a[q * sa + i * lda + l];
                        float y = tb ? b[q * sb + j * ldb + l] : b[q * sb + l * ldb + j];
                        s += (double) x * y;
                    }
                    int at = q * sc + i * ldc + j;
                    c[at] = (float) (s + (beta == 0 ? 0 : beta * c[at]));
                }
            }
        }
    }

    @Test
    void theSwappedColumnMajorCallComputesTheRowMajorProduct() {
        SplittableRandom rnd = new SplittableRandom(7);
        int m = 3;
        int n = 5;
        int k = 4;
        int batch = 2;
        for (boolean ta : new boolean[] {false, true}) {
            for (boolean tb : new boolean[] {false, true}) {
                for (double beta : new double[] {0, 1}) {
                    int lda = (ta ? m : k) + 2;
                    int ldb = (tb ? k : n) + 1;
                    int ldc = n + 3;
                    int sa = (ta ? k : m) * lda + 1;
                    int sb = (tb ? n : k) * ldb + 2;
                    int sc = m * ldc + 1;
                    float[] a = random(rnd, batch * sa);
                    float[] b = random(rnd, batch * sb);
                    float[] c0 = random(rnd, batch * sc);
                    View av = new View(0, 0, ta ? new int[] {k, m} : new int[] {m, k}, new int[] {lda, 1}, new int[0]);
                    View bv = new View(1, 0, tb ? new int[] {n, k} : new int[] {k, n}, new int[] {ldb, 1}, new int[0]);
                    View cv = new View(2, 0, new int[] {m, n}, new int[] {ldc, 1}, new int[0]);
                    Instr.Gemm g = new Instr.Gemm(DType.F32, av, bv, cv, ta, tb, m, n, k, beta, batch, sa, sb, sc);

                    float[] expected = c0.clone();
                    rowMajor(ta, tb, m, n, k, a, lda, sa, b, ldb, sb, beta, expected, ldc, sc, batch);
                    float[] actual = c0.clone();
                    GemmMapping map = GemmMapping.of(g);
                    for (int q = 0; q < batch; q++) {
                        // cuBLAS's first operand is Spool's B, its second Spool's A.
                        GemmMapping.columnMajor(map.transA(), map.transB(), map.m(), map.n(), map.k(), b, (int) (q * map.strideA()), map.lda(), a,
                                (int) (q * map.strideB()), map.ldb(), beta, actual, (int) (q * map.strideC()), map.ldc());
                    }
                    for (int i = 0; i < expected.length; i++) {
                        assertEquals(expected[i], actual[i], 1e-5, "transA=" + ta + " transB=" + tb + " beta=" + beta + " at " + i);
                    }
                }
            }
        }
    }

    @Test
    void mAndNSwapAndEachOperandKeepsItsLeadingDimension() {
        View a = new View(0, 0, new int[] {6, 3}, new int[] {10, 1}, new int[0]);
        View b = new View(1, 0, new int[] {3, 7}, new int[] {9, 1}, new int[0]);
        View c = new View(2, 0, new int[] {6, 7}, new int[] {8, 1}, new int[0]);
        GemmMapping g = GemmMapping.of(new Instr.Gemm(DType.F32, a, b, c, false, true, 6, 7, 3, 0, 1, 0, 0, 0));
        assertEquals(new GemmMapping(true, false, 7, 6, 3, 9, 10, 8, 0, 0, 0), g);
    }

    private static float[] random(SplittableRandom rnd, int n) {
        float[] x = new float[n];
        for (int i = 0; i < n; i++) {
            x[i] = (float) rnd.nextDouble(-1, 1);
        }
        return x;
    }
}
