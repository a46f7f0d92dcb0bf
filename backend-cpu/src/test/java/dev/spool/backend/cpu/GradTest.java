package dev.spool.backend.cpu;

import dev.spool.graph.Graph;
import dev.spool.graph.GraphBuilder.ScanOptions;
import dev.spool.graph.GraphBuilder.ScanResult;
import dev.spool.graph.GraphBuilder.Step;
import dev.spool.graph.Tensor;
import dev.spool.graph.Value;
import dev.spool.ops.Builder;
import dev.spool.ops.Grad;

import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.stream.IntStream;
import java.util.stream.Stream;

import static dev.spool.graph.DType.F64;
import static dev.spool.graph.DType.I64;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Symbolic gradients against float64 central finite differences. */
class GradTest {
    private static final double TOL = 1e-6;

    private static Tensor random(Random rnd, int... shape) {
        Tensor t = Tensor.zeros(F64, shape);
        for (int i = 0; i < t.size(); i++) {
            t.setDouble(i, rnd.nextGaussian() * 0.7);
        }
        return t;
    }

    /** loss = sum(y * r) for a fixed random r, so every element of y matters. */
    private static Value weightedSum(Builder b, Value y, String name) {
        return b.sum(b.mul(y, b.input(name, F64, b.typeOf(y).shape().dims().toArray())));
    }

    @Test
    void everyPrimitiveVjpMatchesFiniteDifferences() {
        var rnd = new Random(1);
        var b = new Builder();
        Value x = b.input("x", F64, 3, 4);
        Value y = b.input("y", F64, 4);
        Value w = b.input("w", F64, 5, 4);
        Value ids = b.input("ids", I64, 3);
        Value pos = b.add(b.exp(x), b.scalar(0.5, F64));
        List<Value> terms = new ArrayList<>(List.of(
                b.tanh(x), b.sigmoid(x), b.relu(x), b.neg(x), b.log(pos), b.sqrt(pos), b.unary(dev.spool.ops.UnaryFn.ABS, x),
                b.unary(dev.spool.ops.UnaryFn.SQUARE, x), b.unary(dev.spool.ops.UnaryFn.RECIPROCAL, pos),
                b.add(x, y), b.sub(y, x), b.mul(x, y), b.div(x, b.add(b.exp(y), b.scalar(1, F64))), b.maximum(x, y),
                b.binary(dev.spool.ops.BinaryFn.POW, pos, b.scalar(1.5, F64)),
                b.where(b.less(x, y), x, b.mul(x, x)),
                b.matmul(x, w, false, true), b.matmul(w, x, false, true), b.matmul(b.transpose(x, 1, 0), w, true, true),
                b.transpose(x, 1, 0), b.reshape(x, 2, 6), b.slice(x, 1, 1, 3), b.index(x, 0, 2),
                b.concat(1, List.of(x, b.tanh(x))), b.stack(0, List.of(x, b.exp(x))),
                b.gather(w, ids), b.sum(x, 0), b.mean(x, 1), b.max(x, 1), b.softmax(x, 1), b.logSoftmax(x, 0)));
        Value loss = b.crossEntropy(x, ids);
        for (int i = 0; i < terms.size(); i++) {
            loss = b.add(loss, weightedSum(b, terms.get(i), "r" + i));
        }
        Graph g = b.build("loss", loss);
        Map<String, Tensor> feeds = new HashMap<>();
        feeds.put("x", random(rnd, 3, 4));
        feeds.put("y", random(rnd, 4));
        feeds.put("w", random(rnd, 5, 4));
        feeds.put("ids", Tensor.ofLongs(new int[] {3}, 1, 3, 0));
        for (int i = 0; i < terms.size(); i++) {
            feeds.put("r" + i, random(rnd, b.typeOf(terms.get(i)).shape().sizes()));
        }
        GradientCheck.check(g, "loss", feeds, List.of("x", "y", "w"), TOL);
    }

    /** A small RNN-like scan with two carries, an output, an invariant, optional reverse and lengths. */
    private static Graph rnnScan(boolean reverse, boolean lengths) {
        return rnnScan(reverse, lengths, "T");
    }

