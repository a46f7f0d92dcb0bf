package dev.spool.backend.cpu;

import dev.spool.compiler.DeadCodeElimination;
import dev.spool.compiler.Pipeline;
import dev.spool.compiler.Unroll;
import dev.spool.compiler.VerifyPass;
import dev.spool.graph.DType;
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

import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.stream.Stream;

import static dev.spool.graph.DType.BOOL;
import static dev.spool.graph.DType.F32;
import static dev.spool.graph.DType.F64;
import static dev.spool.graph.DType.I64;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Unrolled against scan on the reference backend, bit for bit: unrolling runs the same ops on the
 * same values (masking spelled out with {@code where}), so every result must be exactly equal. The
 * matrix: factor k ∈ {full, 1, 2, 3, T, T+1} × T ∈ {0, 1, 4, 5} × forward/reverse × no mask /
 * lengths / mask, over a cell with three carries (float, rank-1 float, integer) and an invariant;
 * nested scans; and gradient graphs of a small recurrent cell, unrolled after autodiff. Both sides
 * run without push-out (it batches GEMMs differently, which may change the last bits), and each
 * case also checks the structure: no scan left after a full unroll, a ⌊T/k⌋-step scan after by-k.
 */
class UnrollNumericTest {
    private static final int BATCH = 3;
    private static final int[] STEPS = {0, 1, 4, 5};
    private static final Pipeline SCAN = new Pipeline(List.of(new VerifyPass(), new DeadCodeElimination()));

    private enum Masking { NONE, LENGTHS, MASK }

    /** full (0), 1, 2, 3, T, T+1. */
    private static int[] factors(int steps) {
        return new int[] {0, 1, 2, 3, steps, steps + 1};
    }

    private static String factorName(int k) {
        return k == 0 ? "full" : "k=" + k;
    }

    private static ScanOptions options(Builder b, boolean reverse, Masking m, Object steps) {
        ScanOptions opts = reverse ? ScanOptions.DEFAULT.reverse() : ScanOptions.DEFAULT;
        return switch (m) {
            case NONE -> opts;
            case LENGTHS -> opts.lengths(b.input("lengths", I64, "B"));
            case MASK -> opts.mask(b.input("mask", BOOL, steps, "B"));
        };
    }

    /**
     * h' = tanh(x W^T + h U^T) (B, 2), s' = s + sum(h', 1) (B), n' = n + 1 (B, I64); outputs h' and s'·s'.
     * With a loss, the graph also returns {@code loss} = sum(y ⊙ r) + sum(h ⊙ rh) + sum(s).
     */
    private static Graph cell(int steps, boolean reverse, Masking m, DType dt, boolean withLoss) {
        var b = new Builder();
        Value x = b.input("x", dt, steps, "B", 3);
        Value w = b.parameter("w", dt, 2, 3);
        Value u = b.parameter("u", dt, 2, 2);
        Value h0 = b.input("h0", dt, "B", 2);
        ScanOptions opts = options(b, reverse, m, steps).carryNames("h", "s", "n");
        ScanResult r = b.scan(opts, List.of(h0, b.zeros(dt, "B"), b.zeros(I64, "B")), List.of(x), (c, s) -> {
            Value h = b.tanh(b.add(b.linear(s.get(0), w, null), b.linear(c.get(0), u, null)));
            Value sum = b.add(c.get(1), b.sum(h, 1));
            Value n = b.add(c.get(2), b.scalar(1, I64));
            return Step.of(List.of(h, sum, n), List.of(h, b.mul(sum, sum)));
        });
        if (!withLoss) {
            return b.build("h", r.carries().get(0), "s", r.carries().get(1), "n", r.carries().get(2),
                    "ys", r.outputs().get(0), "zs", r.outputs().get(1));
        }
        Value ry = b.input("ry", dt, steps, "B", 2);
        Value rh = b.input("rh", dt, "B", 2);
        Value loss = b.add(b.add(b.sum(b.mul(r.outputs().get(0), ry)), b.sum(b.mul(r.carries().get(0), rh))),
                b.add(b.sum(r.carries().get(1)), b.sum(r.outputs().get(1))));
        return b.build("loss", loss, "n", r.carries().get(2));
    }

