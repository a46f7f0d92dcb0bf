package dev.spool.cli;

import java.util.List;
import java.util.Locale;

/**
 * One measured point of {@code spool bench scan-vs-unroll}: a loop strategy ({@code mode}: scan,
 * unroll-k, full, or scan+ckpt-K for a checkpointed backward scan), a sequence length and a
 * workload kind ({@code forward}, or {@code train} for forward and backward), with every compile
 * stage timed and the steady-state run time per token. Times are milliseconds, sizes bytes.
 * {@code kernels} and {@code kernelSourceBytes} count distinct generated kernels (a kernel the
 * program launches at several places is compiled once). The steady state is measured once right
 * after compiling ({@code afterCompileMsPerToken}: the JIT may still be compiling that point's
 * kernels) and then in {@code roundsMsPerToken.size()} rounds once every point is compiled (each the
 * median of repeated runs): {@code msPerToken} is their mean and {@code msPerTokenCi95} the
 * half-width of its 95 % confidence interval (Student's t; 0 with one round). {@link #HEADER} names the CSV columns in {@link #csv()}'s order.
 */
record StudyRow(String cell, int hidden, int batch, String kind, String mode, int factor, int steps, double buildMs, double graphPassesMs,
                double loweringMs, double programPassesMs, double codegenMs, double janinoMs, double warmupMs, double firstRunMs,
                double firstCallMs, double afterCompileMsPerToken, double msPerToken, double msPerTokenSpread, double msPerTokenCi95, List<Double> roundsMsPerToken, long graphNodes, long instructions, long kernels,
                long kernelSourceBytes, long plannedPeakBytes, long measuredArenaBytes, long stackedBytes) {

    static final List<String> HEADER = List.of("cell", "hidden", "batch", "kind", "mode", "factor", "steps", "build_ms", "graph_passes_ms",
            "lowering_ms", "program_passes_ms", "codegen_ms", "janino_ms", "kernel_warmup_ms", "first_run_ms", "first_call_ms",
            "after_compile_ms_per_token", "ms_per_token", "ms_per_token_spread", "ms_per_token_ci95", "rounds", "round_ms_per_token", "graph_nodes", "instructions", "kernels", "kernel_source_bytes", "planned_peak_bytes",
            "measured_arena_bytes", "stacked_bytes");

    /** The row with its steady state measured in these rounds (ms per token each): their mean and 95 % interval. */
    StudyRow withRounds(List<Double> rounds) {
        double[] stats = meanAndCi95(rounds);
        return new StudyRow(cell, hidden, batch, kind, mode, factor, steps, buildMs, graphPassesMs, loweringMs, programPassesMs, codegenMs, janinoMs,
                warmupMs, firstRunMs, firstCallMs, afterCompileMsPerToken, stats[0], msPerTokenSpread, stats[1], List.copyOf(rounds), graphNodes, instructions, kernels,
                kernelSourceBytes, plannedPeakBytes, measuredArenaBytes, stackedBytes);
    }

    /** Student's t quantile 0.975 for 1..10 degrees of freedom (beyond: the Cornish-Fisher expansion, within 0.1 %). */
    private static final double[] T975 = {12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228};

    /** {mean, half-width of the 95 % confidence interval of the mean} of xs (half-width 0 for one value). */
    static double[] meanAndCi95(List<Double> xs) {
        int n = xs.size();
        double mean = xs.stream().mapToDouble(Double::doubleValue).average().orElse(Double.NaN);
        if (n < 2) {
            return new double[] {mean, 0};
        }
        double ss = xs.stream().mapToDouble(x -> (x - mean) * (x - mean)).sum();
        int df = n - 1;
        double z = 1.959964;
        double t = df <= T975.length ? T975[df - 1] : z + (z * z * z + z) / (4 * df) + (5 * Math.pow(z, 5) + 16 * z * z * z + 3 * z) / (96.0 * df * df);
        return new double[] {mean, t * Math.sqrt(ss / (n - 1) / n)};
    }

    /** Everything that compiling costs before the first run: graph passes, lowering, Program passes, code generation, Janino, warm-up. */
    double compileMs() {
        return graphPassesMs + loweringMs + programPassesMs + codegenMs + janinoMs + warmupMs;
    }

    String csv() {
        return String.join(",", cell, Integer.toString(hidden), Integer.toString(batch), kind, mode, Integer.toString(factor),
                Integer.toString(steps), f(buildMs), f(graphPassesMs), f(loweringMs), f(programPassesMs), f(codegenMs), f(janinoMs), f(warmupMs),
                f(firstRunMs), f(firstCallMs), g(afterCompileMsPerToken), g(msPerToken), g(msPerTokenSpread), g(msPerTokenCi95), Integer.toString(roundsMsPerToken.size()),
                String.join(";", roundsMsPerToken.stream().map(StudyRow::g).toList()), Long.toString(graphNodes), Long.toString(instructions),
                Long.toString(kernels), Long.toString(kernelSourceBytes), Long.toString(plannedPeakBytes), Long.toString(measuredArenaBytes),
                Long.toString(stackedBytes));
    }

    /** The CSV text: a header line naming every column, then one line per row. */
    static String csv(List<StudyRow> rows) {
        StringBuilder s = new StringBuilder(String.join(",", HEADER)).append('\n');
        rows.forEach(r -> s.append(r.csv()).append('\n'));
        return s.toString();
    }

    private static String f(double v) {
        return String.format(Locale.ROOT, "%.3f", v);
    }

    private static String g(double v) {
        return String.format(Locale.ROOT, "%.6g", v);
    }
}
