package dev.spool.compiler;

import dev.spool.graph.Dim;
import dev.spool.graph.Graph;
import dev.spool.graph.GraphBuilder.Step;
import dev.spool.graph.GraphException;
import dev.spool.graph.Value;
import dev.spool.graph.internal.Node;
import dev.spool.graph.internal.ScanOp;
import dev.spool.ops.Builder;

import org.junit.jupiter.api.Test;

import java.util.List;

import static dev.spool.graph.DType.F64;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The unrolled-size estimate against the nodes {@link Unroll} really builds, and the guard rail built on it. */
class UnrollEstimateTest {

    /** h_t = tanh(h_{t-1} · w + x_t), emitting h_t: a small RNN over x (steps, 2, 3). */
    private static Graph rnn(int steps) {
        var b = new Builder();
        Value xs = b.input("x", F64, steps, 2, 3);
        Value w = b.parameter("w", F64, 3, 3);
        var r = b.scan(List.of(b.zeros(F64, 2, 3)), List.of(xs), (c, s) -> {
            Value h = b.tanh(b.add(b.matmul(c.get(0), w), s.get(0)));
            return Step.of(List.of(h), List.of(h));
        });
        return b.build("ys", r.outputs().get(0));
    }

    private static long nodes(Graph g) {
        long n = 0;
        for (Node node : g.nodes()) {
            n += 1 + (node.op() instanceof ScanOp s ? nodes(s.body()) : 0);
        }
        return n;
    }

    @Test
    void estimateMatchesTheNodesAFullUnrollBuildsWithinAFewPercent() {
        for (int steps : List.of(5, 40)) {
            Graph g = rnn(steps);
            long built = nodes(Unroll.full().run(g));
            long estimate = UnrollEstimate.nodes(g, LoopStrategy.fixed(0));
            assertTrue(Math.abs(estimate - built) <= 0.1 * built + 3, "T=" + steps + ": estimate " + estimate + ", built " + built);
        }
    }

    @Test
    void estimateOfUnrollByKCountsOneChunkBodyAndTheLeftoverSteps() {
        Graph g = rnn(11);
        long built = nodes(new Unroll(4).run(g));
        long estimate = UnrollEstimate.nodes(g, LoopStrategy.fixed(4));
        assertTrue(Math.abs(estimate - built) <= 0.2 * built + 5, "estimate " + estimate + ", built " + built);
        // A kept loop is counted once, body included, whatever its length.
        assertEquals(UnrollEstimate.nodes(rnn(3), LoopStrategy.fixed(1)), UnrollEstimate.nodes(rnn(3000), LoopStrategy.fixed(1)));
    }

    @Test
    void fullyUnrollingAVeryLongLoopIsRefusedBeforeAnyWorkNamingTheEstimateAndTheLimit() {
        Graph g = rnn(100_000);
        GraphException e = assertThrows(GraphException.class, () -> Unroll.full().run(g));
        assertTrue(e.getMessage().startsWith("scan#"), e.getMessage());
        assertTrue(e.getMessage().contains("of length 100000"), e.getMessage());
        assertTrue(e.getMessage().contains("limit 200,000"), e.getMessage());
        assertTrue(e.getMessage().contains("--unroll 4"), e.getMessage());
        // Unrolling the same loop by 4 builds a small graph and is allowed.
        Graph byFour = new Unroll(4).run(g);
        assertTrue(nodes(byFour) < 200, "nodes " + nodes(byFour));
    }

    @Test
    void theLimitIsAParameter() {
        Graph g = rnn(50);
        long full = UnrollEstimate.nodes(g, LoopStrategy.fixed(0));
        new Unroll(LoopStrategy.fixed(0), Unroll.OnSymbolic.REFUSE, full).run(g);
        assertThrows(GraphException.class, () -> new Unroll(LoopStrategy.fixed(0), Unroll.OnSymbolic.REFUSE, full - 1).run(g));
    }

    @Test
    void factsDescribeTheLoop() {
        Graph g = rnn(7);
        Node scan = g.nodes().stream().filter(n -> n.op() instanceof ScanOp).findFirst().orElseThrow();
        UnrollEstimate.ScanFacts f = UnrollEstimate.facts(scan, "");
        assertEquals(Dim.of(7), f.length());
        assertEquals(((ScanOp) scan.op()).body().nodes().size(), f.bodyNodes());
        assertEquals(scan.label(), f.path());
    }
}
