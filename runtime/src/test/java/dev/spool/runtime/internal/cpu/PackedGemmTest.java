package dev.spool.runtime.internal.cpu;

import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@link PackedGemm} against a float64 product computed here, over shapes that exercise every row
 * group (6, 2, 1 rows on 512-bit vectors; 4, 1 on narrower ones) and partial panels, both layouts of B, padded leading dimensions and beta 1; its
 * vector and scalar forms must agree to the bit, and a loop must see B as it was when the loop started.
 */
class PackedGemmTest {
    private static final int NR = PackedGemm.NR;

    /** A direct arena with A at 0, B after it and C after B; every leading dimension padded by 3. */
    private record Case(int m, int n, int k, boolean transB, double beta, ByteBuffer mem, int aAt, int bAt, int cAt, int lda, int ldb, int ldc) {
        static Case of(int m, int n, int k, boolean transB, double beta, Random rnd) {
            int lda = k + 3;
            int ldb = (transB ? k : n) + 3;
            int ldc = n + 3;
            int aFloats = m * lda;
            int bFloats = (transB ? n : k) * ldb;
            int cFloats = m * ldc;
            ByteBuffer mem = ByteBuffer.allocateDirect(4 * (aFloats + bFloats + cFloats)).order(ByteOrder.nativeOrder());
            for (int i = 0; i < aFloats + bFloats + cFloats; i++) {
                mem.putFloat(4 * i, (float) rnd.nextGaussian());
            }
            return new Case(m, n, k, transB, beta, mem, 0, 4 * aFloats, 4 * (aFloats + bFloats), lda, ldb, ldc);
        }

        float a(int i, int kk) {
            return mem.getFloat(aAt + 4 * (i * lda + kk));
        }

        float b(int kk, int j) {
            return mem.getFloat(bAt + 4 * (transB ? j * ldb + kk : kk * ldb + j));
        }

        float c(int i, int j) {
            return mem.getFloat(cAt + 4 * (i * ldc + j));
        }

        PackedGemm gemm() {
            return new PackedGemm(mem, new Exec.Address(aAt, new int[0]), new Exec.Address(bAt, new int[0]), new Exec.Address(cAt, new int[0]),
                    transB, m, n, k, lda, ldb, ldc, beta);
        }
    }

    @Test
    void anEpiloguesRowPartsAreEvenAndCoverEveryRowOnce() {
        assertArrayEquals(new int[] {0, 8, 16, 24, 32}, PackedGemm.rowParts(32));
        assertArrayEquals(new int[] {0, 16, 32, 48, 64}, PackedGemm.rowParts(64));
        assertArrayEquals(new int[] {0, 6, 13}, PackedGemm.rowParts(13));
        assertEquals(null, PackedGemm.rowParts(11), "fewer than two parts of 6 rows: no epilogue");
    }

    @Test
    void packedProductEqualsAFloat64ProductForEveryRowGroupAndPanelEdge() {
        Random rnd = new Random(3);
        int checked = 0;
        for (int m : new int[] {1, 3, 4, 5, 8, 9, 13, 32}) {
            for (int n : new int[] {1, 15, NR, NR + 1, 70}) {
                for (int k : new int[] {1, 2, 17, PackedGemm.KB + 5}) {
                    for (boolean transB : new boolean[] {false, true}) {
                        for (double beta : new double[] {0, 1}) {
                            Case c = Case.of(m, n, k, transB, beta, rnd);
                            double[][] want = new double[m][n + 3];
                            for (int i = 0; i < m; i++) {
                                for (int j = 0; j < n + 3; j++) {
                                    if (j >= n) {
                                        want[i][j] = c.c(i, j); // the padding past n is left alone
                                        continue;
                                    }
                                    double s = beta * c.c(i, j);
                                    for (int kk = 0; kk < k; kk++) {
                                        s += (double) c.a(i, kk) * c.b(kk, j);
                                    }
                                    want[i][j] = s;
                                }
                            }
                            PackedGemm g = c.gemm();
                            g.pack(new int[0]);
                            g.run(new int[0]);
                            for (int i = 0; i < m; i++) {
                                for (int j = 0; j < n + 3 && (i < m - 1 || j < n); j++) {
                                    double tol = 1e-5 * (k + 1) * Math.max(1, Math.abs(want[i][j]));
                                    assertEquals(want[i][j], c.c(i, j), tol,
                                            "C[" + i + "][" + j + "] of m=" + m + " n=" + n + " k=" + k + " transB=" + transB + " beta=" + beta);
                                }
                            }
                            checked++;
                        }
                    }
                }
            }
        }
        assertEquals(8 * 5 * 4 * 2 * 2, checked);
    }

