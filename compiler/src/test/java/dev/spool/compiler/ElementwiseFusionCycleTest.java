package dev.spool.compiler;

import dev.spool.graph.Graph;
import dev.spool.graph.Value;
import dev.spool.graph.internal.GraphPrinter;
import dev.spool.graph.internal.Node;
import dev.spool.ops.Builder;
import dev.spool.ops.internal.Fused;

import org.junit.jupiter.api.Test;

import static dev.spool.graph.DType.F64;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Fusion must not merge two groups when a path from one to the other runs through a third group:
 * that group runs as one kernel, so reaching any of its members means waiting for all of them.
 */
class ElementwiseFusionCycleTest {

    @Test
    void groupsLinkedThroughAThirdGroupsOtherMemberAreNotMerged() {
        var b = new Builder();
        Value x = b.input("x", F64, 2, 3);
        Value y = b.input("y", F64, 3, 2);
        Value a = b.tanh(x);                                   // group A, shape (2, 3)
        Value x1 = b.sigmoid(b.transpose(a, 1, 0));            // (3, 2), depends on A
        Value x2 = b.exp(y);                                   // (3, 2), independent of A
        Value x3 = b.add(x1, x2);                              // merges x1 and x2 into group X
        Value c = b.neg(b.transpose(x2, 1, 0));                // group C, (2, 3), reads X's x2
        Value out = b.add(a, c);                               // A + C: merging them would put X inside a cycle
        Graph g = b.build("out", out, "x3", x3);

        Graph fused = new ElementwiseFusion().run(g);

        long groups = fused.nodes().stream().map(Node::op).filter(op -> op instanceof Fused).count();
        assertEquals(2, groups, GraphPrinter.print(fused));
    }
}