    private static Graph rnnScan(boolean reverse, boolean lengths, Object steps) {
        var b = new Builder();
        Value xs = b.input("xs", F64, steps, "B", 3);
        Value h0 = b.input("h0", F64, "B", 2);
        Value c0 = b.input("c0", F64, "B", 2);
        Value w = b.input("w", F64, 2, 3);
        Value u = b.input("u", F64, 2, 2);
        ScanOptions opts = ScanOptions.DEFAULT.carryNames("h", "c");
        if (reverse) {
            opts = opts.reverse();
        }
        if (lengths) {
            opts = opts.lengths(b.input("len", I64, "B"));
        }
        ScanResult r = b.scan(opts, List.of(h0, c0), List.of(xs), (cs, ss) -> {
            Value pre = b.add(b.linear(ss.get(0), w, null), b.linear(cs.get(0), u, null));
            Value c = b.add(b.mul(b.sigmoid(pre), cs.get(1)), b.tanh(pre));
            Value h = b.mul(b.tanh(c), b.sigmoid(b.linear(cs.get(0), u, null)));
            return Step.of(List.of(h, c), List.of(h, b.mul(c, c)));
        });
        Value loss = b.add(b.add(weightedSum(b, r.outputs().get(0), "ry"), weightedSum(b, r.outputs().get(1), "rz")),
                b.add(weightedSum(b, r.carries().get(0), "rh"), weightedSum(b, r.carries().get(1), "rc")));
        return b.build("loss", loss);
    }

    private static Map<String, Tensor> rnnFeeds(int steps, long seed) {
        var rnd = new Random(seed);
        Map<String, Tensor> f = new HashMap<>();
        f.put("xs", random(rnd, steps, 3, 3));
        f.put("h0", random(rnd, 3, 2));
        f.put("c0", random(rnd, 3, 2));
        f.put("w", random(rnd, 2, 3));
        f.put("u", random(rnd, 2, 2));
        f.put("ry", random(rnd, steps, 3, 2));
        f.put("rz", random(rnd, steps, 3, 2));
        f.put("rh", random(rnd, 3, 2));
        f.put("rc", random(rnd, 3, 2));
        f.put("len", Tensor.ofLongs(new int[] {3}, Math.min(steps, 2), steps, 0));
        return f;
    }

    /** A matrix shared by every batch of a product (a head applied to every step): its gradient is one flat product. */
    @Test
    void sharedMatrixOfABatchedProductHasOneFlatGradientProduct() {
        var rnd = new Random(3);
        for (boolean transB : new boolean[] {false, true}) {
            var b = new Builder();
            Value x = b.input("x", F64, "T", "B", 4);
            Value w = transB ? b.input("w", F64, 5, 4) : b.input("w", F64, 4, 5);
            Value loss = weightedSum(b, b.matmul(x, w, false, transB), "r");
            Graph g = b.build("loss", loss);
            Map<String, Tensor> feeds = new HashMap<>(Map.of("x", random(rnd, 3, 2, 4), "w", transB ? random(rnd, 5, 4) : random(rnd, 4, 5),
                    "r", random(rnd, 3, 2, 5)));
            GradientCheck.check(g, "loss", feeds, List.of("x", "w"), TOL);
            Graph grad = Grad.of(g, "loss", List.of("x", "w"));
            // not one (4, 5) product per batch, summed: a batched matmul whose matrices have w's shape
            assertTrue(grad.nodes().stream().noneMatch(n -> n.op().name().equals("matmul") && n.outputs().get(0).rank() == 3
                    && n.outputs().get(0).shape().dims().subList(1, 3).equals(w.shape().dims())), "\n" + grad);
        }
    }

    @TestFactory
    Stream<DynamicTest> scanGradientMatchesFiniteDifferences() {
        return Stream.of(false, true).flatMap(rev -> Stream.of(false, true).map(len -> DynamicTest.dynamicTest(
                (rev ? "reverse" : "forward") + (len ? " with lengths" : ""), () -> {
                    Map<String, Tensor> feeds = rnnFeeds(4, 3);
                    if (!len) {
                        feeds.remove("len");
                    }
                    GradientCheck.check(rnnScan(rev, len), "loss", feeds, List.of("xs", "h0", "c0", "w", "u"), TOL);
                })));
    }

