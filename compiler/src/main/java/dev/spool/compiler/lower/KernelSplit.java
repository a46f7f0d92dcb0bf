package dev.spool.compiler.lower;

import dev.spool.graph.Constant;
import dev.spool.graph.Graph;
import dev.spool.graph.Node;
import dev.spool.graph.Source;
import dev.spool.graph.Value;
import dev.spool.ops.Builder;
import dev.spool.ops.Fill;
import dev.spool.ops.Unary;
import dev.spool.ops.UnaryFn;

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

    /** The parts of expr, each costing at most maxCost (ops plus operands) unless a single node already does. */
    static List<Part> parts(Graph expr, int maxCost) {
        Set<Value> results = new HashSet<>(expr.results());
        Map<Value, Integer> lastUse = new HashMap<>();
        List<Node> nodes = expr.nodes();
        for (int i = 0; i < nodes.size(); i++) {
            for (Value in : nodes.get(i).inputs()) {
                lastUse.put(in, i);
            }
        }
        List<List<Node>> groups = new ArrayList<>();
        List<Node> current = new ArrayList<>();
        Set<Value> reads = new HashSet<>();
        int cost = 0;
        for (Node n : nodes) {
            if (n.op() instanceof Source) {
                continue;
            }
            int extra = cost(n);
            Set<Value> newReads = new HashSet<>();
            for (Value in : n.inputs()) {
                if (!reads.contains(in) && !definedIn(current, in) && !literal(expr, in)) {
                    newReads.add(in);
                }
            }
            int add = extra + ACCESS_COST * (newReads.size() + (results.contains(n.output(0)) ? 1 : 0));
            if (!current.isEmpty() && cost + add > maxCost && extra > 0) {
                groups.add(current);
                current = new ArrayList<>();
                reads = new HashSet<>();
                cost = 0;
                newReads.clear();
                for (Value in : n.inputs()) {
                    if (!literal(expr, in)) {
                        newReads.add(in);
                    }
                }
                add = extra + ACCESS_COST * (newReads.size() + (results.contains(n.output(0)) ? 1 : 0));
            }
            current.add(n);
            reads.addAll(newReads);
            cost += add;
        }
        if (!current.isEmpty()) {
            groups.add(current);
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
                        if (!ids.contains(producer.id()) && literalIds.add(producer.id())) {
                            members.add(producer);
                        }
                    } else if (!ids.contains(in.node())) {
                        inputs.add(in);
                    }
                }
                if (!(literal(expr, n.output(0)) && members.contains(n))) {
                    members.add(n);
                }
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

    private static List<Node> sortLiteralsFirst(List<Node> members) {
        List<Node> out = new ArrayList<>();
        members.stream().filter(n -> n.op() instanceof Constant || n.op() instanceof Fill).forEach(out::add);
        members.stream().filter(n -> !(n.op() instanceof Constant || n.op() instanceof Fill)).forEach(out::add);
        return out;
    }

    private static boolean definedIn(List<Node> nodes, Value v) {
        for (Node n : nodes) {
            if (n.id() == v.node()) {
                return true;
            }
        }
        return false;
    }

    private static boolean literal(Graph expr, Value v) {
        Node p = expr.node(v.node());
        return p.op() instanceof Constant || p.op() instanceof Fill;
    }
}
