package dev.spool.backend.cpu;

import dev.spool.compiler.AccumulationSinking;
import dev.spool.compiler.DeadCodeElimination;
import dev.spool.compiler.Pipeline;
import dev.spool.compiler.ScanPushOut;
import dev.spool.compiler.VerifyPass;
import dev.spool.graph.DType;
import dev.spool.graph.Graph;
import dev.spool.graph.GraphBuilder.ScanOptions;
import dev.spool.graph.GraphBuilder.ScanResult;
import dev.spool.graph.GraphBuilder.Step;
import dev.spool.graph.Tensor;
import dev.spool.graph.Value;
import dev.spool.graph.internal.ScanOp;
import dev.spool.ops.Builder;
import dev.spool.ops.Grad;

import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.stream.Stream;

import static dev.spool.graph.DType.F64;
import static dev.spool.graph.DType.I64;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The {@code sink} pass changes no result: gradient graphs of small recurrent scans give the same
 * values (f64, 1e-12) with and without it, lose their weight-gradient carries, and the sunk
 * gradients match finite differences.
 */
class AccumulationSinkingNumericTest {
    private static final Pipeline WITHOUT = new Pipeline(List.of(new VerifyPass(), new DeadCodeElimination()));
    private static final Pipeline WITH = new Pipeline(List.of(new VerifyPass(), new AccumulationSinking(), new DeadCodeElimination()));
    private static final List<String> WRT = List.of("x", "h0", "w", "u", "bias");

    /** How the forward scan is run. */
    private record Variant(String name, boolean reverse, String masking, boolean weightsTwice, Object steps) {
    }

    /**
     * h' = tanh(x_t W^T + h U^T + b), or with weights used twice h' = tanh(p) * sigmoid(tanh(p) U^T + b);
     * loss = sum(y * ry) + sum(h_T * rh).
     */
    private static Graph rnn(Variant v) {
        var b = new Builder();
        Value x = b.input("x", F64, v.steps(), "B", 3);
        Value h0 = b.input("h0", F64, "B", 4);
        Value w = b.input("w", F64, 4, 3);
        Value u = b.input("u", F64, 4, 4);
        Value bias = b.input("bias", F64, 4);
        ScanOptions opts = ScanOptions.DEFAULT.carryNames("h");
        opts = v.reverse() ? opts.reverse() : opts;
        if (v.masking().equals("lengths")) {
            opts = opts.lengths(b.input("len", I64, "B"));
        } else if (v.masking().equals("mask")) {
            opts = opts.mask(b.input("mask", DType.BOOL, v.steps(), "B"));
        }
        ScanResult r = b.scan(opts, List.of(h0), List.of(x), (c, s) -> {
            Value pre = b.add(b.add(b.linear(s.get(0), w, null), b.linear(c.get(0), u, null)), bias);
            Value h = v.weightsTwice() ? b.mul(b.tanh(pre), b.sigmoid(b.linear(b.tanh(pre), u, bias))) : b.tanh(pre);
            return Step.of(List.of(h), List.of(h));
        });
        Value loss = b.add(weighted(b, r.outputs().get(0), "ry"), weighted(b, r.carries().get(0), "rh"));
        return b.build("loss", loss);
    }

    private static Value weighted(Builder b, Value y, String name) {
        return b.sum(b.mul(y, b.input(name, F64, b.typeOf(y).shape().dims().toArray())));
    }

    private static Map<String, Tensor> feeds(int steps, long seed) {
        var rnd = new Random(seed);
        int batch = 3;
        Map<String, Tensor> f = new HashMap<>();
        f.put("x", random(rnd, steps, batch, 3));
        f.put("h0", random(rnd, batch, 4));
        f.put("w", random(rnd, 4, 3));
        f.put("u", random(rnd, 4, 4));
        f.put("bias", random(rnd, 4));
        f.put("ry", random(rnd, steps, batch, 4));
        f.put("rh", random(rnd, batch, 4));
        f.put("len", Tensor.ofLongs(new int[] {batch}, Math.min(steps, 2), steps, 0));
        boolean[] mask = new boolean[steps * batch];
        for (int i = 0; i < mask.length; i++) {
            mask[i] = rnd.nextInt(3) != 0;
        }
        f.put("mask", Tensor.ofBools(new int[] {steps, batch}, mask));
        return f;
    }

    private static Tensor random(Random rnd, int... shape) {
        Tensor t = Tensor.zeros(F64, shape);
        for (int i = 0; i < t.size(); i++) {
            t.setDouble(i, rnd.nextGaussian() * 0.7);
        }
        return t;
    }

