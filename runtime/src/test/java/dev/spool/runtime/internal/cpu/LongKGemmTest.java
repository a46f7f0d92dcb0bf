package dev.spool.runtime.internal.cpu;

import dev.spool.graph.DType;
import org.junit.jupiter.api.Test;

import java.nio.FloatBuffer;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@link LongKGemm}: the vector and the scalar form give the same bits, and both are k-ordered chains of fused multiply-adds. */
class LongKGemmTest {
    @Test
    void vectorAndScalarFormsGiveTheSameBitsAsOneChainOfFmasPerElement() {
        int m = 8;
        int n = 2 * LongKGemm.NR;
        int k = 2 * LongKGemm.CHUNK + 37; // a partial last chunk
        int lda = m + 5;
        int ldb = n + 3;
        Random rnd = new Random(5);
        FloatBuffer f = FloatBuffer.allocate(k * lda + k * ldb);
        for (int i = 0; i < f.capacity(); i++) {
            f.put(i, (float) rnd.nextGaussian());
        }
        int bAt = k * lda;
        float[] vector = new float[m * n];
        float[] scalar = new float[m * n];
        java.util.Arrays.fill(vector, 0.25f);
        java.util.Arrays.fill(scalar, 0.25f);
        // In two ranges, as GemmExec's halves do; the second continues the chains of the first.
        new LongKGemm(f, m, n).accumulate(0, lda, bAt, ldb, 0, 300, vector, true);
        new LongKGemm(f, m, n).accumulate(0, lda, bAt, ldb, 300, k, vector, true);
        new LongKGemm(f, m, n).accumulate(0, lda, bAt, ldb, 0, k, scalar, false);
        for (int i = 0; i < m; i++) {
            for (int j = 0; j < n; j++) {
                float chain = 0.25f;
                for (int r = 0; r < k; r++) {
                    chain = Math.fma(f.get(r * lda + i), f.get(bAt + r * ldb + j), chain);
                }
                assertEquals(Float.floatToRawIntBits(chain), Float.floatToRawIntBits(scalar[i * n + j]), "scalar at " + i + "," + j);
                assertEquals(Float.floatToRawIntBits(chain), Float.floatToRawIntBits(vector[i * n + j]), "vector at " + i + "," + j);
            }
        }
    }

    @Test
    void onlyLongKTransposedLeftProductsOfWholeBlocksSuit() {
        assertTrue(LongKGemm.suits(DType.F32, true, false, 1, 32, 32, 32768));
        assertFalse(LongKGemm.suits(DType.F32, false, false, 1, 32, 32, 32768), "A not transposed");
        assertFalse(LongKGemm.suits(DType.F64, true, false, 1, 32, 32, 32768), "F64");
        assertFalse(LongKGemm.suits(DType.F32, true, false, 1, 30, 32, 32768), "m not a multiple of 4");
        assertFalse(LongKGemm.suits(DType.F32, true, false, 1, 32, 32, 256), "k too short");
    }
}
