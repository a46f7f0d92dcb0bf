package dev.spool.nn;

import dev.spool.backend.cpu.CpuBackend;
import dev.spool.compiler.DeadCodeElimination;
import dev.spool.compiler.Pipeline;
import dev.spool.compiler.Simplify;
import dev.spool.compiler.VerifyPass;
import dev.spool.graph.DType;
import dev.spool.graph.Graph;
import dev.spool.graph.Tensor;
import dev.spool.graph.Value;
import dev.spool.graph.internal.Node;
import dev.spool.graph.internal.ScanOp;
import dev.spool.ops.internal.MatMul;
import dev.spool.ops.internal.OneHot;
import dev.spool.ops.internal.Pad;
import dev.spool.ops.internal.Reshape;

import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Simplify on the graphs it is for: the GRU and LSTM layer gradients and the char-LM training
 * step give the same f64 values with and without the pass, with fewer nodes, no pads left in the
 * scan bodies (gate gradients are concats) and no matmul by a one-hot left (lookups instead).
 */
class SimplifyRecurrentTest {
    private static final int T = 4;
    private static final int B = 3;

    private static final Pipeline ON = new Pipeline(List.of(new VerifyPass(), new Simplify(), new DeadCodeElimination()));
    private static final Pipeline OFF = new Pipeline(List.of(new VerifyPass(), new DeadCodeElimination()));

    @TestFactory
    Stream<DynamicTest> layerGradients() {
        return Stream.of(CellType.GRU, CellType.LSTM).flatMap(cell -> Stream.of(
                new RecurrentConfig(cell, 3, 4, 1, false, false, DType.F64),
                new RecurrentConfig(cell, 3, 4, 2, true, true, DType.F64))).flatMap(cfg -> Stream.of(false, true).map(lengths ->
                DynamicTest.dynamicTest(cfg.describe() + (lengths ? " lengths" : ""), () -> {
                    Graph g = RecurrentLayer.gradientGraph(cfg, lengths, true, cfg.cell().hasCellState());
                    assertTrue(padsInScanBodies(g) > 0);
                    Graph s = compareAndSimplify(g, layerFeeds(g, cfg, new Random(cfg.hashCode())));
                    assertEquals(0, padsInScanBodies(s), "gate gradients are concats, not sums of pads:\n" + s);
                })));
    }

    @TestFactory
    Stream<DynamicTest> languageModelTrainingStep() {
        return Stream.of(CellType.RNN, CellType.GRU, CellType.LSTM).flatMap(cell -> Stream.of(0, 2).map(every ->
                DynamicTest.dynamicTest(cell + (every > 0 ? " checkpointed" : ""), () -> {
                    var lm = new LanguageModel(new RecurrentConfig(cell, 5, 3, 1, false, false, DType.F64));
                    Graph g = every > 0 ? lm.trainingGraph(T, every) : lm.trainingGraph();
                    assertTrue(oneHotMatmuls(g) > 0);
                    Graph s = compareAndSimplify(g, lmFeeds(g, lm.vocab(), new Random(cell.ordinal())));
                    assertEquals(0, oneHotMatmuls(s), "the one-hot projection and its gradient are lookups:\n" + s);
                })));
    }

    /** Runs g with and without Simplify, asserts equal results and fewer nodes, and returns the simplified graph. */
    private static Graph compareAndSimplify(Graph g, Map<String, Tensor> feeds) {
        Map<String, Tensor> off = CpuBackend.compile(g, OFF).run(feeds);
        Map<String, Tensor> on = CpuBackend.compile(g, ON).run(feeds);
        assertEquals(off.keySet(), on.keySet());
        for (String k : off.keySet()) {
            assertArrayEquals(off.get(k).shape(), on.get(k).shape(), k);
            assertArrayEquals(off.get(k).toDoubles(), on.get(k).toDoubles(), 1e-12, k);
        }
        Graph before = OFF.run(g);
        Graph after = ON.run(g);
        assertTrue(nodes(after) < nodes(before), "simplify kept " + nodes(after) + " of " + nodes(before) + " nodes");
        return after;
    }

    private static Map<String, Tensor> layerFeeds(Graph g, RecurrentConfig cfg, Random rnd) {
        Map<String, Tensor> feeds = randomFloats(g, rnd);
        Tensor lengths = Tensor.zeros(DType.I64, B);
        for (int i = 0; i < B; i++) {
            lengths.setLong(i, 1 + rnd.nextInt(T));
        }
        feeds.put("lengths", lengths);
        return feeds;
    }

    private static Map<String, Tensor> lmFeeds(Graph g, int vocab, Random rnd) {
        Map<String, Tensor> feeds = randomFloats(g, rnd);
        for (String name : List.of("tokens", "targets")) {
            Tensor t = Tensor.zeros(DType.I64, T, B);
            for (int i = 0; i < t.size(); i++) {
                t.setLong(i, rnd.nextInt(vocab));
            }
            feeds.put(name, t);
        }
        return feeds;
    }

    /** Gaussian values for every float param of g, with T and B bound. */
    private static Map<String, Tensor> randomFloats(Graph g, Random rnd) {
        Map<String, Tensor> feeds = new HashMap<>();
        for (Value p : g.params()) {
            if (p.dtype().isFloat()) {
                Tensor t = Tensor.zeros(p.dtype(), p.shape().sizes(Map.of("T", T, "B", B)));
                for (int i = 0; i < t.size(); i++) {
                    t.setDouble(i, rnd.nextGaussian() * 0.5);
                }
                feeds.put(g.source(p).label(), t);
            }
        }
        return feeds;
    }

    private static int nodes(Graph g) {
        int n = 0;
        for (Node node : g.nodes()) {
            n += 1 + (node.op() instanceof ScanOp s ? nodes(s.body()) : 0);
        }
        return n;
    }

    private static int padsInScanBodies(Graph g) {
        int n = 0;
        for (Node node : g.nodes()) {
            if (node.op() instanceof ScanOp s) {
                n += (int) s.body().nodes().stream().filter(m -> m.op() instanceof Pad).count() + padsInScanBodies(s.body());
            }
        }
        return n;
    }

    private static int oneHotMatmuls(Graph g) {
        return oneHotMatmuls(g, new HashSet<>());
    }

    /**
     * Matmuls with a one-hot operand, in every scope. {@code oneHot} holds the ids of this scope's
     * single-output nodes known to be one-hots: one_hot nodes, reshapes of them, and body params
     * (slices, invariants) that a scan feeds from one.
     */
    private static int oneHotMatmuls(Graph g, Set<Integer> oneHot) {
        int n = 0;
        for (Node node : g.nodes()) {
            boolean fromOneHot = !node.inputs().isEmpty() && oneHot.contains(node.inputs().get(0).node());
            if (node.op() instanceof OneHot || node.op() instanceof Reshape && fromOneHot) {
                oneHot.add(node.id());
            } else if (node.op() instanceof MatMul) {
                n += node.inputs().stream().anyMatch(v -> oneHot.contains(v.node())) ? 1 : 0;
            } else if (node.op() instanceof ScanOp s) {
                Set<Integer> inBody = new HashSet<>();
                int from = s.numCarries();
                for (int i = from; i < s.body().params().size(); i++) {
                    if (oneHot.contains(node.inputs().get(i).node())) {
                        inBody.add(s.body().params().get(i).node());
                    }
                }
                n += oneHotMatmuls(s.body(), inBody);
            }
        }
        return n;
    }
}
