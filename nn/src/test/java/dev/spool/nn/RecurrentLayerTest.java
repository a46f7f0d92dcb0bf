package dev.spool.nn;

import dev.spool.backend.cpu.CpuBackend;
import dev.spool.graph.DType;
import dev.spool.graph.Graph;
import dev.spool.graph.InputException;
import dev.spool.graph.Tensor;
import dev.spool.graph.TensorType;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class RecurrentLayerTest {

    static Map<String, Tensor> runCase(Fixtures.Case c) {
        Fixtures.Problem p = c.forward();
        return CpuBackend.compile(p.graph()).run(p.feeds());
    }

    @TestFactory
    Stream<DynamicTest> forwardMatchesPyTorchOnEveryFixture() {
        List<Fixtures.Case> cases = Fixtures.all();
        assertTrue(cases.size() >= 128, "expected the full fixture matrix, found " + cases.size());
        return cases.stream().map(c -> DynamicTest.dynamicTest(c.name(), () -> {
            Map<String, Tensor> got = runCase(c);
            Map<String, Tensor> want = c.read("expected.safetensors");
            assertEquals(want.keySet(), got.keySet());
            for (String k : want.keySet()) {
                Fixtures.assertClose(c.name() + " " + k, want.get(k), got.get(k), c.tolerance());
            }
        }));
    }

    @TestFactory
    Stream<DynamicTest> gradientsMatchPyTorchOnEveryFixture() {
        return Fixtures.all().stream().filter(c -> !c.name().equals("rnn-basics")).map(c -> DynamicTest.dynamicTest(c.name(), () -> {
            Fixtures.Problem p = c.gradient();
            Map<String, Tensor> got = CpuBackend.compile(p.graph()).run(p.feeds());
            Map<String, Tensor> want = c.read("expected_grad.safetensors");
            assertEquals(new java.util.TreeSet<>(want.keySet()), new java.util.TreeSet<>(got.keySet()));
            // f64 gradients to 1e-9 relative; f32 accumulates rounding through the reversed scan, so 1e-4.
            double tol = c.dtype() == DType.F64 ? 1e-9 : 1e-4;
            for (String k : want.keySet()) {
                Fixtures.assertClose(c.name() + " " + k, want.get(k), got.get(k), tol);
            }
        }));
    }

    /** Independent of PyTorch: central differences of the gradient graph's loss for every f64 configuration. */
    @TestFactory
    Stream<DynamicTest> gradientsMatchFiniteDifferencesOnEveryLayerConfiguration() {
        return Fixtures.all().stream().filter(c -> c.dtype() == DType.F64).map(c -> DynamicTest.dynamicTest(c.name(), () -> {
            Fixtures.Problem p = c.gradient();
            Map<String, Tensor> feeds = p.feeds();
            RecurrentConfig cfg = p.config();
            Graph grads = p.graph();
            boolean lengths = feeds.containsKey("lengths");
            Map<String, Tensor> got = CpuBackend.compile(grads).run(feeds);
            dev.spool.backend.cpu.CpuProgram forward = CpuBackend.compile(RecurrentLayer.graph(cfg, true, lengths));
            var rnd = new java.util.Random(c.name().hashCode());
            for (String wrt : got.keySet()) {
                if (!wrt.startsWith("grad.")) {
                    continue;
                }
                String name = wrt.substring(5);
                for (int k = 0; k < 3; k++) {
                    int i = rnd.nextInt(feeds.get(name).size());
                    double numeric = (objective(forward, feeds, name, i, 1e-6) - objective(forward, feeds, name, i, -1e-6)) / 2e-6;
                    assertEquals(numeric, got.get(wrt).getDouble(i), 1e-6 * Math.max(1, Math.abs(numeric)), c.name() + " " + wrt + "[" + i + "]");
                }
            }
        }));
    }

    /** sum(output * grad_output) + sum(h_n * grad_h_n) [+ sum(c_n * grad_c_n)] with feeds[name][i] shifted by delta. */
    private static double objective(dev.spool.backend.cpu.CpuProgram forward, Map<String, Tensor> feeds, String name, int i, double delta) {
        Map<String, Tensor> f = new HashMap<>(feeds);
        Tensor t = feeds.get(name).copy();
        t.setDouble(i, t.getDouble(i) + delta);
        f.put(name, t);
        Map<String, Tensor> in = new HashMap<>();
        for (String k : List.of("input", "h0", "c0", "lengths")) {
            if (f.containsKey(k)) {
                in.put(k, f.get(k));
            }
        }
        f.keySet().stream().filter(k -> !k.startsWith("grad_") && !in.containsKey(k)).forEach(k -> in.put(k, f.get(k)));
        Map<String, Tensor> out = forward.run(in);
        double total = 0;
        for (String[] pair : new String[][] {{"output", "grad_output"}, {"h_n", "grad_h_n"}, {"c_n", "grad_c_n"}}) {
            Tensor y = out.get(pair[0]);
            Tensor g = f.get(pair[1]);
            if (y != null && g != null) {
                for (int j = 0; j < y.size(); j++) {
                    total += y.getDouble(j) * g.getDouble(j);
                }
            }
        }
        return total;
    }

    @Test
    void pytorchRnnBasicsNotebookOutputs() {
        Fixtures.Case c = Fixtures.all().stream().filter(x -> x.name().equals("rnn-basics")).findFirst().orElseThrow();
        Tensor out = runCase(c).get("output");
        // Printed by the notebook (torch.manual_seed(0); nn.RNN(4, 2)), to 4 decimals.
        double[] first = {-0.7497, -0.6135, -0.5282, -0.2473, -0.9136, -0.4269, -0.9136, -0.4269, -0.9028, 0.1180};
        double[] last = {-0.9077, -0.3205, -0.8944, -0.2902, -0.5134, -0.0288, -0.5134, -0.0288, -0.9127, -0.2222};
        for (int i = 0; i < 10; i++) {
            assertEquals(first[i], out.getDouble(i), 5e-5);
            assertEquals(last[i], out.getDouble(20 + i), 5e-5);
        }
    }

    @Test
    void weightsInconsistentWithLayersAreNamed() {
        var cfg = new RecurrentConfig(CellType.GRU, 3, 4, 2, false, false, DType.F32);
        Map<String, TensorType> w = new LinkedHashMap<>(cfg.weightTypes());
        var e = assertThrows(InputException.class, () -> RecurrentConfig.fromWeights(CellType.GRU, w, 1, false, false, DType.F32));
        assertTrue(e.getMessage().startsWith("unexpected weight 'weight_ih_l1' (and 3 more) for gru, 1 layer, input 3, hidden 4"), e.getMessage());
        e = assertThrows(InputException.class, () -> RecurrentConfig.fromWeights(CellType.GRU, w, 2, true, false, DType.F32));
        assertTrue(e.getMessage().startsWith("missing weight 'weight_ih_l0_reverse' (expected F32(12, 3))"), e.getMessage());
        w.put("weight_hh_l1", TensorType.of(DType.F32, 12, 5));
        e = assertThrows(InputException.class, () -> RecurrentConfig.fromWeights(CellType.GRU, w, 2, false, false, DType.F32));
        assertTrue(e.getMessage().startsWith("weight 'weight_hh_l1': expected shape (12, 4)"), e.getMessage());
        e = assertThrows(InputException.class, () -> RecurrentConfig.fromWeights(CellType.GRU, w, 2, false, false, DType.F64));
        assertTrue(e.getMessage().contains("expected F64 (--dtype f64), got F32; pass --dtype f32"), e.getMessage());
    }

    @Test
    void badInputsAreNamedWithExpectedAndActualShapes() {
        var cfg = new RecurrentConfig(CellType.LSTM, 3, 4, 1, true, false, DType.F32);
        Tensor x = Tensor.zeros(DType.F32, 5, 2, 3);
        assertTrue(assertThrows(InputException.class, () -> RecurrentLayer.checkInputs(cfg, Map.of("input", Tensor.zeros(DType.F32, 5, 2, 7))))
                .getMessage().contains("tensor 'input': expected shape (T, B, 3) to match weight weight_ih_l0, got (5, 2, 7)"));
        assertTrue(assertThrows(InputException.class, () -> RecurrentLayer.checkInputs(cfg, Map.of("input", Tensor.zeros(DType.I64, 5, 2, 3))))
                .getMessage().contains("inputs must be floating point"));
        assertTrue(assertThrows(InputException.class, () -> RecurrentLayer.checkInputs(cfg,
                Map.of("input", x, "h0", Tensor.zeros(DType.F32, 1, 2, 4), "c0", Tensor.zeros(DType.F32, 2, 2, 4))))
                .getMessage().contains("tensor 'h0': expected F32(2, 2, 4) (layers*directions, batch, hidden), got F32(1, 2, 4)"));
        assertTrue(assertThrows(InputException.class, () -> RecurrentLayer.checkInputs(cfg,
                Map.of("input", x, "lengths", Tensor.ofLongs(new int[] {2}, 6, 1))))
                .getMessage().contains("lengths[0] = 6 must be in [1, 5]"));
        assertTrue(assertThrows(InputException.class, () -> RecurrentLayer.checkInputs(cfg,
                Map.of("input", x, "lengths", Tensor.ofLongs(new int[] {2}, 0, 1))))
                .getMessage().contains("lengths[0] = 0 must be in [1, 5]"));
        assertTrue(assertThrows(InputException.class, () -> RecurrentLayer.checkInputs(cfg, Map.of("x", x)))
                .getMessage().startsWith("missing tensor 'input'"));
    }
}
