package dev.spool.runtime.internal.cpu;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * Measures this machine's OpenBLAS sgemm rate on native memory (as compiled programs call it), the
 * yardstick benchmarks quote GFLOP/s against.
 *
 * <pre>{@code double peak = GemmRate.sgemmGflops(1024, 10);}</pre>
 */
public final class GemmRate {
    private GemmRate() {
    }

    /**
     * Best-of-{@code reps} GFLOP/s of an n×n×n row-major sgemm (after one warm-up call), OpenBLAS on
     * its own threads (one per core), however Spool runs it otherwise.
     */
    public static double sgemmGflops(int n, int reps) {
        double[] rate = new double[1];
        Blas.withOwnThreads(() -> rate[0] = measure(n, reps));
        return rate[0];
    }

    private static double measure(int n, int reps) {
        int bytes = 4 * n * n;
        ByteBuffer mem = ByteBuffer.allocateDirect(3 * bytes).order(ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i < 2 * n * n; i++) {
            mem.putFloat(4 * i, (i % 7) * 0.1f);
        }
        Blas.Operands p = new Blas.Operands(mem);
        Blas.sgemm(p, false, false, n, n, n, 0, n, bytes, n, 0f, 2 * bytes, n);
        double best = 0;
        for (int r = 0; r < reps; r++) {
            long t0 = System.nanoTime();
            Blas.sgemm(p, false, false, n, n, n, 0, n, bytes, n, 0f, 2 * bytes, n);
            double s = (System.nanoTime() - t0) / 1e9;
            best = Math.max(best, 2.0 * n * n * n / s / 1e9);
        }
        return best;
    }
}
