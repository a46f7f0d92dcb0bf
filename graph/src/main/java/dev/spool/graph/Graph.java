package dev.spool.graph;

import dev.spool.graph.internal.GraphPrinter;
import dev.spool.graph.internal.Node;
import dev.spool.graph.internal.Op;
import dev.spool.graph.internal.ScanOp;
import dev.spool.graph.internal.Source;

import com.google.common.collect.ImmutableMap;
import com.google.common.collect.Maps;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.UnaryOperator;

/**
 * An immutable DAG of {@link Node}s in topological order. {@code params} are the values fed from
 * outside (a top-level graph's inputs and parameters; a scan body's carries, slices and invariants,
 * in that order) and {@code results} the values it returns, each with a name. Build one with
 * {@code dev.spool.ops.Builder}; {@code toString()} prints it, scan bodies nested under their scan.
 * The node types ({@link Node}, its op, {@link Source}) are the internal IR of
 * {@code dev.spool.graph.internal}: compiler passes read and make them, users need them only to
 * inspect a graph.
 *
 * <pre>{@code
 * Graph g = b.build("y", y);
 * g.resultNames()                       // [y]
 * g.result("y").orElseThrow().type()    // F32(B, 4)
 * System.out.println(g);
 * }</pre>
 */
public final class Graph {
    private final List<Node> nodes;
    private final List<Value> params;
    private final List<Value> results;
    private final List<String> resultNames;
    private final ImmutableMap<Integer, Node> byId;

    /**
     * A graph of already inferred nodes; users build graphs with a builder, passes with this.
     *
     * <pre>{@code new Graph(nodes, params, List.of(y), List.of("y"))}</pre>
     */
    public Graph(List<Node> nodes, List<Value> params, List<Value> results, List<String> resultNames) {
        if (results.size() != resultNames.size()) {
            throw new IllegalArgumentException("results and result names differ in length");
        }
        this.nodes = List.copyOf(nodes);
        this.params = List.copyOf(params);
        this.results = List.copyOf(results);
        this.resultNames = List.copyOf(resultNames);
        this.byId = Maps.uniqueIndex(this.nodes, Node::id);
    }

    /** The nodes in topological order (internal IR types): {@code g.nodes().size()}. */
    public List<Node> nodes() {
        return nodes;
    }

    /**
     * The nodes of this graph and, recursively, of its scans' bodies (a fused group counts as one
     * node): the size that unrolling multiplies. {@code g.totalNodes() >= g.nodes().size()}.
     */
    public long totalNodes() {
        long n = nodes.size();
        for (Node m : nodes) {
            if (m.op() instanceof ScanOp scan) {
                n += scan.body().totalNodes();
            }
        }
        return n;
    }

    /** The values fed from outside, in order: {@code g.source(g.params().get(0)).label()} is the first input's name. */
    public List<Value> params() {
        return params;
    }

    /** The returned values, in the order of {@link #resultNames()}: {@code g.results().get(0).type()}. */
    public List<Value> results() {
        return results;
    }

    /** The names of the results: {@code [loss, grad.w]} for a graph made by {@code Grad.of}. */
    public List<String> resultNames() {
        return resultNames;
    }

    /**
     * The node with id {@code id}: {@code g.node(v.node())} is the node producing value {@code v}.
     *
     * @throws IllegalArgumentException when there is no such node in this graph (a scan body's nodes are in the body)
     */
    public Node node(int id) {
        Node n = byId.get(id);
        if (n == null) {
            throw new IllegalArgumentException("no node " + id + " in this graph");
        }
        return n;
    }

    /** Whether a node of this graph (not of a nested body) has id {@code id}: {@code g.contains(v.node())}. */
    public boolean contains(int id) {
        return byId.containsKey(id);
    }

    /** The source op of a param value, which knows its kind and name: {@code g.source(p).label()}. */
    public Source source(Value param) {
        return (Source) node(param.node()).op();
    }

    /** The result named {@code name}, if any: {@code g.result("loss").orElseThrow()}. */
    public Optional<Value> result(String name) {
        int i = resultNames.indexOf(name);
        return i < 0 ? Optional.empty() : Optional.of(results.get(i));
    }

    /**
     * The same graph with the symbol {@code name} fixed to {@code size} in every dim, inside products
     * such as {@code T*B} too, e.g. the time dim bound before unrolling:
     *
     * <pre>{@code Graph fixed = g.bind("T", 35);}</pre>
     */
    public Graph bind(String name, int size) {
        Dim symbol = Dim.of(name);
        Dim fixed = Dim.of(size);
        return mapDims(d -> Dim.product(d.factors().stream().map(f -> f.equals(symbol) ? fixed : f).toArray(Dim[]::new)));
    }

    /** The same graph with every type's dims rewritten by {@code f}, recursively into scan bodies: {@code g.mapDims(d -> d)}. */
    public Graph mapDims(UnaryOperator<Dim> f) {
        List<Node> out = new ArrayList<>(nodes.size());
        for (Node n : nodes) {
            Op op = n.op().mapDims(f);
            List<Value> ins = n.inputs().stream().map(v -> mapValue(v, f)).toList();
            List<TensorType> outs = n.outputs().stream().map(t -> t.mapDims(f)).toList();
            out.add(new Node(n.id(), op, ins, outs));
        }
        return new Graph(out, params.stream().map(v -> mapValue(v, f)).toList(),
                results.stream().map(v -> mapValue(v, f)).toList(), resultNames);
    }

    private static Value mapValue(Value v, UnaryOperator<Dim> f) {
        return new Value(v.node(), v.index(), v.type().mapDims(f));
    }

    @Override
    public String toString() {
        return GraphPrinter.print(this);
    }
}
