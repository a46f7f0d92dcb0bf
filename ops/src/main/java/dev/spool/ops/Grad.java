package dev.spool.ops;

import dev.spool.graph.Graph;
import dev.spool.graph.GraphException;
import dev.spool.graph.Value;
import dev.spool.ops.internal.autodiff.GradientGraph;

import java.util.List;

/**
 * Reverse-mode autodiff as a graph transformation: returns a graph that computes the original
 * results plus {@code grad.<name>} for each requested input or parameter. Gradients are graph ops
 * derived symbolically from each op's VJP rule; the gradient of a scan is a second scan running
 * in the opposite direction.
 *
 * <pre>{@code
 * Graph withGrads = Grad.of(graph, "loss", List.of("weight_hh_l0", "input"));
 * // results: loss, ..., grad.weight_hh_l0, grad.input
 * }</pre>
 */
public final class Grad {
    /** The prefix of every gradient result: the gradient of {@code w} is {@code grad.w}. */
    public static final String PREFIX = "grad.";

    private Grad() {
    }

    /**
     * The result name of the gradient with respect to a source: {@code Grad.nameOf("w")} is {@code "grad.w"}.
     */
    public static String nameOf(String source) {
        return PREFIX + source;
    }

    /**
     * A graph that also computes {@code grad.<name>} of {@code loss} (a float scalar result) with
     * respect to each named input or parameter, without checkpointing.
     *
     * <pre>{@code
     * Graph train = Grad.of(lossGraph, "loss", List.of("w", "b"));
     * Map<String, Tensor> r = CpuBackend.compile(train).run(feeds);
     * Tensor dw = r.get("grad.w");
     * }</pre>
     *
     * @throws GraphException when the loss is not a float scalar result or a name is not a float input or parameter
     */
    public static Graph of(Graph g, String loss, List<String> wrt) {
        return of(g, loss, wrt, 0);
    }

    /**
     * As {@link #of(Graph, String, List)}, with checkpointing when {@code checkpointEvery > 1}: each
     * top-level scan of fixed length T (a multiple of k) becomes a scan over T/k chunks of k steps;
     * the forward keeps only the carries entering each chunk, and the backward recomputes a chunk's
     * forward (with its residuals) before running the chunk's backward. Gradients are identical;
     * residual memory drops from O(T) activations to O(T/k) carries plus O(k) activations.
     *
     * <pre>{@code Graph train = Grad.of(lossGraph, "loss", List.of("w"), 8);   // recompute chunks of 8 steps}</pre>
     */
    public static Graph of(Graph g, String loss, List<String> wrt, int checkpointEvery) {
        return GradientGraph.of(g, loss, wrt, checkpointEvery);
    }
}
