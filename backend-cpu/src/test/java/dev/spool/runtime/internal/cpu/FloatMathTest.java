package dev.spool.runtime.internal.cpu;

import dev.spool.backend.cpu.CpuBackend;
import dev.spool.graph.DType;
import dev.spool.graph.Tensor;
import dev.spool.graph.Value;
import dev.spool.ops.Builder;
import dev.spool.ops.UnaryFn;

import jdk.incubator.vector.FloatVector;
import org.junit.jupiter.api.Test;

import java.util.Map;
import java.util.SplittableRandom;
import java.util.function.DoubleUnaryOperator;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * {@link FloatMath}: accurate to a few ulps of the double-precision functions, right at the edges
 * (overflow, underflow, infinities, NaN), and its three forms — scalar, {@code VectorRows.expInPlace}, and
 * the statements of generated kernels — give identical bits for every input.
 */
class FloatMathTest {
    private static final float[] SPECIAL = {0f, -0f, 1e-30f, -1e-30f, 1e-6f, -1e-6f, 0.5f, -0.5f, 0.6249999f, 0.625f, -0.625f, 1f, -1f, 9f, -9f,
            20f, -20f, 44f, -44f, 87f, -87f, -87.33654f, -87.33655f, -88f, -100f, 88.37f, 88.72f, 88.72284f, 88.72285f, 89f, 100f, 1e30f, -1e30f,
            Float.MAX_VALUE, -Float.MAX_VALUE, Float.MIN_VALUE, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY, Float.NaN};

    /** Random floats spread over [-lim, lim], plus the special values in that range (and the infinities and NaN). */
    private static float[] inputs(float lim, int count, long seed) {
        SplittableRandom rnd = new SplittableRandom(seed);
        float[] special = new float[SPECIAL.length];
        int k = 0;
        for (float v : SPECIAL) {
            if (Math.abs(v) <= lim || Float.isInfinite(v) || Float.isNaN(v)) {
                special[k++] = v;
            }
        }
        special = java.util.Arrays.copyOf(special, k);
        float[] x = new float[count + special.length];
        for (int i = 0; i < count; i++) {
            // Half uniform, half log-uniform in magnitude (small arguments matter for tanh and exp near 1).
            x[i] = i % 2 == 0 ? (float) rnd.nextDouble(-lim, lim) : (float) (Math.copySign(Math.pow(10, rnd.nextDouble(-8, Math.log10(lim))), rnd.nextDouble() - 0.5));
        }
        System.arraycopy(special, 0, x, count, special.length);
        return x;
    }

    /** Largest error in ulps of the float result over the inputs whose exact value is a normal float. */
    private static double maxUlps(float[] xs, DoubleUnaryOperator exact, java.util.function.IntFunction<Float> got) {
        double worst = 0;
        for (int i = 0; i < xs.length; i++) {
            double e = exact.applyAsDouble(xs[i]);
            if (Double.isNaN(e) || Math.abs(e) < Float.MIN_NORMAL || Math.abs(e) > Float.MAX_VALUE) {
                continue;
            }
            worst = Math.max(worst, Math.abs(got.apply(i) - e) / Math.ulp((float) e));
        }
        return worst;
    }

    private static void assertUlps(float[] xs, DoubleUnaryOperator exact, java.util.function.IntFunction<Float> got, double bound, String what) {
        double ulps = maxUlps(xs, exact, got);
        assertTrue(ulps <= bound, what + ": " + ulps + " ulps");
    }

    @Test
    void accurateToAFewUlps() {
        float[] e = inputs(88.37f, 200_000, 1);
        assertUlps(e, Math::exp, i -> FloatMath.exp(e[i]), 1, "exp");
        float[] top = new float[10_000];
        for (int i = 0; i < top.length; i++) {
            top[i] = 88.37f + i * (88.72284f - 88.37f) / top.length; // where n is capped at 127 and r reaches ln 2
        }
        assertUlps(top, Math::exp, i -> FloatMath.exp(top[i]), 6, "exp near overflow");
        float[] t = inputs(12, 200_000, 2);
        assertUlps(t, Math::tanh, i -> FloatMath.tanh(t[i]), 6, "tanh");
        float[] s = inputs(80, 200_000, 3);
        assertUlps(s, x -> 1 / (1 + Math.exp(-x)), i -> FloatMath.sigmoid(s[i]), 3, "sigmoid");
    }

