package dev.spool.nn.train;

import dev.spool.backend.cpu.CpuBackend;
import dev.spool.graph.Graph;
import dev.spool.graph.Tensor;
import dev.spool.graph.Value;
import dev.spool.ops.Builder;
import dev.spool.ops.Grad;

import org.junit.jupiter.api.Test;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static dev.spool.graph.DType.F64;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** One training step of least squares, {@code loss = mean((x·wᵀ − y)²)}, against the gradient worked out by hand. */
class TrainingStepTest {
    private static final double[] X = {1, 2, 3, -1, 0.5, 4};   // (3, 2)
    private static final double[] Y = {1, 0, 2};               // (3, 1)
    private static final double[] W = {0.5, -0.25};            // (1, 2)

    private static Graph leastSquares() {
        var b = new Builder();
        Value x = b.input("x", F64, "N", 2);
        Value y = b.input("y", F64, "N", 1);
        Value w = b.parameter("w", F64, 1, 2);
        Value loss = b.mean(b.square(b.sub(b.linear(x, w, null), y)));
        return Grad.of(b.build("loss", loss), "loss", List.of("w"));
    }

    /** dL/dw = 2/N · Σ_n (x_n·w − y_n) x_n, and the loss, in plain double arithmetic. */
    private static double[] lossAndGradient() {
        double loss = 0;
        double[] g = new double[2];
        for (int n = 0; n < 3; n++) {
            double r = X[2 * n] * W[0] + X[2 * n + 1] * W[1] - Y[n];
            loss += r * r / 3;
            g[0] += 2 * r * X[2 * n] / 3;
            g[1] += 2 * r * X[2 * n + 1] / 3;
        }
        return new double[] {loss, g[0], g[1]};
    }

    private static Map<String, Tensor> batch() {
        return Map.of("x", Tensor.of(X, 3, 2), "y", Tensor.of(Y, 3, 1));
    }

    @Test
    void runsTheGraphAndStepsTheOptimizerOnItsGradNames() {
        Map<String, Tensor> params = new LinkedHashMap<>(Map.of("w", Tensor.of(W, 1, 2)));
        var step = new TrainingStep(CpuBackend.compile(leastSquares())::run, params, new Sgd(0.1, 0, 0), Double.POSITIVE_INFINITY);
        TrainingStep.Result r = step.run(batch());
        double[] ref = lossAndGradient();
        assertEquals(ref[0], r.loss(), 1e-12);
        assertEquals(Math.hypot(ref[1], ref[2]), r.gradientNorm(), 1e-12);
        assertTrue(r.updated());
        assertArrayEquals(new double[] {W[0] - 0.1 * ref[1], W[1] - 0.1 * ref[2]}, params.get("w").toDoubleArray(), 1e-12);
    }

    @Test
    void clipsTheGradientToTheMaximumNormBeforeTheUpdate() {
        Map<String, Tensor> params = new LinkedHashMap<>(Map.of("w", Tensor.of(W, 1, 2)));
        var step = new TrainingStep(CpuBackend.compile(leastSquares())::run, params, new Sgd(1, 0, 0), 0.5);
        step.run(batch());
        double[] ref = lossAndGradient();
        double scale = 0.5 / Math.hypot(ref[1], ref[2]);
        assertTrue(scale < 1, "the test needs a norm above the maximum");
        assertArrayEquals(new double[] {W[0] - scale * ref[1], W[1] - scale * ref[2]}, params.get("w").toDoubleArray(), 1e-12);
    }

    @Test
    void aNonFiniteLossLeavesTheParametersAlone() {
        Map<String, Tensor> params = new LinkedHashMap<>(Map.of("w", Tensor.of(W, 1, 2)));
        var step = new TrainingStep(feeds -> Map.of("loss", Tensor.scalar(Double.NaN, F64), "grad.w", Tensor.of(new double[] {1, 1}, 1, 2)),
                params, new Sgd(1, 0, 0), 1);
        TrainingStep.Result r = step.run(Map.of());
        assertFalse(r.updated());
        assertArrayEquals(W, params.get("w").toDoubleArray());
    }

    @Test
    void aProgramWithoutLossOrGradientIsNamed() {
        Map<String, Tensor> params = Map.of("w", Tensor.of(W, 1, 2));
        var noLoss = new TrainingStep(feeds -> Map.of("cost", Tensor.scalar(1, F64)), params, new Sgd(1, 0, 0), 1);
        assertEquals("the training program has no 'loss' result; its results are [cost]",
                assertThrows(IllegalArgumentException.class, () -> noLoss.run(Map.of())).getMessage());
        var noGrad = new TrainingStep(feeds -> Map.of("loss", Tensor.scalar(1, F64)), params, new Sgd(1, 0, 0), 1);
        assertEquals("no gradient for parameter 'w' (looked for 'w' and 'grad.w')",
                assertThrows(IllegalArgumentException.class, () -> noGrad.run(Map.of())).getMessage());
    }

    @Test
    void optimizersTakeGradOfsNamesAsTheyAre() {
        Tensor viaGradName = Tensor.of(W, 1, 2);
        Tensor viaPlainName = Tensor.of(W, 1, 2);
        Tensor g = Tensor.of(new double[] {0.5, 2}, 1, 2);
        new Adam(0.01, 0.9, 0.999, 1e-8, 0).step(Map.of("w", viaGradName), Map.of("loss", Tensor.scalar(1, F64), Grad.nameOf("w"), g));
        new Adam(0.01, 0.9, 0.999, 1e-8, 0).step(Map.of("w", viaPlainName), Map.of("w", g));
        assertArrayEquals(viaPlainName.toDoubleArray(), viaGradName.toDoubleArray());
        // Adam's first step moves every weight by lr against the gradient's sign.
        assertArrayEquals(new double[] {W[0] - 0.01, W[1] - 0.01}, viaGradName.toDoubleArray(), 1e-9);
    }
}