    @Test
    void zeroLengthScanPassesCotangentsToTheInitialCarries() {
        Map<String, Tensor> feeds = rnnFeeds(0, 5);
        feeds.remove("len");
        GradientCheck.check(rnnScan(false, false), "loss", feeds, List.of("h0", "c0", "w", "u"), TOL);
    }

    @Test
    void nestedScanGradient() {
        var b = new Builder();
        Value xs = b.input("xs", F64, "T", "U", 2, 2);
        Value w = b.input("w", F64, 2, 2);
        Value h0 = b.input("h0", F64, 2, 2);
        ScanResult outer = b.scan(List.of(h0), List.of(xs), (c, s) -> {
            ScanResult inner = b.scan(ScanOptions.DEFAULT.reverse(), List.of(c.get(0)), List.of(s.get(0)), (c2, s2) -> {
                Value h = b.tanh(b.add(b.matmul(c2.get(0), w), s2.get(0)));
                return Step.of(List.of(h), List.of(b.mul(h, s2.get(0))));
            });
            return Step.of(inner.carries(), List.of(b.sum(inner.outputs().get(0), 0)));
        });
        Value loss = b.add(weightedSum(b, outer.outputs().get(0), "ry"), weightedSum(b, outer.carries().get(0), "rh"));
        var rnd = new Random(9);
        Map<String, Tensor> feeds = new HashMap<>(Map.of("xs", random(rnd, 3, 2, 2, 2), "w", random(rnd, 2, 2), "h0", random(rnd, 2, 2),
                "ry", random(rnd, 3, 2, 2), "rh", random(rnd, 2, 2)));
        GradientCheck.check(b.build("loss", loss), "loss", feeds, List.of("xs", "w", "h0"), TOL);
    }

    @Test
    void boolMaskGradient() {
        var b = new Builder();
        Value xs = b.input("xs", F64, "T", "B", 2);
        Value mask = b.input("mask", dev.spool.graph.DType.BOOL, "T", "B");
        Value w = b.input("w", F64, 2, 2);
        ScanResult r = b.scan(ScanOptions.DEFAULT.mask(mask), List.of(b.zeros(F64, "B", 2)), List.of(xs), (c, s) -> {
            Value h = b.tanh(b.add(b.matmul(c.get(0), w), s.get(0)));
            return Step.of(List.of(h), List.of(h));
        });
        Value loss = b.add(weightedSum(b, r.outputs().get(0), "ry"), weightedSum(b, r.carries().get(0), "rh"));
        var rnd = new Random(4);
        Map<String, Tensor> feeds = new HashMap<>(Map.of("xs", random(rnd, 3, 2, 2), "w", random(rnd, 2, 2),
                "mask", Tensor.ofBools(new int[] {3, 2}, true, false, false, true, true, true),
                "ry", random(rnd, 3, 2, 2), "rh", random(rnd, 2, 2)));
        GradientCheck.check(b.build("loss", loss), "loss", feeds, List.of("xs", "w"), TOL);
    }