    @Test
    void edgesAreExact() {
        assertEquals(1f, FloatMath.exp(0f));
        assertEquals(Float.POSITIVE_INFINITY, FloatMath.exp(88.72285f));
        assertEquals(Float.POSITIVE_INFINITY, FloatMath.exp(Float.POSITIVE_INFINITY));
        assertEquals(0f, FloatMath.exp(-88f));
        assertEquals(0f, FloatMath.exp(Float.NEGATIVE_INFINITY));
        assertTrue(Float.isNaN(FloatMath.exp(Float.NaN)));
        assertEquals((float) Math.exp(88.72f), FloatMath.exp(88.72f), 6 * Math.ulp((float) Math.exp(88.72f)));
        assertEquals(1f, FloatMath.tanh(10f));
        assertEquals(-1f, FloatMath.tanh(-10f));
        assertEquals(1f, FloatMath.tanh(Float.POSITIVE_INFINITY));
        assertEquals(-1f, FloatMath.tanh(Float.NEGATIVE_INFINITY));
        assertEquals(1e-30f, FloatMath.tanh(1e-30f));
        assertEquals(Float.floatToIntBits(-0f), Float.floatToIntBits(FloatMath.tanh(-0f)));
        // The rational form's rounding would pass 1 near the clamp; the result is clamped to [-1, 1].
        for (float x = 7f; x < 9.1f; x = Math.nextUp(x)) {
            float y = FloatMath.tanh(x);
            if (y > 1f || FloatMath.tanh(-x) != -y) {
                throw new AssertionError("tanh(" + x + ") = " + y + ", tanh(-x) = " + FloatMath.tanh(-x));
            }
        }
        assertTrue(Float.isNaN(FloatMath.tanh(Float.NaN)));
        assertEquals(0.5f, FloatMath.sigmoid(0f));
        assertEquals(1f, FloatMath.sigmoid(100f));
        assertEquals(0f, FloatMath.sigmoid(-200f), 1e-38f);
        assertTrue(Float.isNaN(FloatMath.sigmoid(Float.NaN)));
    }

    @Test
    void vectorRowsExpHasTheScalarBits() {
        assumeTrue(VectorSupport.floatLanes() > 0, "needs jdk.incubator.vector");
        int lanes = FloatVector.SPECIES_PREFERRED.length();
        float[] x = inputs(100, 100_000, 4);
        float[] padded = java.util.Arrays.copyOf(x, x.length + lanes);
        float[] y = java.util.Arrays.copyOf(padded, padded.length / lanes * lanes);
        VectorRows.expInPlace(y, y.length);
        for (int i = 0; i < x.length; i++) {
            assertEquals(Float.floatToIntBits(FloatMath.exp(x[i])), Float.floatToIntBits(y[i]), "exp(" + x[i] + ")");
        }
    }

    @Test
    void generatedKernelsHaveTheScalarBitsInVectorLanesAndTails() {
        float[] x = inputs(1e30f, 20_000 - 3, 5); // 20,000 - 3 plus the specials: a remainder for the scalar tail
        Map<UnaryFn, java.util.function.Function<Float, Float>> fns = Map.of(UnaryFn.EXP, FloatMath::exp, UnaryFn.TANH, FloatMath::tanh,
                UnaryFn.SIGMOID, FloatMath::sigmoid);
        fns.forEach((fn, scalar) -> {
            Builder b = new Builder();
            Value in = b.input("x", DType.F32, x.length);
            Tensor y = CpuBackend.compile(b.build("y", b.unary(fn, in))).run(Map.of("x", Tensor.ofFloats(new int[] {x.length}, x))).get("y");
            for (int i = 0; i < x.length; i++) {
                assertEquals(Float.floatToIntBits(scalar.apply(x[i])), Float.floatToIntBits((float) y.getDouble(i)), fn + "(" + x[i] + ") at " + i);
            }
        });
    }
}
