package dev.spool.backend.cpu;

import dev.spool.compiler.Pipeline;
import dev.spool.graph.Graph;
import dev.spool.graph.GraphBuilder.ScanOptions;
import dev.spool.graph.GraphBuilder.Step;
import dev.spool.graph.Tensor;
import dev.spool.graph.Value;
import dev.spool.ops.Builder;
import dev.spool.ops.Grad;

import org.junit.jupiter.api.Test;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

import static dev.spool.graph.DType.F64;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Each lowering rule on a small program whose compiled result must equal the reference
 * interpreter's (f64, 1e-12): bias adds folded into GEMMs, carries updated in place (with slices of
 * the old carry still read, and with the update split across kernels), and products whose result
 * is read besides by a bias add.
 */
class LoweringNumericTest {
    private static final double TOL = 1e-12;

    private static Tensor random(Random rnd, int... shape) {
        Tensor t = Tensor.zeros(F64, shape);
        for (int i = 0; i < t.size(); i++) {
            t.setDouble(i, rnd.nextGaussian() * 0.7);
        }
        return t;
    }

    /** Random feeds for every input and parameter of g. */
    private static Map<String, Tensor> feeds(Graph g, long seed) {
        Random rnd = new Random(seed);
        Map<String, Tensor> m = new HashMap<>();
        for (Value p : g.params()) {
            var src = g.source(p);
            m.put(src.label(), random(rnd, src.type().shape().sizes()));
        }
        return m;
    }

    /** Compiled under the standard pipeline, with and without fusion and memory planning, equals the reference. */
    private static void assertMatchesReference(Graph g) {
        Map<String, Tensor> in = feeds(g, 7);
        Map<String, Tensor> want = CpuBackend.reference(g).run(in);
        for (Pipeline p : List.of(Pipeline.standard(), Pipeline.standard().without(java.util.Set.of("fusion")),
                Pipeline.standard().without(java.util.Set.of(Pipeline.MEMORY_PLANNING)))) {
            Map<String, Tensor> got = CpuBackend.compile(g, p).run(in);
            assertEquals(want.keySet(), got.keySet());
            for (String k : want.keySet()) {
                double[] w = want.get(k).toDoubles();
                double[] o = got.get(k).toDoubles();
                assertEquals(w.length, o.length, k);
                for (int i = 0; i < w.length; i++) {
                    assertEquals(w[i], o[i], TOL * Math.max(1, Math.abs(w[i])), k + "[" + i + "] under " + p.describe());
                }
            }
        }
    }

    @Test
    void biasAddFoldedIntoTheGemm() {
        var b = new Builder();
        Value x = b.input("x", F64, 3, 4);
        Graph g = b.build("y", b.linear(x, b.parameter("w", F64, 5, 4), b.parameter("b", F64, 5)));
        assertMatchesReference(g);
        // By hand on a 1x1 case: y = 2*3 + 1 = 7.
        var b1 = new Builder();
        Graph one = b1.build("y", b1.linear(b1.input("x", F64, 1, 1), b1.parameter("w", F64, 1, 1), b1.parameter("b", F64, 1)));
        Map<String, Tensor> out = CpuBackend.compile(one).run(Map.of("x", Tensor.ofDoubles(new int[] {1, 1}, 2),
                "w", Tensor.ofDoubles(new int[] {1, 1}, 3), "b", Tensor.ofDoubles(new int[] {1}, 1)));
        assertArrayEquals(new double[] {7}, out.get("y").toDoubles());
    }

    @Test
    void batchedBiasAddFoldedIntoTheGemm() {
        var b = new Builder();
        Value x = b.input("x", F64, 2, 3, 4);
        Graph g = b.build("y", b.linear(x, b.parameter("w", F64, 5, 4), b.parameter("b", F64, 1, 5)));
        assertMatchesReference(g);
    }

    @Test
    void productAlsoReadAsAResultIsNotAbsorbedByItsBiasAdd() {
        var b = new Builder();
        Value x = b.input("x", F64, 3, 4);
        Value y = b.matmul(x, b.parameter("w", F64, 5, 4), false, true);
        Graph g = b.build("y", y, "z", b.add(y, b.parameter("b", F64, 5)));
        assertMatchesReference(g);
    }

