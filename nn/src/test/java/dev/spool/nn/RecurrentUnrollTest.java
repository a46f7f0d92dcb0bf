package dev.spool.nn;

import dev.spool.backend.cpu.CpuBackend;
import dev.spool.compiler.Pass;
import dev.spool.compiler.Pipeline;
import dev.spool.compiler.Unroll;
import dev.spool.compiler.VerifyPass;
import dev.spool.graph.DType;
import dev.spool.graph.Dim;
import dev.spool.graph.Graph;
import dev.spool.graph.GraphException;
import dev.spool.graph.Tensor;
import dev.spool.graph.TensorType;
import dev.spool.graph.internal.Node;
import dev.spool.graph.internal.ScanOp;
import dev.spool.graph.internal.Verifier;

import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * LSTM and GRU layers (one and two layers, uni- and bidirectional, with and without lengths, time-
 * major and batch-first) unrolled fully and by 3 give the scan version's outputs and gradients, f64
 * to 1e-12. T is bound to 5 (so by 3 leaves 2 leftover steps): the forward graph's symbol T is
 * mapped to 5, the gradient graph is built with {@code steps = 5}. Both run the standard pipeline;
 * the unrolled one has the unroll pass first.
 */
class RecurrentUnrollTest {
    private static final int STEPS = 5;
    private static final int BATCH = 3;
    private static final double TOL = 1e-12;

    @TestFactory
    Stream<DynamicTest> unrolledLayersMatchTheScanOutputsAndGradients() {
        List<DynamicTest> tests = new ArrayList<>();
        for (CellType cell : List.of(CellType.LSTM, CellType.GRU)) {
            for (int layers : new int[] {1, 2}) {
                for (boolean bidirectional : new boolean[] {false, true}) {
                    for (boolean lengths : new boolean[] {false, true}) {
                        for (boolean batchFirst : new boolean[] {false, true}) {
                            var cfg = new RecurrentConfig(cell, 3, 4, layers, bidirectional, batchFirst, DType.F64);
                            String name = cell.cliName() + " l" + layers + (bidirectional ? " bi" : " uni") + (lengths ? " lengths" : "")
                                    + (batchFirst ? " batch-first" : "");
                            for (int k : new int[] {0, 3}) {
                                tests.add(DynamicTest.dynamicTest(name + (k == 0 ? " full" : " by " + k), () -> check(cfg, lengths, k)));
                            }
                        }
                    }
                }
            }
        }
        return tests.stream();
    }

    private static void check(RecurrentConfig cfg, boolean lengths, int k) {
        Map<String, Tensor> feeds = feeds(cfg, lengths);
        Graph forward = RecurrentLayer.graph(cfg, true, lengths).mapDims(d -> d.equals(Dim.of("T")) ? Dim.of(STEPS) : d);
        Verifier.verify(forward);
        Map<String, Tensor> in = new HashMap<>(feeds);
        in.keySet().removeIf(n -> n.startsWith("grad_"));
        assertClose(forward, k, in);
        Graph grads = RecurrentLayer.gradientGraph(cfg, lengths, true, cfg.cell().hasCellState(), 0, STEPS);
        assertClose(grads, k, feeds);
    }

    /** The graph run as scan and unrolled by k (0: fully); every result within TOL. */
    private static void assertClose(Graph g, int k, Map<String, Tensor> feeds) {
        List<Pass> passes = new ArrayList<>(List.of(new VerifyPass(), new Unroll(k)));
        passes.addAll(Pipeline.standard().passes());
        Pipeline unrolling = new Pipeline(passes);
        Graph unrolled = new Unroll(k).run(g.bind("T", STEPS));
        long loops = unrolled.nodes().stream().filter(n -> n.op() instanceof ScanOp).count();
        assertEquals(k == 0 ? 0 : scans(g), loops, "scans left after unroll " + k);
        Map<String, Tensor> want = CpuBackend.compile(g).run(feeds);
        Map<String, Tensor> got = CpuBackend.compile(g, unrolling).run(feeds);
        assertEquals(want.keySet(), got.keySet());
        for (String r : want.keySet()) {
            double[] a = want.get(r).toDoubles();
            double[] b = got.get(r).toDoubles();
            assertArrayEquals(want.get(r).shape(), got.get(r).shape(), r);
            for (int i = 0; i < a.length; i++) {
                assertEquals(a[i], b[i], TOL * Math.max(1, Math.abs(a[i])), r + "[" + i + "]");
            }
        }
    }

    @Test
    void aLayerWithSymbolicTimeIsRefusedNamingTheScan() {
        var cfg = new RecurrentConfig(CellType.GRU, 3, 4, 1, true, false, DType.F64);
        Graph g = RecurrentLayer.graph(cfg, false, true);
        GraphException e = assertThrows(GraphException.class, () -> Unroll.full().run(g));
        assertTrue(e.getMessage().matches("scan#\\d+: cannot unroll a scan of symbolic length T; bind the sequence length to a size.*"),
                e.getMessage());
        assertEquals(scans(g), scans(Unroll.wherePossible(3).run(g)));
    }

    private static long scans(Graph g) {
        return g.nodes().stream().map(Node::op).filter(ScanOp.class::isInstance).count();
    }

    private static Map<String, Tensor> feeds(RecurrentConfig cfg, boolean lengths) {
        var rnd = new Random(cfg.hashCode() + (lengths ? 1 : 0));
        Map<String, Tensor> f = new HashMap<>();
        for (Map.Entry<String, TensorType> w : cfg.weightTypes().entrySet()) {
            f.put(w.getKey(), random(rnd, w.getValue().shape().sizes()));
        }
        int[] states = {cfg.layers() * cfg.directions(), BATCH, cfg.hiddenSize()};
        int[] output = cfg.batchFirst() ? new int[] {BATCH, STEPS, cfg.directions() * cfg.hiddenSize()}
                : new int[] {STEPS, BATCH, cfg.directions() * cfg.hiddenSize()};
        f.put("input", random(rnd, cfg.batchFirst() ? new int[] {BATCH, STEPS, cfg.inputSize()} : new int[] {STEPS, BATCH, cfg.inputSize()}));
        f.put("h0", random(rnd, states));
        f.put("grad_output", random(rnd, output));
        f.put("grad_h_n", random(rnd, states));
        if (cfg.cell().hasCellState()) {
            f.put("c0", random(rnd, states));
            f.put("grad_c_n", random(rnd, states));
        }
        if (lengths) {
            f.put("lengths", Tensor.ofLongs(new int[] {BATCH}, STEPS, 2, 4));
        }
        return f;
    }

    private static Tensor random(Random rnd, int... shape) {
        Tensor t = Tensor.zeros(DType.F64, shape);
        for (int i = 0; i < t.size(); i++) {
            t.setDouble(i, rnd.nextGaussian() * 0.5);
        }
        return t;
    }
}
