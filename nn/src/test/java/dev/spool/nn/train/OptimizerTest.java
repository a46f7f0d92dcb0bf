package dev.spool.nn.train;

import dev.spool.graph.DType;
import dev.spool.graph.Tensor;
import dev.spool.graph.io.SafeTensors;
import dev.spool.nn.Fixtures;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Sgd and Adam against three steps of torch.optim on two float64 parameters
 * ({@code tools/optim_fixtures.py} → {@code fixtures/optim/}), in F64 and F32, on views at an offset.
 */
class OptimizerTest {
    private static final List<String> NAMES = List.of("a", "b");
    private static final double SENTINEL = 12345;

    private static Map<String, Tensor> fixture(String file) throws IOException {
        return SafeTensors.read(Fixtures.root().resolve("optim").resolve(file));
    }

    /**
     * A copy of t in dtype, as a view at offset {@code pad} into a larger array whose other entries hold
     * SENTINEL, so that a kernel ignoring the offset (or writing past the view) shows.
     */
    private static Tensor view(Tensor t, DType dtype, int pad) {
        Tensor backing = Tensor.zeros(dtype, t.size() + 2 * pad);
        for (int i = 0; i < backing.size(); i++) {
            backing.setDouble(i, i >= pad && i < pad + t.size() ? t.getDouble(i - pad) : SENTINEL);
        }
        return backing.slice0(pad, t.size()).reshape(t.shape());
    }

    private static void assertSentinelsKept(Tensor v, int pad) {
        for (int i = 0; i < pad; i++) {
            assertEquals(SENTINEL, v.getDouble(-pad + i), 0, "before the view");
            assertEquals(SENTINEL, v.getDouble(v.size() + i), 0, "after the view");
        }
    }

    /** Runs three steps as the fixture did; |spool − torch| ≤ tol·max(1, |torch|) after every step. */
    private static void matchesTorch(String file, Supplier<Optimizer> make, DType dtype, int pad, double tol) throws IOException {
        Map<String, Tensor> f = fixture(file);
        Map<String, Tensor> params = new LinkedHashMap<>();
        for (String n : NAMES) {
            params.put(n, view(f.get("p0." + n), dtype, pad));
        }
        Optimizer opt = make.get();
        for (int k = 1; k <= 3; k++) {
            Map<String, Tensor> grads = new LinkedHashMap<>();
            for (String n : NAMES) {
                grads.put(n, view(f.get("g" + k + "." + n), dtype, pad + 1));
            }
            opt.step(params, grads);
            for (String n : NAMES) {
                double[] want = f.get("p" + k + "." + n).toDoubles();
                Tensor got = params.get(n);
                assertEquals(dtype, got.dtype());
                for (int i = 0; i < want.length; i++) {
                    assertEquals(want[i], got.getDouble(i), tol * Math.max(1, Math.abs(want[i])),
                            file + " " + dtype + " step " + k + " " + n + "[" + i + "]");
                }
                assertSentinelsKept(got, pad);
                assertSentinelsKept(grads.get(n), pad + 1);
            }
        }
    }

    private static void matchesTorchEverywhere(String file, Supplier<Optimizer> make) throws IOException {
        matchesTorch(file, make, DType.F64, 0, 1e-12);
        matchesTorch(file, make, DType.F64, 3, 1e-12);
        // F32: the fixture's values rounded to float, the parameters rounded after each step.
        matchesTorch(file, make, DType.F32, 0, 1e-5);
        matchesTorch(file, make, DType.F32, 2, 1e-5);
    }

    @Test
    void sgdWithMomentumAndWeightDecayMatchesTorch() throws IOException {
        matchesTorchEverywhere("sgd_momentum.safetensors", () -> new Sgd(0.1, 0.9, 0.01));
    }

    @Test
    void plainSgdMatchesTorch() throws IOException {
        matchesTorchEverywhere("sgd_plain.safetensors", () -> new Sgd(0.5, 0, 0));
    }

    @Test
    void adamWithWeightDecayMatchesTorch() throws IOException {
        matchesTorchEverywhere("adam.safetensors", () -> new Adam(0.01, 0.9, 0.999, 1e-8, 0.01));
    }

    @Test
    void plainSgdOnFloatsByHand() {
        Tensor p = Tensor.ofFloats(new int[] {2}, 1, 2);
        new Sgd(0.5, 0, 0).step(Map.of("w", p), Map.of("w", Tensor.ofFloats(new int[] {2}, 2, -2)));
        assertArrayEquals(new float[] {0, 3}, p.floats());
    }