    @Test
    void productAlsoReadAsACarryIsNotAbsorbedByItsBiasAdd() {
        var b = new Builder();
        Value xs = b.input("x", F64, 4, 2, 3);
        Value w = b.parameter("w", F64, 3, 3);
        Value bias = b.parameter("b", F64, 3);
        var r = b.scan(ScanOptions.DEFAULT, List.of(b.zeros(F64, 2, 3)), List.of(xs), (c, s) -> {
            Value p = b.matmul(b.add(c.get(0), s.get(0)), w, false, true);
            return Step.of(List.of(p), List.of(b.add(p, bias)));
        });
        assertMatchesReference(b.build("ys", r.outputs().get(0), "h", r.carries().get(0)));
    }

    @Test
    void carryUpdatedInPlace() {
        var b = new Builder();
        Value xs = b.input("x", F64, 4, 2, 3);
        var r = b.scan(ScanOptions.DEFAULT, List.of(b.input("h0", F64, 2, 3)), List.of(xs), (c, s) -> {
            Value h = b.tanh(b.add(b.mul(c.get(0), s.get(0)), s.get(0)));
            return Step.of(List.of(h), List.of(h));
        });
        assertMatchesReference(b.build("ys", r.outputs().get(0), "h", r.carries().get(0)));
    }

    @Test
    void carryUpdatedInPlaceWhileASliceOfItIsAnotherCarry() {
        var b = new Builder();
        Value xs = b.input("x", F64, 4, 2, 3);
        var r = b.scan(ScanOptions.DEFAULT, List.of(b.input("h0", F64, 2, 3), b.input("s0", F64, 2, 1)), List.of(xs), (c, s) -> {
            Value h = b.add(c.get(0), s.get(0));
            return Step.of(List.of(h, b.slice(c.get(0), 1, 1, 2)), List.of());
        });
        assertMatchesReference(b.build("h", r.carries().get(0), "s", r.carries().get(1)));
    }

    @Test
    void carryUpdatedInPlaceWhileASliceOfItIsAStepOutput() {
        var b = new Builder();
        Value xs = b.input("x", F64, 4, 2, 3);
        var r = b.scan(ScanOptions.DEFAULT, List.of(b.input("h0", F64, 2, 3)), List.of(xs), (c, s) -> {
            Value h = b.add(c.get(0), s.get(0));
            return Step.of(List.of(h), List.of(b.slice(c.get(0), 1, 0, 2)));
        });
        assertMatchesReference(b.build("h", r.carries().get(0), "ys", r.outputs().get(0)));
    }

    @Test
    void carryUpdatedInPlaceWhenItsKernelIsSplit() {
        // One fused group writes h' = tanh(h + x) early and reads the old h again at its end; at the CPU's
        // kernel budget the group is cut into several kernels, and the later ones must still see the old h.
        var b = new Builder();
        Value xs = b.input("x", F64, 4, 2, 3);
        var r = b.scan(ScanOptions.DEFAULT, List.of(b.input("h0", F64, 2, 3)), List.of(xs), (c, s) -> {
            Value h = c.get(0);
            Value next = b.tanh(b.add(h, s.get(0)));
            Value y = next;
            for (int i = 0; i < 12; i++) {
                y = b.sigmoid(b.add(y, s.get(0)));
            }
            return Step.of(List.of(next), List.of(b.mul(y, h)));
        });
        assertMatchesReference(b.build("h", r.carries().get(0), "ys", r.outputs().get(0)));
    }

    @Test
    void productFeedingABiasAddInsideAScan() {
        var b = new Builder();
        Value xs = b.input("x", F64, 4, 2, 3);
        Value w = b.parameter("w", F64, 3, 3);
        Value bias = b.parameter("b", F64, 3);
        var r = b.scan(ScanOptions.DEFAULT, List.of(b.input("h0", F64, 2, 3)), List.of(xs), (c, s) -> {
            Value h = b.tanh(b.add(b.linear(c.get(0), w, bias), s.get(0)));
            return Step.of(List.of(h), List.of(b.linear(h, w, bias)));
        });
        Graph g = b.build("ys", r.outputs().get(0), "h", r.carries().get(0), "loss", b.sum(r.outputs().get(0)));
        assertMatchesReference(g);
        assertMatchesReference(Grad.of(g, "loss", List.of("w", "b", "h0")));
    }
}
