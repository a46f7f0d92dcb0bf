package dev.spool.benchmarks;

import dev.spool.graph.Graph;
import dev.spool.graph.Tensor;
import dev.spool.graph.TensorType;
import dev.spool.graph.Value;
import dev.spool.graph.internal.Source;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.SplittableRandom;

/** Helpers shared by the benchmarks: random feeds for a graph's sources and binding the time dim. */
final class Feeds {
    private Feeds() {
    }

    /**
     * A uniform(-1, 1) tensor for every float source of {@code g} (inputs and parameters), with
     * symbolic dims taken from {@code dims}; a fixed seed, so every fork sees the same data.
     */
    static Map<String, Tensor> random(Graph g, Map<String, Integer> dims, long seed) {
        SplittableRandom rnd = new SplittableRandom(seed);
        Map<String, Tensor> feeds = new LinkedHashMap<>();
        for (Value p : g.params()) {
            Source s = g.source(p);
            TensorType t = p.type();
            int[] shape = t.shape().sizes(dims);
            int n = 1;
            for (int d : shape) {
                n *= d;
            }
            double[] v = new double[n];
            for (int i = 0; i < n; i++) {
                v[i] = rnd.nextDouble(-1, 1);
            }
            feeds.put(s.label(), Tensor.fromDoubles(t.dtype(), shape, v));
        }
        return feeds;
    }

    /** The largest absolute difference between two float tensors of the same size. */
    static double maxAbsDiff(Tensor a, Tensor b) {
        if (a.size() != b.size()) {
            throw new IllegalStateException("sizes differ: " + a.size() + " vs " + b.size());
        }
        double m = 0;
        for (int i = 0; i < a.size(); i++) {
            m = Math.max(m, Math.abs(a.getDouble(i) - b.getDouble(i)));
        }
        return m;
    }
}