    private static Stream<Variant> variants() {
        return Stream.of(
                new Variant("forward", false, "none", false, "T"),
                new Variant("reverse", true, "none", false, "T"),
                new Variant("forward with lengths", false, "lengths", false, "T"),
                new Variant("reverse with lengths", true, "lengths", false, "T"),
                new Variant("forward with a mask", false, "mask", false, "T"),
                new Variant("reverse with a mask", true, "mask", true, "T"),
                new Variant("weights used twice", false, "none", true, "T"),
                new Variant("weights used twice, reverse, lengths", true, "lengths", true, "T"),
                new Variant("fixed length 5", false, "none", true, 5));
    }

    private static int steps(Variant v) {
        return v.steps() instanceof Integer n ? n : 5;
    }

    @TestFactory
    Stream<DynamicTest> gradientsAreUnchanged() {
        return variants().map(v -> DynamicTest.dynamicTest(v.name(), () -> {
            Graph g = Grad.of(rnn(v), "loss", WRT);
            assertSame(g, feeds(steps(v), v.name().hashCode()), WITH);
        }));
    }

    @TestFactory
    Stream<DynamicTest> weightGradientCarriesLeaveTheBackwardScan() {
        return variants().map(v -> DynamicTest.dynamicTest(v.name(), () -> {
            Graph g = Grad.of(rnn(v), "loss", WRT);
            // Forward: h. Backward before: dh and dW, dU, db; after: dh only.
            assertEquals(List.of(1, 4), carries(WITHOUT.run(g)));
            assertEquals(List.of(1, 1), carries(WITH.run(g)));
        }));
    }

    @Test
    void zeroLengthScanGivesTheInitialValues() {
        for (Variant v : variants().filter(v -> v.steps() instanceof String).toList()) {
            Map<String, Tensor> f = feeds(0, 11);
            f.put("len", Tensor.ofLongs(new int[] {3}, 0, 0, 0));
            Map<String, Tensor> got = assertSame(Grad.of(rnn(v), "loss", WRT), f, WITH);
            assertArrayEquals(new double[16], got.get("grad.u").toDoubles(), 0, v.name());
            assertArrayEquals(f.get("rh").toDoubles(), got.get("grad.h0").toDoubles(), 0, v.name());
        }
    }

    /**
     * Forward-built accumulators from given initial values: outer' = outer + h_tᵀ x_t + h_{t-1}ᵀ x_t
     * (an add-tree of two terms) and rows' = rows + reduce_sum(h_t, [0]).
     */
    private static Graph givenAccumulators(boolean reverse) {
        var b = new Builder();
        Value x = b.input("x", F64, "T", "B", 3);
        Value w = b.input("w", F64, 4, 3);
        ScanOptions opts = ScanOptions.DEFAULT.carryNames("h", "outer", "rows");
        List<Value> init = List.of(b.input("h0", F64, "B", 4), b.input("outer0", F64, 4, 3), b.input("rows0", F64, 4));
        ScanResult r = b.scan(reverse ? opts.reverse() : opts, init, List.of(x), (c, s) -> {
            Value h = b.tanh(b.add(b.linear(s.get(0), w, null), c.get(0)));
            Value outer = b.add(b.add(c.get(1), b.matmul(h, s.get(0), true, false)), b.matmul(c.get(0), s.get(0), true, false));
            return Step.of(List.of(h, outer, b.add(c.get(2), b.sum(h, 0))), List.of(h));
        });
        return b.build("h", r.carries().get(0), "outer", r.carries().get(1), "rows", r.carries().get(2), "y", r.outputs().get(0));
    }

    @Test
    void givenInitialValuesAreAddedToTheSunkTotals() {
        for (boolean reverse : new boolean[] {false, true}) {
            Graph g = givenAccumulators(reverse);
            assertEquals(List.of(1), carries(WITH.run(g)));
            var rnd = new Random(reverse ? 2 : 1);
            Map<String, Tensor> f = Map.of("x", random(rnd, 5, 3, 3), "w", random(rnd, 4, 3), "h0", random(rnd, 3, 4),
                    "outer0", random(rnd, 4, 3), "rows0", random(rnd, 4));
            assertSame(g, f, WITH);
        }
    }

    /**
     * A masked scan's batch-first accumulator, acc' = acc + (x_t x_tᵀ)ᵀ x_t with acc (B, 3): stacking
     * its (B, B) factor would zero the wrong rows on masked steps, so it must stay in the loop.
     */
    @Test
    void maskedScanAccumulatorStaysAndResultsAreUnchanged() {
        var b = new Builder();
        Value x = b.input("x", F64, "T", "B", 3);
        ScanOptions opts = ScanOptions.DEFAULT.lengths(b.input("len", I64, "B"));
        ScanResult r = b.scan(opts, List.of(b.input("acc0", F64, "B", 3)), List.of(x), (c, s) -> {
            Value square = b.matmul(s.get(0), s.get(0), false, true);
            return Step.of(List.of(b.add(c.get(0), b.matmul(square, s.get(0), true, false))), List.of());
        });
        Graph g = b.build("acc", r.carries().get(0));
        var rnd = new Random(8);
        assertSame(g, Map.of("x", random(rnd, 4, 3, 3), "acc0", random(rnd, 3, 3), "len", Tensor.ofLongs(new int[] {3}, 4, 1, 0)), WITH);
        assertEquals(List.of(1), carries(WITH.run(g)));
    }