    private static Map<String, Tensor> cellFeeds(int steps, Masking m, DType dt, long seed) {
        var rnd = new Random(seed);
        Map<String, Tensor> f = new HashMap<>();
        f.put("x", random(rnd, dt, steps, BATCH, 3));
        f.put("w", random(rnd, dt, 2, 3));
        f.put("u", random(rnd, dt, 2, 2));
        f.put("h0", random(rnd, dt, BATCH, 2));
        f.put("ry", random(rnd, dt, steps, BATCH, 2));
        f.put("rh", random(rnd, dt, BATCH, 2));
        if (m == Masking.LENGTHS) {
            f.put("lengths", Tensor.ofLongs(new int[] {BATCH}, steps, 0, steps / 2 + (steps % 2)));
        } else if (m == Masking.MASK) {
            boolean[] bits = new boolean[steps * BATCH];
            for (int i = 0; i < bits.length; i++) {
                bits[i] = rnd.nextBoolean();
            }
            f.put("mask", Tensor.ofBools(new int[] {steps, BATCH}, bits));
        }
        return f;
    }

    @TestFactory
    Stream<DynamicTest> cellMatchesTheScanBitForBit() {
        List<DynamicTest> tests = new ArrayList<>();
        for (DType dt : List.of(F64, F32)) {
            for (int steps : STEPS) {
                for (boolean reverse : new boolean[] {false, true}) {
                    for (Masking m : Masking.values()) {
                        for (int k : factors(steps)) {
                            String name = dt + " T=" + steps + " " + factorName(k) + (reverse ? " reverse" : "") + " " + m;
                            tests.add(DynamicTest.dynamicTest(name, () -> {
                                Graph g = cell(steps, reverse, m, dt, false);
                                Map<String, Tensor> feeds = cellFeeds(steps, m, dt, 11L * steps + k);
                                feeds.remove("ry");
                                feeds.remove("rh");
                                assertUnrolledEqual(g, k, feeds, steps);
                            }));
                        }
                    }
                }
            }
        }
        return tests.stream();
    }

    @TestFactory
    Stream<DynamicTest> gradientGraphsUnrolledAfterAutodiffMatchBitForBit() {
        List<DynamicTest> tests = new ArrayList<>();
        for (int steps : STEPS) {
            for (boolean reverse : new boolean[] {false, true}) {
                for (Masking m : Masking.values()) {
                    for (int k : factors(steps)) {
                        String name = "T=" + steps + " " + factorName(k) + (reverse ? " reverse" : "") + " " + m;
                        tests.add(DynamicTest.dynamicTest(name, () -> {
                            Graph g = Grad.of(cell(steps, reverse, m, F64, true), "loss", List.of("x", "w", "u", "h0"));
                            assertEquals(2, scans(g, false).size(), "a forward and a backward scan:\n" + g);
                            assertUnrolledEqual(g, k, cellFeeds(steps, m, F64, 7L * steps + k), steps);
                        }));
                    }
                }
            }
        }
        return tests.stream();
    }