    @Test
    void recurrentWeightsUpToSixteenMebibytesRunPackedLargerOnesInOpenBlas() {
        // The H256 cells' recurrent products (LSTM: 256×1024 weights, GRU: 256×768) and the LSTM
        // H1024's (1024×4096, 16 MiB), both directions, run packed; larger weights were not measured.
        assertTrue(PackedGemm.suits(false, 1, 32, 1024, 256));
        assertTrue(PackedGemm.suits(false, 1, 32, 768, 256));
        assertTrue(PackedGemm.suits(false, 1, 64, 4096, 1024), "16 MiB, the largest packed");
        assertTrue(PackedGemm.suits(false, 1, 64, 1024, 4096), "the H1024's backward product");
        assertFalse(PackedGemm.suits(false, 1, 64, 4097, 1024), "just past 16 MiB");
        assertFalse(PackedGemm.suits(false, 1, 64, 4096, 4096));
    }

    @Test
    void vectorAndScalarFormsGiveTheSameBits() {
        Random rnd = new Random(5);
        for (int m : new int[] {1, 7, 8, 13, 32}) {
            assertVectorFormEqualsScalarForm(m, 37, rnd);
        }
        // Past two slices of k: the vector kernel stores and reloads its sums between slices, the
        // scalar one runs each element as one chain.
        for (int m : new int[] {6, 13}) {
            assertVectorFormEqualsScalarForm(m, 2 * PackedGemm.KB + 3, rnd);
        }
    }

    private static void assertVectorFormEqualsScalarForm(int m, int k, Random rnd) {
        int panels = 3;
        float[][] a = new float[m][k];
        float[] packed = new float[panels * k * NR];
        for (float[] row : a) {
            for (int i = 0; i < k; i++) {
                row[i] = (float) rnd.nextGaussian();
            }
        }
        for (int i = 0; i < packed.length; i++) {
            packed[i] = (float) rnd.nextGaussian();
        }
        float[] vector = new float[m * panels * NR];
        float[] scalar = new float[m * panels * NR];
        PackedGemm.multiplyVector(a, packed, vector, m, k, panels, 0, panels);
        PackedGemm.multiplyScalar(a, packed, scalar, m, k, panels, 0, panels);
        int[] vb = new int[vector.length];
        int[] sb = new int[scalar.length];
        for (int i = 0; i < vb.length; i++) {
            vb[i] = Float.floatToRawIntBits(vector[i]);
            sb[i] = Float.floatToRawIntBits(scalar[i]);
        }
        assertArrayEquals(sb, vb, "m=" + m + " k=" + k);
    }

    @Test
    void aLoopPacksBOncePerRunAndSeesItsValueAtTheStart() {
        // C_t = A_t · B over 3 steps, A and C moving with the loop; B changes between the two runs.
        int m = 5;
        int n = 40;
        int k = 6;
        int steps = 3;
        ByteBuffer mem = ByteBuffer.allocateDirect(4 * (steps * m * k + k * n + steps * m * n)).order(ByteOrder.nativeOrder());
        int bAt = 4 * steps * m * k;
        int cAt = bAt + 4 * k * n;
        Random rnd = new Random(9);
        for (int i = 0; i < steps * m * k + k * n; i++) {
            mem.putFloat(4 * i, (float) rnd.nextGaussian());
        }
        PackedGemm g = new PackedGemm(mem, new Exec.Address(0, new int[] {4 * m * k}), new Exec.Address(bAt, new int[] {0}),
                new Exec.Address(cAt, new int[] {4 * m * n}), false, m, n, k, k, n, n, 0);
        ControlExecs.Loop loop = new ControlExecs.Loop(0, steps, true, new Exec[] {g.packer()}, new Exec[] {g});
        for (int run = 0; run < 2; run++) {
            long before = PackedGemm.packs();
            loop.run(new int[1]);
            assertEquals(1, PackedGemm.packs() - before, "packed once, at the start of the run");
            for (int t = 0; t < steps; t++) {
                for (int i = 0; i < m; i++) {
                    for (int j = 0; j < n; j++) {
                        double s = 0;
                        for (int kk = 0; kk < k; kk++) {
                            s += (double) mem.getFloat(4 * (t * m * k + i * k + kk)) * mem.getFloat(bAt + 4 * (kk * n + j));
                        }
                        assertEquals(s, mem.getFloat(cAt + 4 * (t * m * n + i * n + j)), 1e-5 * Math.max(1, Math.abs(s)),
                                "run " + run + " step " + t + " C[" + i + "][" + j + "]");
                    }
                }
            }
            for (int i = 0; i < k * n; i++) {
                mem.putFloat(bAt + 4 * i, mem.getFloat(bAt + 4 * i) * -2f);
            }
        }
    }
}
