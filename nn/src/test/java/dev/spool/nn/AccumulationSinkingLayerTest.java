package dev.spool.nn;

import dev.spool.backend.cpu.CpuBackend;
import dev.spool.compiler.AccumulationSinking;
import dev.spool.compiler.DeadCodeElimination;
import dev.spool.compiler.Pipeline;
import dev.spool.compiler.VerifyPass;
import dev.spool.graph.DType;
import dev.spool.graph.Graph;
import dev.spool.graph.Tensor;
import dev.spool.graph.TensorType;
import dev.spool.graph.Value;
import dev.spool.graph.internal.Node;
import dev.spool.graph.internal.ScanOp;

import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The {@code sink} pass on the recurrent layers' gradient graphs and the language model's training
 * graph: results are unchanged (f64, 1e-12), and every backward scan is left with only its state
 * cotangents: no carry with a weight's or bias's type remains in any scan.
 */
class AccumulationSinkingLayerTest {
    private static final Pipeline WITHOUT = new Pipeline(List.of(new VerifyPass(), new DeadCodeElimination()));
    private static final Pipeline WITH = new Pipeline(List.of(new VerifyPass(), new AccumulationSinking(), new DeadCodeElimination()));
    private static final int STEPS = 5;
    private static final int BATCH = 3;

    @TestFactory
    Stream<DynamicTest> layerGradientsAreUnchangedAndLoseTheirWeightCarries() {
        List<DynamicTest> tests = new ArrayList<>();
        for (CellType cell : List.of(CellType.RNN, CellType.GRU, CellType.LSTM)) {
            for (int layers = 1; layers <= 2; layers++) {
                for (boolean bidirectional : new boolean[] {false, true}) {
                    for (boolean lengths : new boolean[] {false, true}) {
                        var cfg = new RecurrentConfig(cell, 3, 4, layers, bidirectional, false, DType.F64);
                        String name = cell.cliName() + " layers=" + layers + (bidirectional ? " bidirectional" : "") + (lengths ? " lengths" : "");
                        tests.add(DynamicTest.dynamicTest(name, () -> checkLayer(cfg, lengths, name.hashCode())));
                    }
                }
            }
        }
        return tests.stream();
    }

    private static void checkLayer(RecurrentConfig cfg, boolean lengths, long seed) {
        Graph g = RecurrentLayer.gradientGraph(cfg, lengths, true, cfg.cell().hasCellState());
        var rnd = new Random(seed);
        Map<String, Tensor> feeds = new HashMap<>();
        cfg.weightTypes().forEach((k, t) -> feeds.put(k, random(rnd, t)));
        int states = cfg.layers() * cfg.directions();
        int outWidth = cfg.hiddenSize() * cfg.directions();
        feeds.put("input", random(rnd, TensorType.of(DType.F64, STEPS, BATCH, cfg.inputSize())));
        feeds.put("h0", random(rnd, TensorType.of(DType.F64, states, BATCH, cfg.hiddenSize())));
        feeds.put("c0", random(rnd, TensorType.of(DType.F64, states, BATCH, cfg.hiddenSize())));
        feeds.put("grad_output", random(rnd, TensorType.of(DType.F64, STEPS, BATCH, outWidth)));
        feeds.put("grad_h_n", random(rnd, TensorType.of(DType.F64, states, BATCH, cfg.hiddenSize())));
        feeds.put("grad_c_n", random(rnd, TensorType.of(DType.F64, states, BATCH, cfg.hiddenSize())));
        feeds.put("lengths", Tensor.ofLongs(new int[] {BATCH}, STEPS, 2, 0));
        assertSameResults(g, feeds);
        int stateCarries = cfg.cell().hasCellState() ? 2 : 1;
        assertOnlyStateCarries(g, Set.copyOf(cfg.weightTypes().values()), stateCarries, 2 * states);
    }

    @TestFactory
    Stream<DynamicTest> trainingGraphIsUnchangedAndLosesItsWeightCarries() {
        return Stream.of(CellType.RNN, CellType.GRU, CellType.LSTM).map(cell -> DynamicTest.dynamicTest(cell.cliName(), () -> {
            var lm = new LanguageModel(new RecurrentConfig(cell, 5, 4, 2, true, false, DType.F64));
            var rnd = new Random(cell.ordinal());
            Map<String, Tensor> feeds = new HashMap<>();
            lm.parameterTypes().forEach((k, t) -> feeds.put(k, random(rnd, t)));
            feeds.put("tokens", tokens(rnd, lm.vocab()));
            feeds.put("targets", tokens(rnd, lm.vocab()));
            Graph g = lm.trainingGraph();
            assertSameResults(g, feeds);
            assertOnlyStateCarries(g, Set.copyOf(lm.parameterTypes().values()), cell.hasCellState() ? 2 : 1, 2 * 4);
        }));
    }

    private static void assertSameResults(Graph g, Map<String, Tensor> feeds) {
        Map<String, Tensor> in = new HashMap<>();
        g.params().forEach(p -> in.put(g.source(p).label(), feeds.get(g.source(p).label())));
        Map<String, Tensor> want = CpuBackend.compile(g, WITHOUT).run(in);
        Map<String, Tensor> got = CpuBackend.compile(g, WITH).run(in);
        assertEquals(want.keySet(), got.keySet());
        for (String k : want.keySet()) {
            assertArrayEquals(want.get(k).shape(), got.get(k).shape(), k);
            assertArrayEquals(want.get(k).toDoubles(), got.get(k).toDoubles(), 1e-12, k);
        }
    }

    /**
     * Before the pass some scan carries a weight or bias gradient; after it, each of the
     * {@code scans} top-level scans (forward and backward) carries just the cell's states.
     */
    private static void assertOnlyStateCarries(Graph g, Set<TensorType> weightTypes, int stateCarries, int scans) {
        assertTrue(carryTypes(WITHOUT.run(g)).stream().flatMap(List::stream).anyMatch(weightTypes::contains),
                "the unsunk graph should carry weight gradients");
        List<List<TensorType>> after = carryTypes(WITH.run(g));
        assertEquals(scans, after.size());
        for (List<TensorType> carries : after) {
            assertEquals(stateCarries, carries.size(), "carries " + carries);
            assertTrue(carries.stream().noneMatch(weightTypes::contains), "a weight-typed carry is left: " + carries);
        }
    }

    private static List<List<TensorType>> carryTypes(Graph g) {
        List<List<TensorType>> out = new ArrayList<>();
        for (Node n : g.nodes()) {
            if (n.op() instanceof ScanOp s) {
                out.add(s.body().params().subList(0, s.numCarries()).stream().map(Value::type).collect(Collectors.toList()));
            }
        }
        return out;
    }

    private static Tensor random(Random rnd, TensorType t) {
        Tensor x = Tensor.zeros(t.dtype(), t.shape().sizes());
        for (int i = 0; i < x.size(); i++) {
            x.setDouble(i, rnd.nextGaussian() * 0.5);
        }
        return x;
    }

    private static Tensor tokens(Random rnd, int vocab) {
        long[] ids = new long[STEPS * BATCH];
        for (int i = 0; i < ids.length; i++) {
            ids[i] = rnd.nextInt(vocab);
        }
        return Tensor.ofLongs(new int[] {STEPS, BATCH}, ids);
    }
}