    /**
     * The backward body divides by the carry that entered the step. A masked scan used to stack its
     * residuals with zeros on inactive rows, so the VJP computed 0 * (x / 0^2) = NaN there, which
     * leaked into the weight gradient (summed over rows) although every true gradient is finite.
     */
    @Test
    void maskedScanGradientIsFiniteWhenAStepIsFullyMasked() {
        var b = new Builder();
        Value xs = b.input("xs", F64, 4, "B", 2);
        Value mask = b.input("mask", dev.spool.graph.DType.BOOL, 4, "B");
        Value w = b.input("w", F64, 2);
        Value h0 = b.input("h0", F64, "B", 2);
        ScanResult r = b.scan(ScanOptions.DEFAULT.mask(mask), List.of(h0), List.of(xs), (c, s) -> {
            Value h = b.add(c.get(0), b.mul(b.scalar(0.1, F64), b.tanh(b.mul(b.div(s.get(0), c.get(0)), w))));
            return Step.of(List.of(h), List.of(b.div(s.get(0), h)));
        });
        Value loss = b.add(weightedSum(b, r.outputs().get(0), "ry"), weightedSum(b, r.carries().get(0), "rh"));
        Graph g = b.build("loss", loss);
        var rnd = new Random(21);
        Tensor h0v = random(rnd, 2, 2);
        for (int i = 0; i < h0v.size(); i++) {
            h0v.setDouble(i, 1 + 0.2 * h0v.getDouble(i));
        }
        Map<String, Tensor> feeds = new HashMap<>(Map.of("xs", random(rnd, 4, 2, 2), "w", random(rnd, 2), "h0", h0v,
                // step 1 is masked for both rows, row 1 also at steps 2 and 3
                "mask", Tensor.ofBools(new int[] {4, 2}, true, true, false, false, true, false, true, false),
                "ry", random(rnd, 4, 2, 2), "rh", random(rnd, 2, 2)));
        List<String> wrt = List.of("xs", "w", "h0");
        GradientCheck.check(g, "loss", feeds, wrt, TOL);
        // Checkpointing (chunks of 2 steps, the mask split per chunk) gives the same gradients.
        Map<String, Tensor> full = CpuBackend.compile(Grad.of(g, "loss", wrt)).run(feeds);
        Map<String, Tensor> ck = CpuBackend.compile(Grad.of(g, "loss", wrt, 2)).run(feeds);
        for (String k : full.keySet()) {
            org.junit.jupiter.api.Assertions.assertArrayEquals(full.get(k).toDoubles(), ck.get(k).toDoubles(), 1e-12, k);
        }
    }

    /**
     * The body computes in (H, B) layout, so its residuals (the transposed carry, the tanh output)
     * do not have the batch dim first. A masked scan can stack only batch-first outputs: its shape
     * check bound the symbolic B to H instead, and the gradient graph was wrong for B != H.
     */
    @Test
    void maskedScanGradientWithNonBatchFirstResidual() {
        var b = new Builder();
        Value xs = b.input("xs", F64, "T", "B", 2);
        Value len = b.input("len", I64, "B");
        Value w = b.input("w", F64, 2, 2);
        Value h0 = b.input("h0", F64, "B", 2);
        ScanResult r = b.scan(ScanOptions.DEFAULT.lengths(len).reverse(), List.of(h0), List.of(xs), (c, s) -> {
            Value a = b.tanh(b.add(b.matmul(w, b.transpose(c.get(0), 1, 0)), b.transpose(s.get(0), 1, 0)));
            Value h = b.transpose(a, 1, 0);
            return Step.of(List.of(h), List.of(b.mul(h, h)));
        });
        Value loss = b.add(weightedSum(b, r.outputs().get(0), "ry"), weightedSum(b, r.carries().get(0), "rh"));
        var rnd = new Random(5);
        Map<String, Tensor> feeds = new HashMap<>(Map.of("xs", random(rnd, 3, 3, 2), "w", random(rnd, 2, 2), "h0", random(rnd, 3, 2),
                "len", Tensor.ofLongs(new int[] {3}, 3, 1, 0), "ry", random(rnd, 3, 3, 2), "rh", random(rnd, 3, 2)));
        GradientCheck.check(b.build("loss", loss), "loss", feeds, List.of("xs", "w", "h0"), TOL);
    }

