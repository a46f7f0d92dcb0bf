package dev.spool.compiler;

import dev.spool.graph.Graph;
import dev.spool.graph.GraphBuilder.ScanResult;
import dev.spool.graph.GraphBuilder.Step;
import dev.spool.graph.Value;
import dev.spool.graph.internal.Node;
import dev.spool.graph.internal.ScanOp;
import dev.spool.graph.internal.Verifier;
import dev.spool.ops.Builder;
import dev.spool.ops.internal.Concat;
import dev.spool.ops.internal.MatMul;

import org.junit.jupiter.api.Test;

import java.util.List;

import static dev.spool.graph.DType.F64;
import static org.junit.jupiter.api.Assertions.assertEquals;

class MatMulMergingTest {
    /**
     * A cell written gate by gate: h·W_r, h·W_z, h·W_n (in×out weights), the input's x·U_rᵀ, x·U_zᵀ
     * (PyTorch's out×in layout), and h·S_t with a per-step S_t, which must stay alone.
     */
    private static Graph gateByGate() {
        var b = new Builder();
        Value x = b.input("x", F64, "T", "B", 3);
        Value s = b.input("s", F64, "T", 4, 4);
        Value wr = b.parameter("w_r", F64, 4, 4);
        Value wz = b.parameter("w_z", F64, 4, 4);
        Value wn = b.parameter("w_n", F64, 4, 4);
        Value ur = b.parameter("u_r", F64, 4, 3);
        Value uz = b.parameter("u_z", F64, 4, 3);
        ScanResult r = b.scan(List.of(b.zeros(F64, "B", 4)), List.of(x, s), (c, xs) -> {
            Value h = c.get(0);
            Value xt = xs.get(0);
            Value rg = b.sigmoid(b.add(b.matmul(h, wr), b.matmul(xt, ur, false, true)));
            Value zg = b.sigmoid(b.add(b.matmul(h, wz), b.matmul(xt, uz, false, true)));
            Value n = b.tanh(b.add(b.matmul(h, xs.get(1)), b.matmul(h, wn)));
            return Step.of(List.of(b.add(b.mul(rg, n), zg)), List.of());
        });
        return b.build("h", r.carries().get(0));
    }

    private static List<Node> body(Graph g, Class<?> op) {
        Node scan = g.nodes().stream().filter(n -> n.op() instanceof ScanOp).findFirst().orElseThrow();
        return ((ScanOp) scan.op()).body().nodes().stream().filter(n -> op.isInstance(n.op())).toList();
    }

    @Test
    void matmulsOfOneOperandByInvariantsBecomeOneMatmulPerOperand() {
        Graph before = gateByGate();
        assertEquals(6, body(before, MatMul.class).size());
        Graph after = new MatMulMerging().run(before);
        Verifier.verify(after);
        // h by w_r, w_z, w_n → one; x by u_r, u_z (transposed) → one; h by the per-step s stays.
        List<Node> matmuls = body(after, MatMul.class);
        assertEquals(3, matmuls.size(), matmuls.toString());
        List<Node> concats = body(after, Concat.class);
        assertEquals(2, concats.size());
        assertEquals(List.of("(4, 12)", "(8, 3)"), concats.stream().map(n -> n.outputs().get(0).shape().toString()).sorted().toList());
        assertEquals(1, matmuls.stream().filter(n -> ((MatMul) n.op()).transB()).count());
    }

    @Test
    void aSingleMatmulPerOperandIsLeftAlone() {
        var b = new Builder();
        Value x = b.input("x", F64, "T", "B", 4);
        Value w = b.parameter("w", F64, 4, 4);
        ScanResult r = b.scan(List.of(b.zeros(F64, "B", 4)), List.of(x), (c, xs) ->
                Step.of(List.of(b.tanh(b.add(b.matmul(c.get(0), w), xs.get(0)))), List.of()));
        Graph g = b.build("h", r.carries().get(0));
        assertEquals(dev.spool.graph.internal.GraphPrinter.print(g), dev.spool.graph.internal.GraphPrinter.print(new MatMulMerging().run(g)));
    }
}
