package dev.spool.compiler;

import dev.spool.graph.Graph;
import dev.spool.graph.Node;
import dev.spool.graph.ScanOp;
import dev.spool.graph.Source;
import dev.spool.graph.Value;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Removes nodes whose outputs no result depends on, recursively inside scan bodies (where the
 * body's params and results are kept, since they are the scan's interface). Sources stay: they
 * are the graph's signature even when unused. Builders leave dead nodes behind whenever a layer
 * computes something the caller ignores (e.g. {@code c_n} of a layer whose caller reads only h).
 */
public final class DeadCodeElimination implements Pass {
    @Override
    public String name() {
        return "dce";
    }

    @Override
    public Graph run(Graph graph) {
        Set<Integer> live = new HashSet<>();
        for (Value r : graph.results()) {
            live.add(r.node());
        }
        List<Node> nodes = graph.nodes();
        List<Node> kept = new ArrayList<>();
        for (int i = nodes.size() - 1; i >= 0; i--) {
            Node n = nodes.get(i);
            if (!live.contains(n.id()) && !(n.op() instanceof Source)) {
                continue;
            }
            for (Value in : n.inputs()) {
                live.add(in.node());
            }
            if (n.op() instanceof ScanOp s) {
                n = new Node(n.id(), withBody(s, run(s.body())), n.inputs(), n.outputs());
            }
            kept.add(0, n);
        }
        return new Graph(kept, graph.params(), graph.results(), graph.resultNames());
    }

    private static ScanOp withBody(ScanOp s, Graph body) {
        return new ScanOp(body, s.numCarries(), s.numSequences(), s.numInvariants(), s.reverse(), s.masking(), s.length());
    }
}
