package dev.spool.compiler.lower;

import dev.spool.graph.Graph;
import dev.spool.graph.Value;
import dev.spool.graph.internal.Constant;
import dev.spool.graph.internal.Node;
import dev.spool.graph.internal.Source;
import dev.spool.ops.Builder;
import dev.spool.ops.UnaryFn;
import dev.spool.ops.internal.Fill;
import dev.spool.ops.internal.Unary;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Cuts an elementwise expression (a fused group's body) into parts of bounded cost, in topological
 * order, each to become one kernel. A value computed in one part and read by a later one, or a
 * result of the group, is an output of its part; the later part reads it back.
 */
final class KernelSplit {
    private KernelSplit() {
    }

    /** One kernel's worth of the expression: the values it reads, the nodes it computes, the values it writes. */
    record Part(List<Value> inputs, List<Node> nodes, List<Value> outputs) {

        /** This part as a standalone expression whose results are {@code written}, in order (a value may repeat). */
        Graph expression(List<Value> written) {
            Builder b = new Builder();
            Map<Value, Value> local = new HashMap<>();
            for (int i = 0; i < inputs.size(); i++) {
                Value v = inputs.get(i);
                local.put(v, b.input("in" + i, v.dtype(), v.shape().dims().toArray()));
            }
            for (Node n : nodes) {
                Value[] args = n.inputs().stream().map(local::get).toArray(Value[]::new);
                local.put(n.output(0), n.op() instanceof Constant c ? b.constant(c.value()) : b.apply1(n.op(), args));
            }
            Map<String, Value> results = new LinkedHashMap<>();
            for (int i = 0; i < written.size(); i++) {
                results.put("out" + i, local.get(written.get(i)));
            }
            return b.build(results);
        }
    }

    /** What a load or store costs relative to one vector operation (a buffer access inlines far more code). */
    static final int ACCESS_COST = 2;

    /**
     * Vector operations a node costs: a sigmoid is four (negate, exp, add, divide), other
     * elementwise ops one, literals nothing. Operands cost {@link #ACCESS_COST} each.
     */
    static int cost(Node n) {
        if (n.op() instanceof Source || n.op() instanceof Constant || n.op() instanceof Fill) {
            return 0;
        }
        return n.op() instanceof Unary u && u.fn() == UnaryFn.SIGMOID ? 4 : 1;
    }

    /**
     * The parts of expr, each costing at most maxCost unless a single node already does. A part costs
     * its operations plus {@link #ACCESS_COST} per value it loads and per value it stores: results,
     * and values a later part reads. Parts are cut greedily in topological order, each at the longest
     * prefix of the remaining operations that fits (what a prefix stores can shrink as it grows, so
     * the search goes on until its loads, operations and result stores alone exceed the budget).
     */
    static List<Part> parts(Graph expr, int maxCost) {
        Set<Value> results = new HashSet<>(expr.results());
        List<Node> ops = new ArrayList<>();
        for (Node n : expr.nodes()) {
            if (!(n.op() instanceof Source) && !literal(expr, n.output(0))) {
                ops.add(n);
            }
        }
        Map<Value, Integer> lastUse = new HashMap<>();
        for (int i = 0; i < ops.size(); i++) {
            for (Value in : ops.get(i).inputs()) {
                lastUse.put(in, i);
            }
        }
        List<List<Node>> groups = new ArrayList<>();
        for (int start = 0; start < ops.size(); ) {
            int end = cut(expr, ops, start, maxCost, results, lastUse);
            groups.add(ops.subList(start, end));
            start = end;
        }
        List<Part> parts = new ArrayList<>();
        for (int g = 0; g < groups.size(); g++) {
            List<Node> group = groups.get(g);
            Set<Integer> ids = new HashSet<>();
            group.forEach(n -> ids.add(n.id()));
            LinkedHashSet<Value> inputs = new LinkedHashSet<>();
            List<Node> members = new ArrayList<>();
            Set<Integer> literalIds = new HashSet<>();
            for (Node n : group) {
                for (Value in : n.inputs()) {
                    Node producer = expr.node(in.node());
                    if (literal(expr, in)) {
                        if (literalIds.add(producer.id())) {
                            members.add(producer);
                        }
                    } else if (!ids.contains(in.node())) {
                        inputs.add(in);
                    }
                }
                members.add(n);
            }
            List<Value> outputs = new ArrayList<>();
            for (Node n : group) {
                Value v = n.output(0);
                boolean laterUse = false;
                for (int h = g + 1; h < groups.size() && !laterUse; h++) {
                    for (Node m : groups.get(h)) {
                        laterUse |= m.inputs().contains(v);
                    }
                }
                if (!literal(expr, v) && (results.contains(v) || laterUse)) {
                    outputs.add(v);
                }
            }
            parts.add(new Part(List.copyOf(inputs), sortLiteralsFirst(members), outputs));
        }
        return parts;
    }

    /** The end (exclusive) of the part starting at ops[start]: the longest prefix within maxCost, at least one node. */
    private static int cut(Graph expr, List<Node> ops, int start, int maxCost, Set<Value> results, Map<Value, Integer> lastUse) {
        int best = start + 1;
        long opCost = 0;
        int resultStores = 0;
        Set<Value> reads = new HashSet<>();
        List<Value> defined = new ArrayList<>();
        for (int j = start; j < ops.size(); j++) {
            Node n = ops.get(j);
            opCost += cost(n);
            for (Value in : n.inputs()) {
                if (!literal(expr, in) && !defined.contains(in)) {
                    reads.add(in);
                }
            }
            defined.add(n.output(0));
            if (results.contains(n.output(0))) {
                resultStores++;
            }
            int stores = 0;
            for (Value v : defined) {
                if (results.contains(v) || lastUse.getOrDefault(v, -1) > j) {
                    stores++;
                }
            }
            if (opCost + (long) ACCESS_COST * (reads.size() + stores) <= maxCost) {
                best = j + 1;
            }
            if (opCost + (long) ACCESS_COST * (reads.size() + resultStores) > maxCost) {
                break;
            }
        }
        return best;
    }

    private static List<Node> sortLiteralsFirst(List<Node> members) {
        List<Node> out = new ArrayList<>();
        members.stream().filter(n -> n.op() instanceof Constant || n.op() instanceof Fill).forEach(out::add);
        members.stream().filter(n -> !(n.op() instanceof Constant || n.op() instanceof Fill)).forEach(out::add);
        return out;
    }

    private static boolean literal(Graph expr, Value v) {
        Node p = expr.node(v.node());
        return p.op() instanceof Constant || p.op() instanceof Fill;
    }
}
