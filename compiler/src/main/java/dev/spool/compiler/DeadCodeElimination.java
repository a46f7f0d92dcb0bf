package dev.spool.compiler;

import dev.spool.graph.Graph;
import dev.spool.graph.TensorType;
import dev.spool.graph.Value;
import dev.spool.graph.internal.Node;
import dev.spool.graph.internal.ScanOp;
import dev.spool.graph.internal.Source;
import dev.spool.ops.internal.rewrite.Key;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Removes nodes whose outputs no result depends on, and per-step outputs of a scan that nothing
 * reads (so the body work feeding only them dies too) or that repeat another output of the same
 * body value (autodiff stacks a cell's output again as its residual), recursively inside scan bodies. A body's
 * params stay (they are the scan's interface), as do all sources of the graph (its signature) and
 * a scan's carries (each feeds the next step). Builders and autodiff leave such dead work behind:
 * {@code c_n} of a layer whose caller reads only h, or the gradient a backward scan computes for a
 * sequence that has none (one-hot inputs).
 */
public final class DeadCodeElimination implements Pass {
    @Override
    public String name() {
        return "dce";
    }

    @Override
    public Graph run(Graph graph) {
        Set<Key> live = new HashSet<>();
        for (Value r : graph.results()) {
            live.add(Key.Orig.of(r));
        }
        List<Node> nodes = graph.nodes();
        Map<Integer, Node> rewritten = new HashMap<>();
        Map<Key, Integer> renumbered = new HashMap<>();
        for (int i = nodes.size() - 1; i >= 0; i--) {
            Node n = nodes.get(i);
            boolean used = false;
            for (int k = 0; k < n.outputs().size(); k++) {
                used |= live.contains(new Key.Orig(n.id(), k));
            }
            if (!used && !(n.op() instanceof Source)) {
                continue;
            }
            if (n.op() instanceof ScanOp s) {
                n = pruneOutputs(n, s, live, renumbered);
            }
            rewritten.put(n.id(), n);
            for (Value in : n.inputs()) {
                live.add(Key.Orig.of(in));
            }
        }
        List<Node> kept = new ArrayList<>();
        for (Node n : nodes) {
            Node r = rewritten.get(n.id());
            if (r != null) {
                kept.add(renumberInputs(r, renumbered));
            }
        }
        List<Value> results = graph.results().stream().map(v -> renumber(v, renumbered)).toList();
        return new Graph(kept, graph.params(), results, graph.resultNames());
    }

    /** The scan without its unread per-step outputs (its body pruned too); records where kept outputs moved. */
    private Node pruneOutputs(Node n, ScanOp s, Set<Key> live, Map<Key, Integer> renumbered) {
        int nc = s.numCarries();
        Graph body = s.body();
        List<Value> results = new ArrayList<>(body.results().subList(0, nc));
        List<String> names = new ArrayList<>(body.resultNames().subList(0, nc));
        List<TensorType> outputs = new ArrayList<>(n.outputs().subList(0, nc));
        Map<Value, Integer> kept = new HashMap<>();
        for (int k = nc; k < n.outputs().size(); k++) {
            if (live.contains(new Key.Orig(n.id(), k))) {
                Value v = body.results().get(k);
                Integer same = kept.get(v);
                if (same != null) {
                    renumbered.put(new Key.Orig(n.id(), k), same); // the same body value stacked twice
                    continue;
                }
                kept.put(v, outputs.size());
                renumbered.put(new Key.Orig(n.id(), k), outputs.size());
                results.add(v);
                names.add("output" + (outputs.size() - nc));
                outputs.add(n.outputs().get(k));
            }
        }
        Graph pruned = run(new Graph(body.nodes(), body.params(), results, names));
        ScanOp op = new ScanOp(pruned, nc, s.numSequences(), s.numInvariants(), s.reverse(), s.masking(), s.length());
        return new Node(n.id(), op, n.inputs(), outputs);
    }

    private static Node renumberInputs(Node n, Map<Key, Integer> renumbered) {
        if (renumbered.isEmpty()) {
            return n;
        }
        return new Node(n.id(), n.op(), n.inputs().stream().map(v -> renumber(v, renumbered)).toList(), n.outputs());
    }

    private static Value renumber(Value v, Map<Key, Integer> renumbered) {
        Integer k = renumbered.get(Key.Orig.of(v));
        return k == null ? v : new Value(v.node(), k, v.type());
    }
}
