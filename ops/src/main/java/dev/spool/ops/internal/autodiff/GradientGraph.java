package dev.spool.ops.internal.autodiff;

import dev.spool.graph.Graph;
import dev.spool.graph.GraphException;
import dev.spool.graph.Value;
import dev.spool.ops.Builder;
import dev.spool.ops.Grad;
import dev.spool.ops.internal.rewrite.Key;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What {@link Grad#of(Graph, String, List, int)} runs: checks the loss and the sources, chunks
 * top-level scans when checkpointing, replays the forward into a new builder and appends the
 * backward from {@link Differentiator}. It lives here so that the differentiator and the chunking
 * stay package-private.
 */
public final class GradientGraph {
    private GradientGraph() {
    }

    /** The graph with the original results plus {@code grad.<name>} for each of {@code wrt}; see {@link Grad}. */
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
            results.put(Grad.nameOf(name), c != null ? c : b.zeros(p.dtype(), p.shape().dims().toArray()));
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
