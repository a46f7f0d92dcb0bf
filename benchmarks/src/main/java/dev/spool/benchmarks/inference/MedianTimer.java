package dev.spool.benchmarks.inference;

import java.util.Arrays;

/**
 * The timing rule of {@code spool bench} and {@code tools/bench_anchors.py}: the median of
 * {@code timed} runs after at least {@code warmupRuns} runs and {@code warmupSeconds} (the JIT
 * compiles Spool's kernels during the first seconds; every runtime gets the same warm-up).
 *
 * <pre>{@code double ms = new MedianTimer(10, 6, 5).medianMs(() -> ort.logits(tokens));}</pre>
 */
public record MedianTimer(int warmupRuns, double warmupSeconds, int timed) {

    public MedianTimer {
        if (warmupRuns < 0 || warmupSeconds < 0 || timed < 1) {
            throw new IllegalArgumentException("warm-up runs and seconds must be >= 0 and timed runs >= 1, got "
                    + warmupRuns + ", " + warmupSeconds + ", " + timed);
        }
    }

    /** Milliseconds of the median timed run of {@code pass}. */
    public double medianMs(Runnable pass) {
        long warmUntil = System.nanoTime() + (long) (warmupSeconds * 1e9);
        for (int r = 0; r < warmupRuns || System.nanoTime() < warmUntil; r++) {
            pass.run();
        }
        double[] ms = new double[timed];
        for (int r = 0; r < timed; r++) {
            long t0 = System.nanoTime();
            pass.run();
            ms[r] = (System.nanoTime() - t0) / 1e6;
        }
        Arrays.sort(ms);
        return ms[timed / 2];
    }
}