    @Test
    void adamCountsStepsPerParameter() {
        // As torch: a parameter first seen at the optimizer's second step gets the bias correction of step 1.
        Tensor x = Tensor.ofDoubles(new int[] {2}, 1, -1);
        Tensor y = Tensor.ofDoubles(new int[] {2}, 0.5, 2);
        Tensor yAlone = y.copy();
        Tensor g = Tensor.ofDoubles(new int[] {2}, 0.3, -0.7);
        Adam shared = new Adam(0.1, 0.9, 0.999, 1e-8, 0.1);
        shared.step(Map.of("x", x), Map.of("x", g));
        shared.step(Map.of("x", x, "y", y), Map.of("x", g, "y", g));
        new Adam(0.1, 0.9, 0.999, 1e-8, 0.1).step(Map.of("y", yAlone), Map.of("y", g));
        assertArrayEquals(yAlone.doubles(), y.doubles(), 0);
    }

    @Test
    void momentumBuffersAreKeptPerParameter() {
        // Two parameters with different gradients must not share a buffer: each follows its own single-parameter run.
        Tensor a = Tensor.ofDoubles(new int[] {1}, 1);
        Tensor b = Tensor.ofDoubles(new int[] {1}, 1);
        Tensor aAlone = a.copy();
        Sgd both = new Sgd(0.1, 0.9, 0);
        Sgd one = new Sgd(0.1, 0.9, 0);
        for (int k = 0; k < 3; k++) {
            both.step(Map.of("a", a, "b", b), Map.of("a", Tensor.ofDoubles(new int[] {1}, 1), "b", Tensor.ofDoubles(new int[] {1}, -5)));
            one.step(Map.of("a", aAlone), Map.of("a", Tensor.ofDoubles(new int[] {1}, 1)));
        }
        // buf: 1, 1.9, 2.71 → a = 1 − 0.1·(1 + 1.9 + 2.71)
        assertEquals(1 - 0.1 * (1 + 1.9 + 2.71), a.getDouble(0), 1e-15);
        assertEquals(aAlone.getDouble(0), a.getDouble(0), 0);
    }

    private static void rejected(String expected, Runnable r) {
        String msg = assertThrows(IllegalArgumentException.class, r::run).getMessage();
        assertTrue(msg.contains(expected), msg);
    }

    @Test
    void badHyperParametersAreNamedWithTheirValue() {
        rejected("lr must be > 0, got -1.0", () -> new Sgd(-1, 0, 0));
        rejected("lr must be > 0, got NaN", () -> new Adam(Double.NaN, 0.9, 0.999, 1e-8, 0));
        rejected("momentum must be >= 0, got -0.5", () -> new Sgd(0.1, -0.5, 0));
        rejected("weight_decay must be >= 0, got -0.01", () -> new Sgd(0.1, 0, -0.01));
        rejected("beta1 must be in [0, 1), got 1.0", () -> new Adam(0.1, 1.0, 0.999, 1e-8, 0));
        rejected("beta2 must be in [0, 1), got -0.1", () -> new Adam(0.1, 0.9, -0.1, 1e-8, 0));
        rejected("eps must be > 0, got 0.0", () -> new Adam(0.1, 0.9, 0.999, 0, 0));
        rejected("weight_decay must be >= 0, got -1.0", () -> new Adam(0.1, 0.9, 0.999, 1e-8, -1));
    }

    @Test
    void missingOrMismatchedGradientsAreNamed() {
        Map<String, Tensor> params = Map.of("weight_hh_l0", Tensor.zeros(DType.F32, 2));
        rejected("no gradient for parameter 'weight_hh_l0'", () -> new Sgd(1, 0, 0).step(params, Map.of()));
        rejected("no gradient for parameter 'weight_hh_l0'", () -> new Adam(1, 0.9, 0.999, 1e-8, 0).step(params, Map.of()));
        rejected("gradient of 'weight_hh_l0' is F64", () -> new Sgd(1, 0, 0).step(params, Map.of("weight_hh_l0", Tensor.zeros(DType.F64, 2))));
        rejected("gradient of 'weight_hh_l0' is F32(3)", () -> new Adam(1, 0.9, 0.999, 1e-8, 0).step(params, Map.of("weight_hh_l0", Tensor.zeros(DType.F32, 3))));
    }
}
