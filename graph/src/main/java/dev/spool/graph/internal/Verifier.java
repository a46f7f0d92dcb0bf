package dev.spool.graph.internal;

import dev.spool.graph.Graph;
import dev.spool.graph.GraphException;
import dev.spool.graph.ShapeException;
import dev.spool.graph.TensorType;
import dev.spool.graph.Value;

import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Checks a graph's invariants and reports the first violation with the offending node's path:
 * every input is defined earlier in the same graph, params are sources of the right kinds,
 * every node's recorded types are what its op infers now, and scan bodies are valid recursively.
 *
 * <pre>{@code Verifier.verify(graph);  // throws GraphException("scan#2/body/add#5: ...")}</pre>
 */
public final class Verifier {
    private Verifier() {
    }

    public static void verify(Graph g) {
        verify(g, "", true);
    }

    private static void verify(Graph g, String path, boolean topLevel) {
        DimUnifier dims = new DimUnifier();
        Set<Integer> defined = new HashSet<>();
        for (Node n : g.nodes()) {
            String where = path + n.label();
            for (Value in : n.inputs()) {
                if (!defined.contains(in.node())) {
                    throw new GraphException(where, "input " + in + " is not defined before use in this graph");
                }
                Node producer = g.node(in.node());
                if (in.index() >= producer.outputs().size()) {
                    throw new GraphException(where, "input " + in + " refers to a missing output of " + producer.label());
                }
                if (!producer.outputs().get(in.index()).equals(in.type())) {
                    throw new GraphException(where, "input " + in + " is typed " + in.type() + " but "
                            + producer.label() + " produces " + producer.outputs().get(in.index()));
                }
            }
            for (Graph body : n.op().subgraphs()) {
                // A scan body's params are carries, slices and invariants; any other body is self-contained.
                verify(body, where + "/body/", !(n.op() instanceof ScanOp));
            }
            List<TensorType> inferred;
            try {
                inferred = n.op().infer(n.inputs().stream().map(Value::type).toList(), dims);
            } catch (ShapeException e) {
                throw new GraphException(where, e.getMessage());
            }
            List<TensorType> resolved = n.outputs().stream().map(dims::resolve).toList();
            if (!inferred.stream().map(dims::resolve).toList().equals(resolved)) {
                throw new GraphException(where, "recorded output types " + n.outputs() + " differ from the inferred " + inferred);
            }
            defined.add(n.id());
        }
        for (int i = 0; i < g.params().size(); i++) {
            Value p = g.params().get(i);
            if (!g.contains(p.node()) || !(g.node(p.node()).op() instanceof Source src)) {
                throw new GraphException(path, "param " + i + " (" + p + ") is not a source node of this graph");
            }
            boolean outerKind = src.kind() == Source.Kind.INPUT || src.kind() == Source.Kind.PARAMETER;
            if (outerKind != topLevel) {
                throw new GraphException(path + g.node(p.node()).label(), "a " + src.kind().name().toLowerCase()
                        + " source is not allowed in a " + (topLevel ? "top-level graph" : "scan body"));
            }
        }
        for (Value r : g.results()) {
            if (!defined.contains(r.node())) {
                throw new GraphException(path, "result " + r + " is not defined in this graph");
            }
        }
    }
}