    /** xs: (T, 3, B, 1); the inner scan (length 3, opposite direction) sums x·scale into the outer carry; inner: (T, B, 3, 1). */
    private static Graph nested(Object steps, boolean reverse, Masking m) {
        var b = new Builder();
        Value xs = b.input("xs", F64, steps, 3, "B", 1);
        Value scale = b.parameter("scale", F64, 1);
        ScanOptions inner = reverse ? ScanOptions.DEFAULT : ScanOptions.DEFAULT.reverse();
        ScanResult outer = b.scan(options(b, reverse, m, steps), List.of(b.zeros(F64, "B", 1)), List.of(xs), (c, s) -> {
            ScanResult in = b.scan(inner, List.of(c.get(0)), List.of(s.get(0)), (c2, s2) -> {
                Value next = b.tanh(b.add(c2.get(0), b.mul(scale, s2.get(0))));
                return Step.of(List.of(next), List.of(b.mul(next, s2.get(0))));
            });
            // The inner outputs (3, B, 1) go out batch-first, as a masked outer scan requires.
            return Step.of(in.carries(), List.of(b.transpose(in.outputs().get(0), 1, 0, 2), in.carries().get(0)));
        });
        Value loss = b.add(b.sum(outer.carries().get(0)), b.sum(b.mul(outer.outputs().get(0), outer.outputs().get(0))));
        return b.build("loss", loss, "total", outer.carries().get(0), "inner", outer.outputs().get(0), "partial", outer.outputs().get(1));
    }

    @TestFactory
    Stream<DynamicTest> nestedScansAndTheirGradientsMatchBitForBit() {
        List<DynamicTest> tests = new ArrayList<>();
        for (int steps : STEPS) {
            for (boolean reverse : new boolean[] {false, true}) {
                for (Masking m : Masking.values()) {
                    for (int k : factors(steps)) {
                        String name = "T=" + steps + " " + factorName(k) + (reverse ? " reverse" : "") + " " + m;
                        tests.add(DynamicTest.dynamicTest(name, () -> {
                            var rnd = new Random(steps * 31L + k);
                            Map<String, Tensor> feeds = cellFeeds(steps, m, F64, steps);
                            Map<String, Tensor> f = new HashMap<>();
                            f.put("xs", random(rnd, F64, steps, 3, BATCH, 1));
                            f.put("scale", random(rnd, F64, 1));
                            for (String key : List.of("lengths", "mask")) {
                                if (feeds.containsKey(key)) {
                                    f.put(key, feeds.get(key));
                                }
                            }
                            Graph g = nested(steps, reverse, m);
                            assertUnrolledEqual(g, k, f, steps);
                            assertUnrolledEqual(Grad.of(g, "loss", List.of("xs", "scale")), k, f, steps);
                        }));
                    }
                }
            }
        }
        return tests.stream();
    }

    @TestFactory
    Stream<DynamicTest> scansWithoutSequencesMatchBitForBit() {
        // (a, b) -> (b, a + k·b) with an invariant k and no sequences: the length comes from the options.
        List<DynamicTest> tests = new ArrayList<>();
        for (int steps : STEPS) {
            for (boolean reverse : new boolean[] {false, true}) {
                for (int k : factors(steps)) {
                    tests.add(DynamicTest.dynamicTest("T=" + steps + " " + factorName(k) + (reverse ? " reverse" : ""), () -> {
                        var b = new Builder();
                        Value scale = b.input("k", F64);
                        ScanOptions opts = ScanOptions.DEFAULT.length(steps);
                        ScanResult r = b.scan(reverse ? opts.reverse() : opts, List.of(b.fill(0.5, F64), b.fill(1, F64)), List.of(), (c, s) -> {
                            Value next = b.add(c.get(0), b.mul(scale, c.get(1)));
                            return Step.of(List.of(c.get(1), next), List.of(next));
                        });
                        Graph g = b.build("a", r.carries().get(0), "b", r.carries().get(1), "ys", r.outputs().get(0));
                        assertUnrolledEqual(g, k, Map.of("k", Tensor.scalar(0.3, F64)), steps);
                    }));
                }
            }
        }
        return tests.stream();
    }

