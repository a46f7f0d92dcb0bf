package dev.spool.backend.cpu;

import dev.spool.compiler.DeadCodeElimination;
import dev.spool.compiler.Pipeline;
import dev.spool.compiler.ScanPushOut;
import dev.spool.graph.Graph;
import dev.spool.graph.GraphBuilder.ScanOptions;
import dev.spool.graph.GraphBuilder.ScanResult;
import dev.spool.graph.GraphBuilder.Step;
import dev.spool.graph.Tensor;
import dev.spool.graph.Value;
import dev.spool.graph.internal.Node;
import dev.spool.graph.internal.ScanOp;
import dev.spool.graph.internal.Verifier;
import dev.spool.ops.Builder;
import dev.spool.ops.Grad;
import dev.spool.ops.internal.MatMul;

import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;

import static dev.spool.graph.DType.F64;
import static dev.spool.graph.DType.I64;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

/** Push-out moves the input projection out of the loop and changes no result. */
class ScanPushOutTest {

    /** y_t = tanh(x_t W1^T + b1) + tanh(y_{t-1} W2^T + b2), with lengths and a loop-invariant W2^T·2. */
    private static Graph myRnn(boolean reverse) {
        var b = new Builder();
        Value x = b.input("x", F64, "T", "B", 3);
        Value w1 = b.parameter("w1", F64, 4, 3);
        Value b1 = b.parameter("b1", F64, 4);
        Value w2 = b.parameter("w2", F64, 4, 4);
        Value b2 = b.parameter("b2", F64, 4);
        Value len = b.input("len", I64, "B");
        ScanOptions opts = ScanOptions.DEFAULT.lengths(len);
        ScanResult r = b.scan(reverse ? opts.reverse() : opts, List.of(b.zeros(F64, "B", 4)), List.of(x), (c, s) -> {
            Value w2x2 = b.add(w2, w2); // depends only on an invariant: computed once before the loop
            Value y = b.add(b.tanh(b.linear(s.get(0), w1, b1)), b.tanh(b.linear(c.get(0), w2x2, b2)));
            return Step.of(List.of(y), List.of(y));
        });
        return b.build("loss", b.sum(b.mul(r.outputs().get(0), r.outputs().get(0))), "h", r.carries().get(0));
    }

    private static long bodyMatmuls(Graph g) {
        return g.nodes().stream().filter(n -> n.op() instanceof ScanOp).map(n -> ((ScanOp) n.op()).body())
                .flatMap(body -> body.nodes().stream()).filter(n -> n.op() instanceof MatMul).count();
    }

    @Test
    void inputProjectionLeavesTheLoopAsOneBatchedMatmul() {
        Graph g = myRnn(false);
        Graph pushed = new DeadCodeElimination().run(new ScanPushOut().run(g));
        Verifier.verify(pushed);
        assertEquals(2, bodyMatmuls(g));
        assertEquals(1, bodyMatmuls(pushed), "only the recurrent matmul stays:\n" + pushed);
        Node outerMatmul = pushed.nodes().stream().filter(n -> n.op() instanceof MatMul).findFirst().orElseThrow();
        assertEquals("F64(T, B, 4)", outerMatmul.outputs().get(0).toString());
    }

    @Test
    void resultsAndGradientsAreUnchanged() {
        var rnd = new Random(5);
        for (boolean reverse : new boolean[] {false, true}) {
            Graph g = Grad.of(myRnn(reverse), "loss", List.of("x", "w1", "b1", "w2", "b2"));
            Map<String, Tensor> feeds = Map.of("x", random(rnd, 5, 3, 3), "w1", random(rnd, 4, 3), "b1", random(rnd, 4),
                    "w2", random(rnd, 4, 4), "b2", random(rnd, 4), "len", Tensor.ofLongs(new int[] {3}, 5, 2, 4));
            Map<String, Tensor> on = CpuBackend.compile(g).run(feeds);
            Map<String, Tensor> off = CpuBackend.compile(g, Pipeline.standard().without(Set.of("pushout"))).run(feeds);
            for (String k : off.keySet()) {
                assertArrayEquals(off.get(k).toDoubles(), on.get(k).toDoubles(), 1e-12, k);
            }
        }
    }

    @Test
    void maskedScanWithLoopInvariantBodyValuesDifferentiates() {
        // w2 + w2 is computed inside the body from an invariant: its gradient must not stack it per step
        // (a masked scan stacks batch-first values only), it is recomputed in the backward scan.
        var rnd = new Random(8);
        Map<String, Tensor> feeds = new java.util.HashMap<>(Map.of("x", random(rnd, 4, 3, 3), "w1", random(rnd, 4, 3), "b1", random(rnd, 4),
                "w2", random(rnd, 4, 4), "b2", random(rnd, 4), "len", Tensor.ofLongs(new int[] {3}, 4, 1, 3)));
        GradientCheck.check(myRnn(true), "loss", feeds, List.of("x", "w1", "w2", "b2"), 1e-6);
    }

    private static Tensor random(Random rnd, int... shape) {
        Tensor t = Tensor.zeros(F64, shape);
        for (int i = 0; i < t.size(); i++) {
            t.setDouble(i, rnd.nextGaussian());
        }
        return t;
    }
}
