package dev.spool.nn;

import dev.spool.backend.cpu.CpuBackend;
import dev.spool.backend.cpu.CpuProgram;
import dev.spool.graph.DType;
import dev.spool.graph.Tensor;
import dev.spool.graph.TensorType;
import org.junit.jupiter.api.Test;

import java.util.HashMap;
import java.util.Map;
import java.util.Random;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class LanguageModelTest {

    private static Map<String, Tensor> randomParams(LanguageModel lm, long seed) {
        var rnd = new Random(seed);
        Map<String, Tensor> p = new HashMap<>();
        for (Map.Entry<String, TensorType> e : lm.parameterTypes().entrySet()) {
            Tensor t = Tensor.zeros(e.getValue().dtype(), e.getValue().shape().sizes());
            for (int i = 0; i < t.size(); i++) {
                t.setDouble(i, rnd.nextGaussian() * 0.5);
            }
            p.put(e.getKey(), t);
        }
        return p;
    }

    @Test
    void lossGradientsMatchFiniteDifferencesForEveryCell() {
        for (CellType cell : new CellType[] {CellType.RNN, CellType.GRU, CellType.LSTM}) {
            var lm = new LanguageModel(new RecurrentConfig(cell, 5, 3, 1, cell == CellType.LSTM, false, DType.F64));
            Map<String, Tensor> feeds = randomParams(lm, 1);
            feeds.put("tokens", Tensor.ofLongs(new int[] {4, 2}, 0, 1, 4, 2, 3, 3, 1, 0));
            feeds.put("targets", Tensor.ofLongs(new int[] {4, 2}, 1, 4, 2, 3, 3, 1, 0, 2));
            Map<String, Tensor> grads = CpuBackend.compile(lm.trainingGraph()).run(feeds);
            CpuProgram loss = CpuBackend.compile(lm.lossGraph());
            for (String name : lm.parameterTypes().keySet()) {
                Tensor p = feeds.get(name);
                for (int i = 0; i < p.size(); i += 2) {
                    double eps = 1e-6;
                    double up = lossWith(loss, feeds, name, i, eps);
                    double down = lossWith(loss, feeds, name, i, -eps);
                    double numeric = (up - down) / (2 * eps);
                    assertEquals(numeric, grads.get("grad." + name).getDouble(i), 1e-7 * Math.max(1, Math.abs(numeric)),
                            cell + " grad." + name + "[" + i + "]");
                }
            }
        }
    }

    private static double lossWith(CpuProgram loss, Map<String, Tensor> feeds, String name, int i, double delta) {
        Map<String, Tensor> f = new HashMap<>(feeds);
        Tensor t = feeds.get(name).copy();
        t.setDouble(i, t.getDouble(i) + delta);
        f.put(name, t);
        return loss.run(f).get("loss").getDouble(0);
    }

    @Test
    void lossIsMeanCrossEntropyOfTheLogits() {
        var lm = new LanguageModel(new RecurrentConfig(CellType.GRU, 6, 4, 2, false, false, DType.F64));
        Map<String, Tensor> feeds = randomParams(lm, 2);
        Tensor tokens = Tensor.ofLongs(new int[] {3, 2}, 0, 5, 1, 2, 3, 4);
        Tensor targets = Tensor.ofLongs(new int[] {3, 2}, 5, 1, 2, 3, 4, 0);
        feeds.put("tokens", tokens);
        Tensor logits = CpuBackend.compile(lm.logitsGraph()).run(feeds).get("logits");
        double expected = 0;
        for (int r = 0; r < 6; r++) {
            double z = 0;
            for (int j = 0; j < 6; j++) {
                z += Math.exp(logits.getDouble(r * 6 + j));
            }
            expected += Math.log(z) - logits.getDouble(r * 6 + (int) targets.getLong(r));
        }
        feeds.put("targets", targets);
        assertEquals(expected / 6, CpuBackend.compile(lm.lossGraph()).run(feeds).get("loss").getDouble(0), 1e-12);
    }

    @Test
    void greedyContinuationIsTheArgmaxOfEachStep() {
        var lm = new LanguageModel(new RecurrentConfig(CellType.RNN, 4, 3, 1, false, false, DType.F32));
        Map<String, Tensor> params = randomParams(lm, 3);
        CpuProgram logits = CpuBackend.compile(lm.logitsGraph());
        int[] out = lm.continueTokens(logits::run, params, new int[] {1, 2}, 3, 0, new SplittableRandom(0));
        assertEquals(3, out.length);
        // Re-derive the first generated token by hand from the logits of the prefix.
        Map<String, Tensor> feeds = new HashMap<>(params);
        feeds.put("tokens", Tensor.ofLongs(new int[] {2, 1}, 1, 2));
        Tensor l = logits.run(feeds).get("logits");
        int best = 0;
        for (int j = 1; j < 4; j++) {
            if (l.getDouble(4 + j) > l.getDouble(4 + best)) {
                best = j;
            }
        }
        assertEquals(best, out[0]);
        int[] sampled = lm.continueTokens(logits::run, params, new int[] {1, 2}, 20, 1.0, new SplittableRandom(5));
        assertArrayEquals(sampled, lm.continueTokens(logits::run, params, new int[] {1, 2}, 20, 1.0, new SplittableRandom(5)));
        assertTrue(java.util.Arrays.stream(sampled).allMatch(t -> t >= 0 && t < 4));
    }
}
