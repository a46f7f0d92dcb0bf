package dev.spool.cli;

import dev.spool.compiler.Pipeline;
import picocli.CommandLine.Option;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * How a command compiles its graphs (a picocli mixin): the loop strategy and the compiler passes.
 * {@code --mode unroll} unrolls every scan fully, {@code --unroll K} by K steps; {@code --passes}
 * names the exact pass list and {@code --no-<pass>} turns one pass off.
 */
final class CompilerOptions {
    @Option(names = "--mode", defaultValue = "scan", paramLabel = "scan|unroll|auto",
            description = "Loops as scans, fully unrolled, or auto: a cost model picks scan, unroll-by-k or full unrolling per loop"
                    + " (spool inspect says which and why; see bench scan-vs-unroll) (default: ${DEFAULT-VALUE}).")
    String mode;

    @Option(names = "--unroll", paramLabel = "K", description = "Unroll every loop by K steps (the remainder unrolled after); implies --mode unroll.")
    Integer unroll;

    @Option(names = "--passes", split = ",", paramLabel = "NAME",
            description = "Run exactly these compiler passes, in this order (verify always runs first): graph passes verify, simplify, merge-matmuls,"
                    + " pushout, sink, unroll, fusion, dce; Program passes gemm-bias, xent-grad, linear-xent, kernel-split, inplace-carries, carry-stack, memplan (last).")
    List<String> passes;

    @Option(names = "--no-pass", split = ",", paramLabel = "NAME", description = "Turn compiler passes off by name.")
    List<String> disabled = new ArrayList<>();

    @Option(names = "--no-simplify", description = "Turn simplification (CSE, folding, algebraic rules) off.")
    boolean noSimplify;

    @Option(names = "--no-merge-matmuls", description = "Turn merging a scan body's matmuls of one operand by several invariants off.")
    boolean noMergeMatmuls;

    @Option(names = "--no-pushout", description = "Turn scan push-out off.")
    boolean noPushout;

    @Option(names = "--no-sink", description = "Turn accumulation sinking off.")
    boolean noSink;

    @Option(names = "--no-fusion", description = "Turn elementwise fusion off.")
    boolean noFusion;

    @Option(names = "--no-gemm-bias", description = "Turn the GEMM bias epilogue (x·Wᵀ + b as one GEMM with β = 1) off.")
    boolean noGemmBias;

    @Option(names = "--no-xent-grad", description = "Turn pairing cross-entropy with its gradient (one pass over the logits) off.")
    boolean noXentGrad;

    @Option(names = "--no-linear-xent", description = "Turn the fused classifier head (logits, cross-entropy gradient and the head's gradients by blocks of rows) off.")
    boolean noLinearXent;

    @Option(names = "--no-kernel-split", description = "Turn splitting large generated kernels off.")
    boolean noKernelSplit;

    @Option(names = "--no-inplace-carries", description = "Turn writing scan carries in place (no copy per step) off.")
    boolean noInplaceCarries;

    @Option(names = "--no-carry-stack", description = "Turn keeping scan carries in their stacked history (no history copy per step) off.")
    boolean noCarryStack;

    @Option(names = "--no-memplan", description = "Turn memory planning (buffer reuse, in-place kernels) off.")
    boolean noMemplan;

    /** Whether loops are unrolled (by {@link #unrollFactor()}). */
    boolean unrolls() {
        check();
        return unroll != null || mode.equals("unroll");
    }

    /** Whether the loop strategy is decided per loop ({@code --mode auto}), which needs the lengths bound. */
    boolean auto() {
        check();
        return unroll == null && mode.equals("auto");
    }

    /** 0 for a full unroll. */
    int unrollFactor() {
        return unroll == null ? 0 : unroll;
    }

    /** The pipeline these options ask for; a bad name or value is a usage error. */
    Pipeline pipeline() {
        check();
        try {
            Pipeline p = passes != null ? Pipeline.named(passes, unrollFactor())
                    : unrolls() ? Pipeline.unrolling(unrollFactor()) : auto() ? Pipeline.auto() : Pipeline.standard();
            Set<String> off = new LinkedHashSet<>(disabled);
            addIf(off, noSimplify, "simplify");
            addIf(off, noMergeMatmuls, "merge-matmuls");
            addIf(off, noPushout, "pushout");
            addIf(off, noSink, "sink");
            addIf(off, noFusion, "fusion");
            addIf(off, noGemmBias, "gemm-bias");
            addIf(off, noXentGrad, "xent-grad");
            addIf(off, noLinearXent, "linear-xent");
            addIf(off, noKernelSplit, "kernel-split");
            addIf(off, noInplaceCarries, "inplace-carries");
            addIf(off, noCarryStack, "carry-stack");
            addIf(off, noMemplan, Pipeline.MEMORY_PLANNING);
            return off.isEmpty() ? p : p.without(off);
        } catch (IllegalArgumentException e) {
            throw new ErrorReporter.UserError("--passes/--no-pass: " + e.getMessage());
        }
    }

    private static void addIf(Set<String> s, boolean on, String name) {
        if (on) {
            s.add(name);
        }
    }

    private void check() {
        if (!mode.equals("scan") && !mode.equals("unroll") && !mode.equals("auto")) {
            throw new ErrorReporter.UserError("--mode must be scan, unroll or auto, got '" + mode + "'");
        }
        if (unroll != null && unroll < 1) {
            throw new ErrorReporter.UserError("--unroll K needs K >= 1 (use --mode unroll to unroll fully), got " + unroll);
        }
    }

    /** A summary for reports, e.g. {@code scan, passes [verify, simplify, …]}. */
    String describe() {
        return (unrolls() ? unroll == null ? "unrolled" : "unrolled by " + unroll : auto() ? "auto" : "scan") + ", passes " + pipeline().describe();
    }
}
