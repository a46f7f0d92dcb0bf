package dev.spool.backend.cpu;

import dev.spool.graph.Dim;
import dev.spool.graph.Graph;
import dev.spool.graph.InputException;
import dev.spool.graph.Shape;
import dev.spool.graph.Tensor;
import dev.spool.graph.TensorType;
import dev.spool.graph.internal.Source;

import java.util.Map;

/** Matches named feeds to a graph's sources, checking each against its declared type and binding symbolic dims. */
public final class FeedBinding {
    private FeedBinding() {
    }

    /**
     * The feeds in the order of the graph's params; {@code dims} receives each symbol's size.
     *
     * @throws InputException naming the input, the expected and the actual type
     */
    public static Tensor[] bind(Graph graph, Map<String, Tensor> feeds, Map<String, Integer> dims) {
        Tensor[] params = new Tensor[graph.params().size()];
        for (int i = 0; i < params.length; i++) {
            Source src = graph.source(graph.params().get(i));
            Tensor t = feeds.get(src.label());
            if (t == null) {
                throw new InputException(src.name() + " '" + src.label() + "' is missing; expected " + src.type());
            }
            check(src, t, dims);
            params[i] = t;
        }
        return params;
    }

    private static void check(Source src, Tensor t, Map<String, Integer> dims) {
        TensorType want = src.type();
        String what = src.name() + " '" + src.label() + "'";
        if (t.dtype() != want.dtype() || t.rank() != want.rank()) {
            throw new InputException(what + ": expected " + want + ", got " + t.dtype() + Shape.of(t.shape()));
        }
        for (int i = 0; i < t.rank(); i++) {
            Dim d = want.shape().dim(i);
            int actual = t.dim(i);
            Integer bound = d instanceof Dim.Sym s ? dims.putIfAbsent(s.name(), actual) : Integer.valueOf(d.size());
            if (bound != null && bound != actual) {
                String expect = d instanceof Dim.Sym s ? s.name() + "=" + bound + " (bound by an earlier input)" : d.toString();
                throw new InputException(what + ": expected " + want + ", got " + t.dtype() + Shape.of(t.shape())
                        + "; axis " + i + " should be " + expect + " but is " + actual);
            }
        }
    }
}
