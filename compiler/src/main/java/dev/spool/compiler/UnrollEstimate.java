package dev.spool.compiler;

import dev.spool.graph.Dim;
import dev.spool.graph.Graph;
import dev.spool.graph.GraphException;
import dev.spool.graph.internal.Node;
import dev.spool.graph.internal.ScanOp;
import dev.spool.graph.internal.Source;
/**
 * How big a graph gets when {@link Unroll} applies a {@link LoopStrategy}, computed from the
 * graph without unrolling it, so that a request that would take hours or run out of memory (a
 * fully unrolled loop of 100,000 steps) is refused before any work. The estimate counts one node
 * per op and, per scan of length T unrolled by k, the ops of its body (themselves estimated) times
 * the copies made (T when fully unrolled, k + T mod k otherwise) plus the slicing and stacking
 * nodes the copies add; it is exact up to the folding the pass does on the fly (tested within 10 %).
 *
 * <pre>{@code
 * long nodes = UnrollEstimate.nodes(graph, LoopStrategy.fixed(0));
 * }</pre>
 */
public final class UnrollEstimate {
    /**
     * The default refusal threshold: about this many nodes take a minute to compile and 2 GB of
     * heap on the 2-core reference machine (measured, see docs/scan-vs-unroll.md).
     */
    public static final long DEFAULT_NODE_LIMIT = 200_000;
    /** Measured compile cost of one node of an unrolled graph, all stages (graph passes to kernels). */
    static final double COMPILE_MICROS_PER_NODE = 300;

    private UnrollEstimate() {
    }

    /** What a {@link LoopStrategy} sees of one scan: where it is, its length and its body's size (nodes, before unrolling). */
    public record ScanFacts(String path, Dim length, long bodyNodes) {
    }

    /** The facts of scan node {@code n} found at {@code path} (e.g. {@code scan#3/body/}). */
    public static ScanFacts facts(Node n, String path) {
        ScanOp scan = (ScanOp) n.op();
        return new ScanFacts(path + n.label(), scan.length(), scan.body().totalNodes());
    }

    /** The number of nodes of {@code g} after unrolling with {@code strategy}, scan bodies included. */
    public static long nodes(Graph g, LoopStrategy strategy) {
        return nodes(g, strategy, "");
    }

    private static long nodes(Graph g, LoopStrategy strategy, String path) {
        long total = 0;
        for (Node n : g.nodes()) {
            total += n.op() instanceof ScanOp ? scanNodes(n, strategy, path) : 1;
        }
        return total;
    }

    /** The nodes one copy of a body adds: its ops (not its parameters, which become the copy's operands). */
    private static long copyNodes(Graph body, LoopStrategy strategy, String path) {
        long params = body.nodes().stream().filter(n -> n.op() instanceof Source).count();
        return nodes(body, strategy, path) - params;
    }

    private static long scanNodes(Node n, LoopStrategy strategy, String path) {
        ScanOp scan = (ScanOp) n.op();
        long body = nodes(scan.body(), strategy, path + n.label() + "/body/");
        if (!(scan.length() instanceof Dim.Fixed len)) {
            return 1 + body;
        }
        int steps = len.size();
        int k = strategy.factor(facts(n, path));
        if (k == 1) {
            return 1 + body;
        }
        // Each copy reads row t of every sequence (an index node); each output is stacked once per loop level.
        long perCopy = copyNodes(scan.body(), strategy, path + n.label() + "/body/") + scan.numSequences();
        long copies = k == 0 || k >= steps ? steps : k + steps % k;
        long loops = k == 0 || k >= steps ? 0 : 1 + 2L * scan.numSequences() + scan.numOutputs();
        return Math.addExact(Math.multiplyExact(copies, perCopy), scan.numOutputs() + loops);
    }

    /**
     * Refuses, with a {@link GraphException} naming the estimate, the limit and what to do instead,
     * an unrolling whose graph would exceed {@code limit} nodes.
     */
    public static void check(Graph g, LoopStrategy strategy, long limit) {
        long estimate;
        try {
            estimate = nodes(g, strategy);
        } catch (ArithmeticException overflow) {
            estimate = Long.MAX_VALUE;
        }
        if (estimate <= limit) {
            return;
        }
        Node largest = largestScan(g);
        String where = largest == null ? "" : largest.label();
        String length = largest == null ? "" : " of length " + ((ScanOp) largest.op()).length();
        throw new GraphException(where, String.format("unrolling this loop%s would build about %,d graph nodes (limit %,d; about %s to"
                + " compile); unroll by a small factor instead (--unroll 4), or keep the loop (--mode scan or --mode auto)", length, estimate, limit,
                seconds(estimate * COMPILE_MICROS_PER_NODE / 1e6)));
    }

    private static String seconds(double s) {
        return s < 120 ? String.format("%.0f s", s) : s < 7200 ? String.format("%.0f min", s / 60) : String.format("%.0f h", s / 3600);
    }

    private static Node largestScan(Graph g) {
        Node best = null;
        long bestSize = -1;
        for (Node n : g.nodes()) {
            if (n.op() instanceof ScanOp scan) {
                long size = scan.length() instanceof Dim.Fixed f ? (long) f.size() * scan.body().totalNodes() : 0;
                if (size > bestSize) {
                    best = n;
                    bestSize = size;
                }
            }
        }
        return best;
    }
}
