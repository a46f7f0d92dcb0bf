package dev.spool.compiler;

import dev.spool.graph.Dim;

/**
 * How far {@link Unroll} unrolls each scan: a factor per loop, 1 keeping it a loop, k ≥ 2 a loop
 * over chunks of k body copies, 0 (or any k ≥ T) straight-line code. {@link Fixed} applies one
 * factor everywhere ({@code --mode unroll}, {@code --unroll K}); {@link Auto} decides per loop
 * from what the loop looks like ({@code --mode auto}), with the reason it gives
 * {@code spool inspect}.
 *
 * <pre>{@code
 * new Unroll(LoopStrategy.auto(), Unroll.OnSymbolic.KEEP, UnrollEstimate.DEFAULT_NODE_LIMIT).run(graph);
 * }</pre>
 */
public sealed interface LoopStrategy {

    /** The factor for the scan described by {@code loop}. */
    int factor(UnrollEstimate.ScanFacts loop);

    /** Why this strategy picks {@link #factor} for {@code loop}, one line. */
    String reason(UnrollEstimate.ScanFacts loop);

    /** The same factor for every loop. */
    static LoopStrategy fixed(int factor) {
        return new Fixed(factor);
    }

    /** The calibrated per-loop choice of {@code --mode auto}. */
    static LoopStrategy auto() {
        return Auto.CALIBRATED;
    }

    /** One factor for every loop: 0 unrolls fully, 1 keeps loops. */
    record Fixed(int factor) implements LoopStrategy {
        public Fixed {
            if (factor < 0) {
                throw new IllegalArgumentException("unroll factor must be 0 (full) or at least 1, got " + factor);
            }
        }

        @Override
        public int factor(UnrollEstimate.ScanFacts loop) {
            return factor;
        }

        @Override
        public String reason(UnrollEstimate.ScanFacts loop) {
            return factor == 1 ? "loops kept (--mode scan)" : factor == 0 ? "unrolled fully (--mode unroll)" : "unrolled by " + factor + " (--unroll)";
        }
    }

    /**
     * The choice of {@code --mode auto}, a cost model calibrated on this project's scan-vs-unroll
     * study (docs/scan-vs-unroll.md). On the CPU backend a scan step costs its body plus a fixed
     * per-step overhead ({@code stepOverheadNanos}: dispatching the prepared instructions and
     * advancing the loop views), while unrolling costs compile time that grows with the unrolled
     * graph ({@code compileNanosPerNode}) and gains nothing per step beyond that overhead, because
     * the body's instructions are the same either way. Unrolling therefore pays only for short
     * loops run many times; a loop is unrolled fully when its unrolled graph stays under
     * {@code maxFullNodes} and its length under {@code maxFullSteps}, and kept otherwise. In the
     * study the strategies ran within the spread of repeated runs of one another, with no gain from
     * unrolling that was systematic in T, so the calibrated limits are 0: every loop stays a scan.
     */
    record Auto(int maxFullSteps, long maxFullNodes) implements LoopStrategy {
        static final Auto CALIBRATED = new Auto(0, 0);

        @Override
        public int factor(UnrollEstimate.ScanFacts loop) {
            if (!(loop.length() instanceof Dim.Fixed len)) {
                return 1;
            }
            boolean small = len.size() <= maxFullSteps && (long) len.size() * loop.bodyNodes() <= maxFullNodes;
            return small ? 0 : 1;
        }

        @Override
        public String reason(UnrollEstimate.ScanFacts loop) {
            if (!(loop.length() instanceof Dim.Fixed len)) {
                return "kept as a loop: its length " + loop.length() + " is not known at compile time";
            }
            if (factor(loop) == 0) {
                return "unrolled fully: " + len.size() + " steps × " + loop.bodyNodes() + " nodes is within the auto limits (" + maxFullSteps
                        + " steps, " + maxFullNodes + " nodes)";
            }
            return "kept as a loop: " + len.size() + " steps × " + loop.bodyNodes() + " body nodes; measured, unrolling gains at most the"
                    + " per-step dispatch and costs compile time that grows with T (docs/scan-vs-unroll.md)";
        }
    }
}
