package dev.spool.ops.autodiff;

import dev.spool.graph.Graph;
import dev.spool.graph.GraphException;
import dev.spool.graph.Value;
import dev.spool.ops.Builder;
import dev.spool.ops.rewrite.Key;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Reverse-mode autodiff as a graph transformation: returns a graph that computes the original
 * results plus {@code grad.<name>} for each requested input or parameter. Gradients are graph ops
 * derived symbolically from each op's VJP rule; the gradient of a scan is a second scan running
 * in the opposite direction (see {@link Differentiator}).
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
        check(g, loss, wrt);
        java.util.Set<Integer> recompute = java.util.Set.of();
        if (checkpointEvery > 1) {
            ScanChunking.Result chunked = ScanChunking.rewrite(g, checkpointEvery);
            g = chunked.graph();
            recompute = chunked.chunkScans();
        }
        Map<String, Value> sources = sources(g);
        Value lossValue = g.result(loss).orElseThrow();
        Builder b = new Builder();
        Differentiator d = new Differentiator(b, recompute);
        Map<Key, Value> env = d.replay(g, new java.util.HashMap<>());
        Map<Key, Value> seeds = new java.util.HashMap<>();
        seeds.put(Key.Orig.of(lossValue), b.fill(1, lossValue.dtype()));
        Map<Key, Value> cot = d.backward(g, env::get, seeds);

        Map<String, Value> results = new LinkedHashMap<>();
        for (int i = 0; i < g.results().size(); i++) {
            results.put(g.resultNames().get(i), env.get(Key.Orig.of(g.results().get(i))));
        }
        for (String name : wrt) {
            Value p = sources.get(name);
            Value c = cot.get(Key.Orig.of(p));
            results.put(nameOf(name), c != null ? c : b.zeros(p.dtype(), p.shape().dims().toArray()));
        }
        return b.build(results);
    }

    private static Map<String, Value> sources(Graph g) {
        Map<String, Value> sources = new LinkedHashMap<>();
        for (Value p : g.params()) {
            sources.put(g.source(p).label(), p);
        }
        return sources;
    }

    private static void check(Graph g, String loss, List<String> wrt) {
        Value lossValue = g.result(loss).orElseThrow(() -> new GraphException("", "no result named '" + loss
                + "'; results are " + g.resultNames()));
        if (lossValue.type().rank() != 0 || !lossValue.dtype().isFloat()) {
            throw new GraphException("", "the loss '" + loss + "' must be a float scalar, got " + lossValue.type());
        }
        Map<String, Value> sources = sources(g);
        for (String name : wrt) {
            Value p = sources.get(name);
            if (p == null) {
                throw new GraphException("", "cannot differentiate with respect to '" + name + "': the graph's inputs and parameters are "
                        + sources.keySet());
            }
            if (!p.dtype().isFloat()) {
                throw new GraphException("", "cannot differentiate with respect to " + g.source(p).kind().name().toLowerCase()
                        + " '" + name + "' of integer type " + p.type());
            }
        }
    }
}
