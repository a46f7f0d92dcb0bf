package dev.spool.nn.train;

import dev.spool.graph.DType;
import dev.spool.graph.Tensor;
import dev.spool.graph.TensorType;
import dev.spool.nn.CellType;
import dev.spool.nn.RecurrentConfig;
import org.junit.jupiter.api.Test;

import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** PyTorch's default initialisation: names, shapes, bounds, seeding and the uniform distribution. */
class InitializerTest {
    private static final RecurrentConfig LSTM = new RecurrentConfig(CellType.LSTM, 28, 64, 2, true, false, DType.F32);

    /** Every |v| within bound (as the dtype rounds it) and the largest close to it: the bound is the right one. */
    private static void withinBound(Tensor t, double bound, String name) {
        double limit = t.dtype() == DType.F32 ? (float) bound : bound;
        double max = 0;
        for (int i = 0; i < t.size(); i++) {
            max = Math.max(max, Math.abs(t.getDouble(i)));
        }
        assertTrue(max <= limit, name + ": max |v| " + max + " > " + bound);
        // With n draws the largest |v| falls short of the bound by about bound/n; 0.9 leaves room for small tensors.
        assertTrue(max > bound * (t.size() >= 30 ? 0.9 : 0), name + ": max |v| " + max + " far below " + bound);
    }

    @Test
    void recurrentHasTheStateDictsNamesShapesAndDtype() {
        Map<String, Tensor> w = Initializer.recurrent(LSTM, new SplittableRandom(0));
        Map<String, TensorType> want = LSTM.weightTypes();
        assertEquals(List.copyOf(want.keySet()), List.copyOf(w.keySet()));
        want.forEach((n, t) -> assertEquals(t, w.get(n).type(), n));
    }

    @Test
    void theSameSeedGivesTheSameTensorsAndAnotherSeedOthers() {
        Map<String, Tensor> a = Initializer.recurrent(LSTM, new SplittableRandom(3));
        Map<String, Tensor> b = Initializer.recurrent(LSTM, new SplittableRandom(3));
        Map<String, Tensor> c = Initializer.recurrent(LSTM, new SplittableRandom(4));
        for (String n : a.keySet()) {
            assertArrayEquals(a.get(n).floats(), b.get(n).floats(), n);
            assertFalse(Arrays.equals(a.get(n).floats(), c.get(n).floats()), n);
        }
        var l1 = Initializer.linear("linear.", 5, 3, DType.F64, new SplittableRandom(9));
        var l2 = Initializer.linear("linear.", 5, 3, DType.F64, new SplittableRandom(9));
        assertArrayEquals(l1.get("linear.weight").doubles(), l2.get("linear.weight").doubles());
        assertArrayEquals(l1.get("linear.bias").doubles(), l2.get("linear.bias").doubles());
    }

    @Test
    void recurrentWeightsAndBiasesAreWithinOneOverSqrtHidden() {
        for (CellType cell : List.of(CellType.RNN, CellType.GRU, CellType.LSTM)) {
            var cfg = new RecurrentConfig(cell, 28, 64, 2, true, false, DType.F64);
            Initializer.recurrent(cfg, new SplittableRandom(1)).forEach((n, t) -> withinBound(t, 1 / Math.sqrt(64), cell + " " + n));
        }
    }

    @Test
    void myRnnProjectionsAreLinearLayers() {
        // projection_1 is Linear(F=10, U=49): bound 1/√10; projection_2 is Linear(49, 49): bound 1/7. Weight and bias alike.
        var cfg = new RecurrentConfig(CellType.MYRNN, 10, 49, 1, false, false, DType.F32);
        Map<String, Tensor> w = Initializer.recurrent(cfg, new SplittableRandom(2));
        assertEquals(List.copyOf(cfg.weightTypes().keySet()), List.copyOf(w.keySet()));
        withinBound(w.get("projection_1.weight"), 1 / Math.sqrt(10), "projection_1.weight");
        withinBound(w.get("projection_1.bias"), 1 / Math.sqrt(10), "projection_1.bias");
        withinBound(w.get("projection_2.weight"), 1 / 7.0, "projection_2.weight");
        withinBound(w.get("projection_2.bias"), 1 / 7.0, "projection_2.bias");
    }

    @Test
    void linearIsOutByInWithBoundOneOverSqrtFanIn() {
        Map<String, Tensor> lin = Initializer.linear("linear.", 32, 28, DType.F32, new SplittableRandom(0));
        assertEquals(List.of("linear.weight", "linear.bias"), List.copyOf(lin.keySet()));
        assertEquals(TensorType.of(DType.F32, 28, 32), lin.get("linear.weight").type());
        assertEquals(TensorType.of(DType.F32, 28), lin.get("linear.bias").type());
        withinBound(lin.get("linear.weight"), 1 / Math.sqrt(32), "linear.weight");
        withinBound(lin.get("linear.bias"), 1 / Math.sqrt(32), "linear.bias");
    }

    @Test
    void aLargeTensorHasTheUniformDistributionsMomentsAndHistogram() {
        int in = 1000;
        int out = 1000;
        double k = 1 / Math.sqrt(in);
        Tensor w = Initializer.linear("", in, out, DType.F64, new SplittableRandom(42)).get("weight");
        int n = w.size();
        int[] bins = new int[10];
        double sum = 0;
        double sq = 0;
        for (double v : w.doubles()) {
            sum += v;
            sq += v * v;
            bins[(int) ((v + k) / (2 * k) * 10)]++;
        }
        // U(−k, k): mean 0 (sd of the sample mean k/√(3n)), E[v²] = k²/3 (sd of its estimate k²·√(4/45)/√n);
        // each tenth of the range holds n/10 draws (binomial sd √(n·0.09)). Five standard deviations each.
        assertEquals(0, sum / n, 5 * k / Math.sqrt(3.0 * n), "mean");
        assertEquals(k * k / 3, sq / n, 5 * k * k * Math.sqrt(4 / 45.0) / Math.sqrt(n), "variance");
        for (int b = 0; b < 10; b++) {
            assertEquals(n / 10.0, bins[b], 5 * Math.sqrt(n * 0.09), "bin " + b);
        }
    }

    @Test
    void badSizesAndDtypesAreRejected() {
        var e = assertThrows(IllegalArgumentException.class, () -> Initializer.linear("linear.", 0, 3, DType.F32, new SplittableRandom(0)));
        assertTrue(e.getMessage().contains("in >= 1"), e.getMessage());
        var i32 = new RecurrentConfig(CellType.RNN, 2, 3, 1, false, false, DType.I32);
        e = assertThrows(IllegalArgumentException.class, () -> Initializer.recurrent(i32, new SplittableRandom(0)));
        assertEquals("parameters must be F32 or F64, got I32", e.getMessage());
    }
}
