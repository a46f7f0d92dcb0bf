package dev.spool.backend.cpu;

/**
 * Measures this machine's OpenBLAS sgemm rate, the yardstick benchmarks quote GFLOP/s against.
 *
 * <pre>{@code double peak = GemmRate.sgemmGflops(1024, 10);}</pre>
 */
public final class GemmRate {
    private GemmRate() {
    }

    /** Best-of-{@code reps} GFLOP/s of an n×n×n row-major sgemm (after one warm-up call). */
    public static double sgemmGflops(int n, int reps) {
        float[] a = new float[n * n];
        float[] b = new float[n * n];
        float[] c = new float[n * n];
        for (int i = 0; i < a.length; i++) {
            a[i] = (i % 7) * 0.1f;
            b[i] = (i % 5) * 0.1f;
        }
        Blas.sgemm(false, false, n, n, n, a, 0, n, b, 0, n, 0f, c, 0, n);
        double best = 0;
        for (int r = 0; r < reps; r++) {
            long t0 = System.nanoTime();
            Blas.sgemm(false, false, n, n, n, a, 0, n, b, 0, n, 0f, c, 0, n);
            double s = (System.nanoTime() - t0) / 1e9;
            best = Math.max(best, 2.0 * n * n * n / s / 1e9);
        }
        return best;
    }
}
