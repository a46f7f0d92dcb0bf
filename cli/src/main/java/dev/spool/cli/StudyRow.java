package dev.spool.cli;

import java.util.List;
import java.util.Locale;

/**
 * One measured point of {@code spool bench scan-vs-unroll}: a loop strategy ({@code mode}: scan,
 * unroll-k, full, or scan+ckpt-K for a checkpointed backward scan), a sequence length and a
 * workload kind ({@code forward}, or {@code train} for forward and backward), with every compile
 * stage timed and the steady-state run time per token. Times are milliseconds, sizes bytes.
 * {@code kernels} and {@code kernelSourceBytes} count distinct generated kernels (a kernel the
 * program launches at several places is compiled once). {@link #HEADER} names the CSV columns in
 * {@link #csv()}'s order.
 */
record StudyRow(String cell, int hidden, int batch, String kind, String mode, int factor, int steps, double buildMs, double graphPassesMs,
                double loweringMs, double programPassesMs, double codegenMs, double janinoMs, double warmupMs, double firstRunMs,
                double firstCallMs, double msPerToken, double msPerTokenSpread, long graphNodes, long instructions, long kernels,
                long kernelSourceBytes, long plannedPeakBytes, long measuredArenaBytes, long stackedBytes) {

    static final List<String> HEADER = List.of("cell", "hidden", "batch", "kind", "mode", "factor", "steps", "build_ms", "graph_passes_ms",
            "lowering_ms", "program_passes_ms", "codegen_ms", "janino_ms", "kernel_warmup_ms", "first_run_ms", "first_call_ms",
            "ms_per_token", "ms_per_token_spread", "graph_nodes", "instructions", "kernels", "kernel_source_bytes", "planned_peak_bytes",
            "measured_arena_bytes", "stacked_bytes");

    /** Everything that compiling costs before the first run: graph passes, lowering, Program passes, code generation, Janino, warm-up. */
    double compileMs() {
        return graphPassesMs + loweringMs + programPassesMs + codegenMs + janinoMs + warmupMs;
    }

    String csv() {
        return String.join(",", cell, Integer.toString(hidden), Integer.toString(batch), kind, mode, Integer.toString(factor),
                Integer.toString(steps), f(buildMs), f(graphPassesMs), f(loweringMs), f(programPassesMs), f(codegenMs), f(janinoMs), f(warmupMs),
                f(firstRunMs), f(firstCallMs), g(msPerToken), g(msPerTokenSpread), Long.toString(graphNodes), Long.toString(instructions),
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
