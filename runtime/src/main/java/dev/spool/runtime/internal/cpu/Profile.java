package dev.spool.runtime.internal.cpu;

import dev.spool.program.internal.Instr;
import dev.spool.program.internal.ProgramPrinter;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Where a compiled program's time goes: wall time per instruction, summed by instruction kind
 * (gemm, kernel, copy, …) and listed for the most expensive instructions. Enabled per program
 * (the CPU backend's {@code CpuProgram.profile()}); each instruction is timed with {@code System.nanoTime}, so the
 * totals include ~30 ns per instruction of timer overhead.
 */
public final class Profile {
    private final List<Timed> steps = new ArrayList<>();

    /** A step that adds its run time to its instruction's total. */
    final class Timed implements Exec {
        private final Exec inner;
        private final Instr instr;
        /** Kernels that run inside this instruction's exec (a packed product's {@link GemmEpilogue}), timed with it. */
        private final int inside;
        private long nanos;
        private long runs;

        Timed(Exec inner, Instr instr) {
            this.inner = inner;
            this.instr = instr;
            this.inside = inner instanceof PackedGemm p ? p.epilogueKernelCount() : 0;
        }

        public void run(int[] loop) {
            long t0 = System.nanoTime();
            inner.run(loop);
            nanos += System.nanoTime() - t0;
            runs++;
        }
    }

    Exec wrap(Exec s, Instr i) {
        if (i instanceof Instr.Loop) {
            return s; // a loop's time is its body's
        }
        Timed t = new Timed(s, i);
        steps.add(t);
        return t;
    }

    /** Clears the totals (e.g. after warm-up runs). */
    public void reset() {
        for (Timed t : steps) {
            t.nanos = 0;
            t.runs = 0;
        }
    }

    /** Milliseconds per instruction kind, largest first. */
    public Map<String, Double> byKind() {
        Map<String, Double> m = new LinkedHashMap<>();
        for (Timed t : steps) {
            m.merge(kind(t.instr) + (t.inside > 0 ? "+kernels" : ""), t.nanos / 1e6, Double::sum);
        }
        Map<String, Double> sorted = new LinkedHashMap<>();
        m.entrySet().stream().sorted(Map.Entry.<String, Double>comparingByValue().reversed()).forEach(e -> sorted.put(e.getKey(), e.getValue()));
        return sorted;
    }

    private static String kind(Instr i) {
        String name = i.getClass().getSimpleName();
        return name.substring(0, 1).toLowerCase(java.util.Locale.ROOT) + name.substring(1);
    }

    /** A report: totals by kind, then the {@code top} most expensive instructions with their run counts. */
    public String report(int top) {
        StringBuilder sb = new StringBuilder();
        double total = steps.stream().mapToLong(t -> t.nanos).sum() / 1e6;
        sb.append(String.format("total %.1f ms%n", total));
        byKind().forEach((k, ms) -> sb.append(String.format("  %-14s %9.2f ms  %5.1f%%%n", k, ms, 100 * ms / Math.max(1e-9, total))));
        sb.append("most expensive instructions:\n");
        steps.stream().sorted(Comparator.comparingLong((Timed t) -> t.nanos).reversed()).limit(top).forEach(t -> {
            String line = (t.inside > 0 ? "[with the next " + t.inside + " kernels in its chunks] " : "") + ProgramPrinter.line(t.instr);
            sb.append(String.format("  %8.2f ms %6d× %s%n", t.nanos / 1e6, t.runs, line.length() > 150 ? line.substring(0, 150) + "…" : line));
        });
        return sb.toString();
    }
}
