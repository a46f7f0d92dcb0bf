package dev.spool.compiler;

import dev.spool.graph.Graph;
import dev.spool.graph.internal.Verifier;
/**
 * Checks the graph's invariants without changing it (see {@link Verifier}); run first so later
 * passes and the backends can assume a well-typed graph, and between passes in tests.
 */
public final class VerifyPass implements Pass {
    @Override
    public String name() {
        return "verify";
    }

    @Override
    public Graph run(Graph graph) {
        Verifier.verify(graph);
        return graph;
    }
}