    /** A nested scan's residuals are (U, B, H) per outer step: stacked by a masked outer scan, not batch-first. */
    @Test
    void maskedScanGradientWithNestedScanResidual() {
        var b = new Builder();
        Value zs = b.input("zs", F64, "T", 2, "B", 2);
        Value len = b.input("len", I64, "B");
        Value w = b.input("w", F64, 2, 2);
        Value h0 = b.input("h0", F64, "B", 2);
        ScanResult outer = b.scan(ScanOptions.DEFAULT.lengths(len), List.of(h0), List.of(zs), (c, s) -> {
            ScanResult inner = b.scan(List.of(c.get(0)), List.of(s.get(0)), (c2, s2) -> {
                Value h = b.tanh(b.add(b.matmul(c2.get(0), w), s2.get(0)));
                return Step.of(List.of(h), List.of(b.mul(h, s2.get(0))));
            });
            return Step.of(inner.carries(), List.of(b.sum(inner.outputs().get(0), 0)));
        });
        Value loss = b.add(weightedSum(b, outer.outputs().get(0), "ry"), weightedSum(b, outer.carries().get(0), "rh"));
        var rnd = new Random(8);
        Map<String, Tensor> feeds = new HashMap<>(Map.of("zs", random(rnd, 3, 2, 3, 2), "w", random(rnd, 2, 2), "h0", random(rnd, 3, 2),
                "len", Tensor.ofLongs(new int[] {3}, 2, 3, 0), "ry", random(rnd, 3, 3, 2), "rh", random(rnd, 3, 2)));
        GradientCheck.check(b.build("loss", loss), "loss", feeds, List.of("zs", "w", "h0"), TOL);
    }

    /** Random elementwise/matmul bodies: each op reads random earlier values of the step. */
    @TestFactory
    Stream<DynamicTest> randomScanBodiesMatchFiniteDifferences() {
        return IntStream.range(0, 12).mapToObj(seed -> DynamicTest.dynamicTest("random body " + seed, () -> {
            var rnd = new Random(100 + seed);
            boolean reverse = rnd.nextBoolean();
            boolean lengths = rnd.nextBoolean();
            var b = new Builder();
            Value xs = b.input("xs", F64, "T", "B", 2);
            Value h0 = b.input("h0", F64, "B", 2);
            Value w = b.input("w", F64, 2, 2);
            Value bias = b.input("bias", F64, 2);
            ScanOptions opts = reverse ? ScanOptions.DEFAULT.reverse() : ScanOptions.DEFAULT;
            if (lengths) {
                opts = opts.lengths(b.input("len", I64, "B"));
            }
            int ops = 3 + rnd.nextInt(6);
            long bodySeed = rnd.nextLong();
            ScanResult r = b.scan(opts, List.of(h0, h0), List.of(xs), (c, s) -> {
                var pick = new Random(bodySeed);
                List<Value> pool = new ArrayList<>(List.of(c.get(0), c.get(1), s.get(0)));
                for (int k = 0; k < ops; k++) {
                    Value a = pool.get(pick.nextInt(pool.size()));
                    Value z = pool.get(pick.nextInt(pool.size()));
                    pool.add(switch (pick.nextInt(7)) {
                        case 0 -> b.tanh(a);
                        case 1 -> b.sigmoid(a);
                        case 2 -> b.add(a, z);
                        case 3 -> b.mul(a, z);
                        case 4 -> b.sub(a, b.matmul(z, w));
                        case 5 -> b.add(a, bias);
                        default -> b.tanh(b.matmul(a, w, false, true));
                    });
                }
                Value next = pool.get(pool.size() - 1);
                return Step.of(List.of(next, pool.get(pool.size() - 2)), List.of(b.tanh(next)));
            });
            Value loss = b.add(weightedSum(b, r.outputs().get(0), "ry"),
                    b.add(weightedSum(b, r.carries().get(0), "rh"), weightedSum(b, r.carries().get(1), "rc")));
            Map<String, Tensor> feeds = new HashMap<>();
            int steps = 1 + rnd.nextInt(4);
            feeds.put("xs", random(rnd, steps, 3, 2));
            feeds.put("h0", random(rnd, 3, 2));
            feeds.put("w", random(rnd, 2, 2));
            feeds.put("bias", random(rnd, 2));
            feeds.put("ry", random(rnd, steps, 3, 2));
            feeds.put("rh", random(rnd, 3, 2));
            feeds.put("rc", random(rnd, 3, 2));
            if (lengths) {
                feeds.put("len", Tensor.ofLongs(new int[] {3}, steps, rnd.nextInt(steps + 1), 1));
            }
            GradientCheck.check(b.build("loss", loss), "loss", feeds, List.of("xs", "h0", "w", "bias"), TOL);
        }));
    }

