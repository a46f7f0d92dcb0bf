package dev.spool.backend.cpu;

import dev.spool.compiler.Pipeline;
import dev.spool.graph.DType;
import dev.spool.graph.Graph;
import dev.spool.graph.Tensor;
import dev.spool.graph.Value;
import dev.spool.ops.Builder;
import dev.spool.ops.Grad;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The fused classifier head ({@code linear_xent_grad}, run block by block and in two halves)
 * computes the loss and the gradients of h, w and b that the unfused instructions compute, and both
 * agree with the float64 reference interpreter.
 */
class LinearCrossEntropyNumericTest {
    /** Mean cross-entropy of h·wᵀ (+ b) against the targets, and its gradient with respect to h, w (and b). */
    private static Graph head(DType dt, int rows, int features, int classes, boolean bias) {
        Builder b = new Builder();
        Value h = b.parameter("h", dt, rows, features);
        Value w = b.parameter("w", dt, classes, features);
        Value logits = bias ? b.linear(h, w, b.parameter("b", dt, classes)) : b.matmul(h, w, false, true);
        Graph loss = b.build("loss", b.crossEntropy(logits, b.input("targets", DType.I64, rows)));
        return Grad.of(loss, "loss", bias ? List.of("h", "w", "b") : List.of("h", "w"));
    }

    private static Map<String, Tensor> feeds(DType dt, int rows, int features, int classes, boolean bias) {
        Random rnd = new Random(rows + 31L * features);
        Map<String, Tensor> f = new java.util.TreeMap<>();
        f.put("h", gaussian(dt, rnd, 1, rows, features));
        f.put("w", gaussian(dt, rnd, 1 / Math.sqrt(features), classes, features));
        if (bias) {
            f.put("b", gaussian(dt, rnd, 0.5, classes));
        }
        Tensor t = Tensor.zeros(DType.I64, rows);
        for (int i = 0; i < rows; i++) {
            t.setDouble(i, rnd.nextInt(classes));
        }
        f.put("targets", t);
        return f;
    }

    private static Tensor gaussian(DType dt, Random rnd, double scale, int... shape) {
        Tensor v = Tensor.zeros(dt, shape);
        for (int i = 0; i < v.size(); i++) {
            v.setDouble(i, rnd.nextGaussian() * scale);
        }
        return v;
    }

    private static Map<String, Tensor> asF64(Map<String, Tensor> feeds) {
        Map<String, Tensor> out = new java.util.TreeMap<>();
        feeds.forEach((k, v) -> {
            if (v.dtype() == DType.F32) {
                Tensor d = Tensor.zeros(DType.F64, v.shape());
                for (int i = 0; i < v.size(); i++) {
                    d.setDouble(i, v.getDouble(i));
                }
                out.put(k, d);
            } else {
                out.put(k, v);
            }
        });
        return out;
    }

    @ParameterizedTest(name = "rows {0}, F {1}, C {2}, bias {3}")
    @CsvSource({
        "2500, 32, 28, true",   // two halves of 1250 rows (blocks of 1024), each ending in a partial block
        "300, 32, 28, true",    // one half, one partial block
        "1120, 256, 28, false", // wide h: blocks of 128 rows, two halves, no bias
        "5000, 8, 5, true"      // few classes: a row shorter than a vector
    })
    void fusedHeadMatchesTheUnfusedInstructionsAndTheFloat64Reference(int rows, int features, int classes, boolean bias) {
        Graph g32 = head(DType.F32, rows, features, classes, bias);
        Map<String, Tensor> feeds = feeds(DType.F32, rows, features, classes, bias);
        CpuProgram fused = CpuBackend.compile(g32, Pipeline.standard());
        String text = fused.program(Map.of()).toString();
        assertTrue(text.contains("linear_xent_grad") && !text.contains("cross_entropy_grad"), "the head is fused:\n" + text);
        Map<String, Tensor> got = fused.run(feeds);
        Map<String, Tensor> unfused = CpuBackend.compile(g32, Pipeline.standard().without(Set.of("linear-xent"))).run(feeds);
        Map<String, Tensor> want = CpuBackend.reference(head(DType.F64, rows, features, classes, bias)).run(asF64(feeds));
        assertEquals(want.keySet(), got.keySet());
        for (String k : want.keySet()) {
            double[] ref = want.get(k).toDoubles();
            double[] a = got.get(k).toDoubles();
            double[] u = unfused.get(k).toDoubles();
            double scale = java.util.Arrays.stream(ref).map(Math::abs).max().orElse(1);
            for (int i = 0; i < ref.length; i++) {
                assertTrue(Math.abs(a[i] - ref[i]) <= 2e-6 * scale, k + "[" + i + "]: fused " + a[i] + ", float64 " + ref[i]);
                assertTrue(Math.abs(a[i] - u[i]) <= 2e-6 * scale, k + "[" + i + "]: fused " + a[i] + ", unfused " + u[i]);
            }
        }
    }
}
