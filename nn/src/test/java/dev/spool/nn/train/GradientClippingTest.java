package dev.spool.nn.train;

import dev.spool.graph.Tensor;
import dev.spool.graph.io.SafeTensors;
import dev.spool.nn.Fixtures;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Global-norm clipping by hand and against torch ({@code fixtures/optim/clip.safetensors}). */
class GradientClippingTest {

    @Test
    void aNormAboveTheMaximumIsScaledDownToIt() {
        // A float and a double gradient: the norm runs over all of them, whatever their dtype.
        Map<String, Tensor> g = Map.of("a", Tensor.ofFloats(new int[] {1}, 3), "b", Tensor.ofDoubles(new int[] {1}, 4));
        assertEquals(5, GradientClipping.clipGlobalNorm(g, 1), 0);
        assertEquals(0.6f, g.get("a").floats()[0], 0);
        assertEquals(0.8, g.get("b").doubles()[0], 1e-15);
    }

    @Test
    void aNormAtOrBelowTheMaximumLeavesTheGradientsAlone() {
        Map<String, Tensor> g = Map.of("a", Tensor.ofDoubles(new int[] {2}, 0.3, 0.4));
        assertEquals(0.5, GradientClipping.clipGlobalNorm(g, 2), 1e-15);
        assertArrayEquals(new double[] {0.3, 0.4}, g.get("a").doubles(), 0);
        Map<String, Tensor> h = Map.of("a", Tensor.ofDoubles(new int[] {2}, 3, 4));
        assertEquals(5, GradientClipping.clipGlobalNorm(h, 5), 0);
        assertArrayEquals(new double[] {3, 4}, h.get("a").doubles(), 0, "norm == max: d2l clips only when norm > max");
    }

    @Test
    void aNonFiniteNormIsReturnedAndTheGradientsAreUntouched() {
        Map<String, Tensor> nan = Map.of("a", Tensor.ofDoubles(new int[] {2}, Double.NaN, 1), "b", Tensor.ofFloats(new int[] {1}, 7));
        assertTrue(Double.isNaN(GradientClipping.clipGlobalNorm(nan, 1)));
        assertEquals(1, nan.get("a").getDouble(1), 0);
        assertEquals(7, nan.get("b").getDouble(0), 0);
        Map<String, Tensor> inf = Map.of("a", Tensor.ofFloats(new int[] {2}, Float.POSITIVE_INFINITY, 2));
        assertEquals(Double.POSITIVE_INFINITY, GradientClipping.clipGlobalNorm(inf, 1));
        assertEquals(2, inf.get("a").getDouble(1), 0);
        // Finite entries whose squares overflow a double: the norm is infinite, reported rather than scaled to 0.
        Map<String, Tensor> huge = Map.of("a", Tensor.ofDoubles(new int[] {1}, 1e200));
        assertEquals(Double.POSITIVE_INFINITY, GradientClipping.clipGlobalNorm(huge, 1));
        assertEquals(1e200, huge.get("a").getDouble(0), 0);
    }

    @Test
    void viewsAreClippedWithinTheirBounds() {
        Tensor backing = Tensor.ofDoubles(new int[] {4}, 9, 3, 4, 9);
        Tensor v = backing.slice0(1, 2);
        assertEquals(5, GradientClipping.clipGlobalNorm(Map.of("v", v), 1), 0);
        assertArrayEquals(new double[] {9, 0.6, 0.8, 9}, backing.doubles(), 1e-15);
    }

    @Test
    void aNegativeMaximumIsRejected() {
        var e = assertThrows(IllegalArgumentException.class, () -> GradientClipping.clipGlobalNorm(Map.of(), -1));
        assertEquals("maxNorm must be >= 0, got -1.0", e.getMessage());
    }

    @Test
    void matchesTorchsNormAndD2lsScaling() throws IOException {
        Map<String, Tensor> f = SafeTensors.read(Fixtures.root().resolve("optim").resolve("clip.safetensors"));
        Map<String, Tensor> g = new LinkedHashMap<>();
        for (String n : List.of("a", "b")) {
            g.put(n, f.get("g." + n).copy());
        }
        double want = f.get("norm").getDouble(0);
        double norm = GradientClipping.clipGlobalNorm(g, f.get("max_norm").getDouble(0));
        assertEquals(want, norm, 1e-12 * want, "clip_grad_norm_'s total norm");
        for (String n : List.of("a", "b")) {
            double[] d2l = f.get("clipped." + n).toDoubles();
            double[] torch = f.get("torch." + n).toDoubles();
            for (int i = 0; i < d2l.length; i++) {
                double got = g.get(n).getDouble(i);
                assertEquals(d2l[i], got, 1e-12 * Math.max(1, Math.abs(d2l[i])), n + "[" + i + "] (d2l's max/norm)");
                // torch divides by norm + 1e-6: a relative difference of 1e-6/norm, documented and tolerated.
                assertEquals(torch[i], got, 1e-6 / norm * Math.abs(torch[i]) * 1.01 + 1e-15, n + "[" + i + "] (torch's max/(norm+1e-6))");
            }
        }
    }
}