    @TestFactory
    Stream<DynamicTest> checkpointingGivesIdenticalGradientsWithLessMemory() {
        return Stream.of(new int[] {6, 2, 0}, new int[] {6, 3, 1}, new int[] {6, 2, 2}, new int[] {4, 4, 0}).map(c -> DynamicTest.dynamicTest(
                "T=" + c[0] + " every " + c[1] + (c[2] == 1 ? " reverse" : c[2] == 2 ? " lengths" : ""), () -> {
                    Graph g = rnnScan(c[2] == 1, c[2] == 2, c[0]);
                    Map<String, Tensor> feeds = rnnFeeds(c[0], 11);
                    if (c[2] != 2) {
                        feeds.remove("len");
                    }
                    List<String> wrt = List.of("xs", "h0", "c0", "w", "u");
                    Graph full = Grad.of(g, "loss", wrt);
                    Graph ck = Grad.of(g, "loss", wrt, c[1]);
                    Map<String, Tensor> a = CpuBackend.compile(full).run(feeds);
                    Map<String, Tensor> r = CpuBackend.compile(ck).run(feeds);
                    for (String k : a.keySet()) {
                        double[] x = a.get(k).toDoubles();
                        double[] y = r.get(k).toDoubles();
                        for (int i = 0; i < x.length; i++) {
                            org.junit.jupiter.api.Assertions.assertEquals(x[i], y[i], 1e-12 * Math.max(1, Math.abs(x[i])), k + "[" + i + "]");
                        }
                    }
                    long fullBytes = dev.spool.compiler.ScanMemory.stackedBytes(full, Map.of("B", 3));
                    long ckBytes = dev.spool.compiler.ScanMemory.stackedBytes(ck, Map.of("B", 3));
                    if (c[0] > c[1]) {
                        assertTrue(ckBytes < fullBytes, "checkpointed " + ckBytes + " bytes vs " + fullBytes);
                    } else {
                        org.junit.jupiter.api.Assertions.assertEquals(fullBytes, ckBytes, "a scan no longer than k is left alone");
                    }
                }));
    }

    @Test
    void checkpointingRefusesALengthThatIsNotAMultiple() {
        var e = org.junit.jupiter.api.Assertions.assertThrows(dev.spool.graph.GraphException.class,
                () -> Grad.of(rnnScan(false, false, 5), "loss", List.of("w"), 2));
        assertTrue(e.getMessage().contains("divisible by 2, got 5"), e.getMessage());
    }

    @Test
    void edgeCasesIntCarriesPassThroughInvariantsAndUnusedOutputs() {
        // An I64 step counter rides along, the body returns an invariant as an output, one output is unused.
        var b = new Builder();
        Value xs = b.input("xs", F64, "T", 2);
        Value w = b.input("w", F64, 2);
        Value count0 = b.constant(Tensor.scalar(0, I64));
        ScanResult r = b.scan(List.of(count0, b.zeros(F64, 2)), List.of(xs), (c, s) -> {
            Value count = b.add(c.get(0), b.constant(Tensor.scalar(1, I64)));
            Value h = b.tanh(b.add(b.mul(c.get(1), w), s.get(0)));
            return Step.of(List.of(count, h), List.of(w, b.exp(h), h));
        });
        Value loss = b.add(weightedSum(b, r.outputs().get(0), "rw"), weightedSum(b, r.outputs().get(2), "ry"));
        var rnd = new Random(12);
        Map<String, Tensor> feeds = new HashMap<>(Map.of("xs", random(rnd, 3, 2), "w", random(rnd, 2),
                "rw", random(rnd, 3, 2), "ry", random(rnd, 3, 2)));
        GradientCheck.check(b.build("loss", loss, "count", r.carries().get(0)), "loss", feeds, List.of("xs", "w"), TOL);
    }

    @Test
    void backwardOfAScanIsASecondScanInTheOppositeDirection() {
        Graph g = Grad.of(rnnScan(false, false), "loss", List.of("w"));
        String text = g.toString();
        assertTrue(text.contains("carries=2 sequences=1 invariants=2]"), text);
        assertTrue(text.contains(" reverse]"), "the backward scan runs in reverse:\n" + text);
    }
}