    @TestFactory
    Stream<DynamicTest> aSymbolicOuterScanIsKeptWithItsInnerScanUnrolled() {
        List<DynamicTest> tests = new ArrayList<>();
        for (boolean reverse : new boolean[] {false, true}) {
            for (Masking m : Masking.values()) {
                tests.add(DynamicTest.dynamicTest((reverse ? "reverse " : "") + m, () -> {
                    Graph g = nested("T", reverse, m);
                    Graph kept = Unroll.wherePossible(0).run(g);
                    Verifier.verify(kept);
                    List<ScanOp> loops = scans(kept, true);
                    assertEquals(1, loops.size(), kept.toString());
                    assertEquals("T", loops.get(0).length().toString());
                    var rnd = new Random(3);
                    Map<String, Tensor> feeds = new HashMap<>(Map.of("xs", random(rnd, F64, 4, 3, BATCH, 1), "scale", random(rnd, F64, 1)));
                    cellFeeds(4, m, F64, 3).forEach((key, v) -> {
                        if (key.equals("lengths") || key.equals("mask")) {
                            feeds.put(key, v);
                        }
                    });
                    Map<String, Tensor> want = CpuBackend.compile(g, SCAN).run(feeds);
                    Map<String, Tensor> got = CpuBackend.compile(kept, SCAN).run(feeds);
                    for (String r : want.keySet()) {
                        assertArrayEquals(want.get(r).toDoubles(), got.get(r).toDoubles(), r);
                    }
                }));
            }
        }
        return tests.stream();
    }

    /** Runs g as scan and unrolled by k; every result must be identical, and the structure as k says. */
    private static void assertUnrolledEqual(Graph g, int k, Map<String, Tensor> feeds, int steps) {
        Graph unrolled = new Unroll(k).run(g);
        Verifier.verify(unrolled);
        checkStructure(g, unrolled, k, steps);
        Map<String, Tensor> want = CpuBackend.compile(g, SCAN).run(feeds);
        Map<String, Tensor> got = CpuBackend.compile(unrolled, SCAN).run(feeds);
        assertEquals(want.keySet(), got.keySet());
        for (String r : want.keySet()) {
            Tensor a = want.get(r);
            Tensor b = got.get(r);
            assertEquals(a.dtype(), b.dtype(), r);
            assertArrayEquals(a.shape(), b.shape(), r + " shape");
            assertArrayEquals(a.toDoubles(), b.toDoubles(), r + " differs");
        }
    }

    /**
     * k = 1: unchanged. Full: no scan left anywhere. By k: no masked scan left, and every scan left
     * is a chunk loop of at most ⌊L/k⌋ steps for an original length L; without nesting, the
     * chunk loops have ⌊T/k⌋ steps (with nesting, an inner chunk loop may land at top level in a leftover step).
     */
    private static void checkStructure(Graph g, Graph unrolled, int k, int steps) {
        if (k == 1) {
            assertEquals(g.toString(), unrolled.toString());
            return;
        }
        List<ScanOp> after = scans(unrolled, true);
        if (k == 0) {
            assertEquals(List.of(), after, "a full unroll leaves no scan:\n" + unrolled);
            return;
        }
        int longest = scans(g, true).stream().mapToInt(s -> s.length().size()).max().orElse(0);
        for (ScanOp s : after) {
            assertEquals(ScanOp.Masking.NONE, s.masking(), "a chunk loop applies the mask in its body:\n" + unrolled);
            assertTrue(s.length().size() <= longest / k, "a loop of " + s.length() + " steps is left:\n" + unrolled);
        }
        boolean flat = scans(g, true).size() == scans(g, false).size();
        for (ScanOp s : scans(unrolled, false)) {
            if (flat && k < steps) {
                assertEquals(steps / k, s.length().size(), unrolled.toString());
            }
        }
    }

    /** The scans of g, with those nested in scan bodies when {@code deep}. */
    private static List<ScanOp> scans(Graph g, boolean deep) {
        List<ScanOp> out = new ArrayList<>();
        for (Node n : g.nodes()) {
            if (n.op() instanceof ScanOp s) {
                out.add(s);
                if (deep) {
                    out.addAll(scans(s.body(), true));
                }
            }
        }
        return out;
    }

    private static Tensor random(Random rnd, DType dt, int... shape) {
        Tensor t = Tensor.zeros(dt, shape);
        for (int i = 0; i < t.size(); i++) {
            t.setDouble(i, rnd.nextGaussian() * 0.7);
        }
        return t;
    }
}
