package dev.spool.runtime.internal.cpu;

import dev.spool.graph.DType;
import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@link GemmExec}'s split products (half of the batch, of C's columns or rows, or of k) against a
 * float64 product computed here, with both operands transposed or not, beta 0 and 1 and padded
 * leading dimensions (the long-k {@code Aᵀ·B} in {@link LongKGemm}, the others in OpenBLAS); and the same bits whether the second half ran on the helper or, with the
 * helper taken, on the calling thread.
 */
class GemmExecTest {

    private record Case(String split, int batch, int m, int n, int k, boolean transA, boolean transB, double beta) {
    }

    @Test
    void everySplitEqualsAFloat64ProductAndDoesNotDependOnTheThread() {
        Case[] cases = {
            new Case("N", 1, 8, 256, 300, false, true, 0),
            new Case("N", 1, 8, 256, 300, true, false, 1),
            new Case("M", 1, 300, 40, 64, false, false, 1),
            new Case("M", 1, 300, 40, 64, true, true, 0),
            new Case("K", 1, 20, 24, 2000, true, false, 1),
            new Case("K", 1, 20, 24, 2000, false, true, 0),
            // Aᵀ·B with a long k and a small C: LongKGemm's halves, across chunk boundaries.
            new Case("K", 1, 32, 32, 3000, true, false, 1),
            new Case("K", 1, 8, LongKGemm.NR, 4000, true, false, 0),
            new Case("BATCH", 3, 64, 64, 64, false, false, 1),
            new Case("NONE", 1, 5, 6, 7, false, false, 1),
        };
        Random rnd = new Random(11);
        for (Case c : cases) {
            check(c, rnd);
        }
    }

    private static void check(Case c, Random rnd) {
        int lda = (c.transA() ? c.m() : c.k()) + 3;
        int ldb = (c.transB() ? c.k() : c.n()) + 3;
        int ldc = c.n() + 3;
        int aFloats = (c.transA() ? c.k() : c.m()) * lda;
        int bFloats = (c.transB() ? c.n() : c.k()) * ldb;
        int cFloats = c.m() * ldc;
        int perBatch = aFloats + bFloats + cFloats;
        ByteBuffer mem = ByteBuffer.allocateDirect(4 * perBatch * c.batch()).order(ByteOrder.nativeOrder());
        for (int i = 0; i < perBatch * c.batch(); i++) {
            mem.putFloat(4 * i, (float) rnd.nextGaussian());
        }
        int aAt = 0;
        int bAt = 4 * aFloats * c.batch();
        int cAt = bAt + 4 * bFloats * c.batch();
        float[] cBefore = new float[cFloats * c.batch()];
        for (int i = 0; i < cBefore.length; i++) {
            cBefore[i] = mem.getFloat(cAt + 4 * i);
        }
        GemmExec g = new GemmExec(mem, new Blas.Operands(mem), DType.F32, new Exec.Address(aAt, new int[0]), new Exec.Address(bAt, new int[0]),
                new Exec.Address(cAt, new int[0]), c.transA(), c.transB(), c.m(), c.n(), c.k(), lda, ldb, ldc, c.beta(), c.batch(),
                4 * aFloats, 4 * bFloats, 4 * cFloats);
        assertEquals(c.split(), g.split(), c.toString());
        g.run(new int[0]);
        float[] helped = new float[cBefore.length];
        for (int i = 0; i < helped.length; i++) {
            helped[i] = mem.getFloat(cAt + 4 * i);
        }
        for (int t = 0; t < c.batch(); t++) {
            for (int i = 0; i < c.m(); i++) {
                for (int j = 0; j < c.n(); j++) {
                    double sum = c.beta() * cBefore[t * cFloats + i * ldc + j];
                    double scale = Math.abs(sum);
                    for (int kk = 0; kk < c.k(); kk++) {
                        double a = mem.getFloat(aAt + 4 * (t * aFloats + (c.transA() ? kk * lda + i : i * lda + kk)));
                        double b = mem.getFloat(bAt + 4 * (t * bFloats + (c.transB() ? j * ldb + kk : kk * ldb + j)));
                        sum += a * b;
                        scale += Math.abs(a * b);
                    }
                    float got = helped[t * cFloats + i * ldc + j];
                    assertTrue(Math.abs(got - sum) <= 1e-6 * scale + 1e-6, c + " at " + t + "," + i + "," + j + ": " + got + " vs " + sum);
                }
            }
        }
        // Again from the same C, with the helper taken: the second half runs on this thread.
        for (int i = 0; i < cBefore.length; i++) {
            mem.putFloat(cAt + 4 * i, cBefore[i]);
        }
        SecondCore.run(() -> g.run(new int[0]), () -> { });
        for (int i = 0; i < helped.length; i++) {
            assertEquals(Float.floatToRawIntBits(helped[i]), Float.floatToRawIntBits(mem.getFloat(cAt + 4 * i)), c + " element " + i);
        }
    }
}
