package dev.spool.nn.train;

import dev.spool.graph.DType;
import dev.spool.graph.Tensor;
import dev.spool.graph.io.SafeTensors;
import dev.spool.nn.CellType;
import dev.spool.nn.Fixtures;
import dev.spool.nn.RecurrentConfig;
import org.junit.jupiter.api.Test;

import java.util.HashMap;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.function.Supplier;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Optimizers against torch.optim (tools/optim_fixtures.py), clipping and initialisation by hand. */
class OptimizerTest {

    private static void matchesTorch(String file, Supplier<Optimizer> make) throws Exception {
        Map<String, Tensor> f = SafeTensors.read(Fixtures.root().resolve("optim").resolve(file));
        Optimizer opt = make.get();
        Tensor p = f.get("p0").copy();
        for (int k = 1; k <= 3; k++) {
            opt.step(Map.of("w", p), Map.of("w", f.get("g" + k)));
            double[] want = f.get("p" + k).toDoubles();
            for (int i = 0; i < want.length; i++) {
                assertEquals(want[i], p.getDouble(i), 1e-12 * Math.max(1, Math.abs(want[i])), file + " step " + k + " [" + i + "]");
            }
        }
    }

    @Test
    void sgdWithMomentumAndWeightDecayMatchesTorch() throws Exception {
        matchesTorch("sgd_momentum.safetensors", () -> new Sgd(0.1, 0.9, 0.01));
        matchesTorch("sgd_plain.safetensors", () -> new Sgd(0.5, 0, 0));
    }

    @Test
    void adamMatchesTorch() throws Exception {
        matchesTorch("adam.safetensors", () -> new Adam(0.01, 0.9, 0.999, 1e-8, 0.01));
    }

    @Test
    void float32ParametersAreUpdatedToo() {
        Tensor p = Tensor.ofFloats(new int[] {2}, 1, 2);
        new Sgd(0.5, 0, 0).step(Map.of("w", p), Map.of("w", Tensor.ofFloats(new int[] {2}, 2, -2)));
        assertArrayEquals(new float[] {0, 3}, p.floats());
    }

    @Test
    void badHyperParametersAndMissingGradientsAreNamed() {
        assertTrue(assertThrows(IllegalArgumentException.class, () -> new Sgd(-1, 0, 0)).getMessage().contains("lr must be > 0, got -1.0"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> new Adam(0.1, 1.0, 0.9, 1e-8, 0)).getMessage().contains("beta1"));
        var e = assertThrows(IllegalArgumentException.class, () -> new Sgd(1, 0, 0).step(Map.of("w", Tensor.zeros(DType.F32, 2)), Map.of()));
        assertTrue(e.getMessage().contains("no gradient for parameter 'w'"));
    }

    @Test
    void clippingScalesToTheMaximumGlobalNorm() {
        Map<String, Tensor> g = new HashMap<>(Map.of("a", Tensor.ofDoubles(new int[] {1}, 3), "b", Tensor.ofDoubles(new int[] {1}, 4)));
        assertEquals(5, GradientClipping.clipGlobalNorm(g, 1), 1e-15);
        assertEquals(0.6, g.get("a").getDouble(0), 1e-15);
        assertEquals(0.8, g.get("b").getDouble(0), 1e-15);
        assertEquals(1, GradientClipping.clipGlobalNorm(g, 2), 1e-15);
        assertEquals(0.6, g.get("a").getDouble(0), 1e-15, "below the maximum nothing changes");
        Map<String, Tensor> bad = Map.of("a", Tensor.ofDoubles(new int[] {2}, Double.NaN, 1));
        assertTrue(Double.isNaN(GradientClipping.clipGlobalNorm(bad, 1)));
        assertEquals(1, bad.get("a").getDouble(1), 0, "a NaN norm leaves the gradients for the caller to report");
    }

    @Test
    void initialisationIsSeededAndWithinPyTorchBounds() {
        var cfg = new RecurrentConfig(CellType.LSTM, 28, 64, 2, true, false, DType.F32);
        Map<String, Tensor> a = Initializer.recurrent(cfg, new SplittableRandom(3));
        Map<String, Tensor> b = Initializer.recurrent(cfg, new SplittableRandom(3));
        Map<String, Tensor> c = Initializer.recurrent(cfg, new SplittableRandom(4));
        assertArrayEquals(a.get("weight_hh_l1_reverse").floats(), b.get("weight_hh_l1_reverse").floats());
        assertTrue(!java.util.Arrays.equals(a.get("weight_hh_l1").floats(), c.get("weight_hh_l1").floats()));
        double bound = 1 / Math.sqrt(64);
        Tensor w = a.get("weight_ih_l0");
        double sum = 0;
        double sq = 0;
        for (int i = 0; i < w.size(); i++) {
            double v = w.getDouble(i);
            assertTrue(Math.abs(v) <= bound);
            sum += v;
            sq += v * v;
        }
        int n = w.size();
        assertEquals(0, sum / n, 4 * bound / Math.sqrt(3 * n), "mean of U(-k, k)");
        assertEquals(bound * bound / 3, sq / n, 0.1 * bound * bound / 3, "variance of U(-k, k) is k^2/3");
        Map<String, Tensor> lin = Initializer.linear("linear.", 32, 28, DType.F32, new SplittableRandom(0));
        assertArrayEquals(new int[] {28, 32}, lin.get("linear.weight").shape());
        for (float v : lin.get("linear.bias").floats()) {
            assertTrue(Math.abs(v) <= 1 / Math.sqrt(32));
        }
    }
}
