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
 * median of repeated runs): {@code msPerToken} is their median and {@code msPerTokenLow} /
 * {@code msPerTokenHigh} their least and greatest, a distribution-free confidence interval of the
 * median with coverage {@link #rangeCoverage} (94 % for 5 rounds): a medians-and-ranges summary,
 * because this VM's hiccups make single rounds 2–8× slow, which a mean and its t interval would
 * spread over every point they touch. {@link #HEADER} names the CSV columns in {@link #csv()}'s order.
 */
record StudyRow(String cell, int hidden, int batch, String kind, String mode, int factor, int steps, double buildMs, double graphPassesMs,
                double loweringMs, double programPassesMs, double codegenMs, double janinoMs, double warmupMs, double firstRunMs,
                double firstCallMs, double afterCompileMsPerToken, double msPerToken, double msPerTokenSpread, double msPerTokenLow, double msPerTokenHigh, List<Double> roundsMsPerToken, long graphNodes, long instructions, long kernels,
                long kernelSourceBytes, long plannedPeakBytes, long measuredArenaBytes, long stackedBytes) {

    static final List<String> HEADER = List.of("cell", "hidden", "batch", "kind", "mode", "factor", "steps", "build_ms", "graph_passes_ms",
            "lowering_ms", "program_passes_ms", "codegen_ms", "janino_ms", "kernel_warmup_ms", "first_run_ms", "first_call_ms",
            "after_compile_ms_per_token", "ms_per_token", "ms_per_token_spread", "ms_per_token_low", "ms_per_token_high", "rounds", "round_ms_per_token", "graph_nodes", "instructions", "kernels", "kernel_source_bytes", "planned_peak_bytes",
            "measured_arena_bytes", "stacked_bytes");

    /** The row with its steady state measured in these rounds (ms per token each): their median and range. */
    StudyRow withRounds(List<Double> rounds) {
        double[] stats = medianAndRange(rounds);
        return new StudyRow(cell, hidden, batch, kind, mode, factor, steps, buildMs, graphPassesMs, loweringMs, programPassesMs, codegenMs, janinoMs,
                warmupMs, firstRunMs, firstCallMs, afterCompileMsPerToken, stats[0], msPerTokenSpread, stats[1], stats[2], List.copyOf(rounds),
                graphNodes, instructions, kernels, kernelSourceBytes, plannedPeakBytes, measuredArenaBytes, stackedBytes);
    }

    /** {median, least, greatest} of xs (the median of an even count is the mean of the middle two). */
    static double[] medianAndRange(List<Double> xs) {
        double[] v = xs.stream().mapToDouble(Double::doubleValue).sorted().toArray();
        int n = v.length;
        double median = n == 0 ? Double.NaN : n % 2 == 1 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
        return new double[] {median, n == 0 ? Double.NaN : v[0], n == 0 ? Double.NaN : v[n - 1]};
    }

    /**
     * The probability that [least, greatest] of n independent rounds holds the true median: every
     * round falls on one side of it with probability 2^-n each way, so 1 − 2^(1−n) (0 for one round,
     * 75 % for 3, 94 % for 5, 97 % for 6).
     */
    static double rangeCoverage(int n) {
        return n < 2 ? 0 : 1 - Math.pow(2, 1 - n);
    }

    /** Everything that compiling costs before the first run: graph passes, lowering, Program passes, code generation, Janino, warm-up. */
    double compileMs() {
        return graphPassesMs + loweringMs + programPassesMs + codegenMs + janinoMs + warmupMs;
    }

    String csv() {
        return String.join(",", cell, Integer.toString(hidden), Integer.toString(batch), kind, mode, Integer.toString(factor),
                Integer.toString(steps), f(buildMs), f(graphPassesMs), f(loweringMs), f(programPassesMs), f(codegenMs), f(janinoMs), f(warmupMs),
                f(firstRunMs), f(firstCallMs), g(afterCompileMsPerToken), g(msPerToken), g(msPerTokenSpread), g(msPerTokenLow), g(msPerTokenHigh), Integer.toString(roundsMsPerToken.size()),
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