    /** A scan whose body runs a reverse scan: the gradient's inner backward scan is sunk too. */
    @Test
    void nestedScansAreSunk() {
        var b = new Builder();
        Value xs = b.input("x", F64, "T", "U", "B", 3);
        Value w = b.input("w", F64, 4, 3);
        Value u = b.input("u", F64, 4, 4);
        ScanResult outer = b.scan(List.of(b.input("h0", F64, "B", 4)), List.of(xs), (c, s) -> {
            ScanResult inner = b.scan(ScanOptions.DEFAULT.reverse(), List.of(c.get(0)), List.of(s.get(0)), (c2, s2) -> {
                Value h = b.tanh(b.add(b.linear(s2.get(0), w, null), b.linear(c2.get(0), u, null)));
                return Step.of(List.of(h), List.of(h));
            });
            return Step.of(inner.carries(), List.of(b.sum(inner.outputs().get(0), 0)));
        });
        Value loss = b.add(weighted(b, outer.outputs().get(0), "ry"), weighted(b, outer.carries().get(0), "rh"));
        Graph g = Grad.of(b.build("loss", loss), "loss", List.of("x", "h0", "w", "u"));
        var rnd = new Random(12);
        assertSame(g, Map.of("x", random(rnd, 3, 2, 2, 3), "h0", random(rnd, 2, 4), "w", random(rnd, 4, 3), "u", random(rnd, 4, 4),
                "ry", random(rnd, 3, 2, 4), "rh", random(rnd, 2, 4)), WITH);
        assertEquals(innerCarries(WITHOUT.run(g)) - 2, innerCarries(WITH.run(g)), "dW and dU leave the inner backward scan");
        // The outer backward scan is judged on its original body, where dW_outer += (inner scan's dW) is
        // no sinkable form, so its accumulators stay: sinking is not iterated bottom-up.
        assertEquals(List.of(1, 3), carries(WITH.run(g)));
    }

    /** Carries of the scans nested in top-level scan bodies. */
    private static int innerCarries(Graph g) {
        return g.nodes().stream().filter(n -> n.op() instanceof ScanOp).flatMap(n -> ((ScanOp) n.op()).body().nodes().stream())
                .filter(n -> n.op() instanceof ScanOp).mapToInt(n -> ((ScanOp) n.op()).numCarries()).sum();
    }

    @Test
    void sinkingComposesWithPushOut() {
        Pipeline both = new Pipeline(List.of(new VerifyPass(), new DeadCodeElimination(), new AccumulationSinking(),
                new ScanPushOut(), new DeadCodeElimination()));
        Variant v = new Variant("weights used twice, reverse, lengths", true, "lengths", true, "T");
        assertSame(Grad.of(rnn(v), "loss", WRT), feeds(6, 3), both);
    }

    @TestFactory
    Stream<DynamicTest> sunkGradientsMatchFiniteDifferences() {
        return variants().filter(v -> v.weightsTwice() || !v.masking().equals("none")).map(v -> DynamicTest.dynamicTest(v.name(), () ->
                GradientCheck.check(rnn(v), "loss", feeds(steps(v), 7), WRT, 1e-6, WITH)));
    }

    /** Runs g with and without the pass, asserts equal results (1e-12) and returns those with it. */
    private static Map<String, Tensor> assertSame(Graph g, Map<String, Tensor> feeds, Pipeline with) {
        Map<String, Tensor> want = CpuBackend.compile(g, WITHOUT).run(feeds);
        Map<String, Tensor> got = CpuBackend.compile(g, with).run(feeds);
        assertEquals(want.keySet(), got.keySet());
        for (String k : want.keySet()) {
            assertArrayEquals(want.get(k).shape(), got.get(k).shape(), k);
            assertArrayEquals(want.get(k).toDoubles(), got.get(k).toDoubles(), 1e-12, k);
        }
        return got;
    }

    /** Carry counts of the top-level scans, in graph order. */
    private static List<Integer> carries(Graph g) {
        return g.nodes().stream().filter(n -> n.op() instanceof ScanOp).map(n -> ((ScanOp) n.op()).numCarries()).toList();
    }
}
