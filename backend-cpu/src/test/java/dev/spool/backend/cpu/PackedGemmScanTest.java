package dev.spool.backend.cpu;

import dev.spool.graph.Graph;
import dev.spool.graph.GraphBuilder.ScanOptions;
import dev.spool.graph.GraphBuilder.Step;
import dev.spool.graph.Tensor;
import dev.spool.graph.Value;
import dev.spool.ops.Builder;
import dev.spool.runtime.internal.cpu.PackedGemm;
import dev.spool.runtime.internal.cpu.VectorSupport;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

import static dev.spool.graph.DType.F32;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Which GEMMs of a compiled scan run on {@link PackedGemm} (B packed once per loop): a recurrent
 * weight is, and the results equal the reference interpreter's; a carry in B's place is written at
 * every step, so it is not, and packing it once would give the first step's product every time.
 */
class PackedGemmScanTest {
    private static Tensor random(Random rnd, int... shape) {
        return random(rnd, 0.4, shape);
    }

    static Tensor random(Random rnd, double scale, int... shape) {
        int size = 1;
        for (int s : shape) {
            size *= s;
        }
        float[] v = new float[size];
        for (int i = 0; i < size; i++) {
            v[i] = (float) (rnd.nextGaussian() * scale);
        }
        return Tensor.of(v, shape);
    }

    private static void assertClose(Map<String, Tensor> want, Map<String, Tensor> got) {
        for (String name : want.keySet()) {
            double[] w = want.get(name).toDoubles();
            double[] o = got.get(name).toDoubles();
            assertEquals(w.length, o.length, name);
            for (int i = 0; i < w.length; i++) {
                assertEquals(w[i], o[i], 1e-5 * Math.max(1, Math.abs(w[i])), name + "[" + i + "]");
            }
        }
    }

    @Test
    void aRecurrentWeightIsPackedOncePerRunAndTheStepsMatchTheReference() {
        Assumptions.assumeTrue(VectorSupport.floatLanes() > 0, "no Vector API here, so every GEMM runs on OpenBLAS");
        // 13 rows (groups of 8, 4 and 1) and 130 units (at least four panels on any vector width, the
        // last one partial): h' = tanh(x_t·Wᵀ + h·Uᵀ), U scaled as PyTorch initialises it (1/√H), so
        // float rounding stays within the 1e-5 the comparison allows.
        var b = new Builder();
        Value xs = b.input("x", F32, "T", "B", 5);
        Value w = b.parameter("w", F32, 130, 5);
        Value u = b.parameter("u", F32, 130, 130);
        var r = b.scan(ScanOptions.DEFAULT, List.of(b.fill(0.1, F32, "B", 130)), List.of(xs), (c, s) -> {
            Value next = b.tanh(b.add(b.matmul(s.get(0), w, false, true), b.matmul(c.get(0), u, false, true)));
            return Step.of(List.of(next), List.of(next));
        });
        Graph g = b.build("ys", r.outputs().get(0), "h", r.carries().get(0));
        Random rnd = new Random(11);
        Map<String, Tensor> in = new HashMap<>(Map.of("x", random(rnd, 6, 13, 5), "w", random(rnd, 130, 5), "u", random(rnd, 1 / Math.sqrt(130), 130, 130)));
        var program = CpuBackend.compile(g);
        long before = PackedGemm.packs();
        Map<String, Tensor> got = program.run(in);
        assertTrue(PackedGemm.packs() > before, "the recurrent product ran packed");
        assertClose(CpuBackend.reference(g).run(in), got);
    }

    @Test
    void aCarryInTheRightOperandIsNotPacked() {
        // h' = tanh(M·h) + x_t with h of shape (6, B): B of the product is the carry, new at every step.
        var b = new Builder();
        Value xs = b.input("x", F32, "T", 6, "B");
        Value mat = b.parameter("m", F32, 6, 6);
        var r = b.scan(ScanOptions.DEFAULT, List.of(b.fill(0.5, F32, 6, "B")), List.of(xs), (c, s) -> {
            Value next = b.add(b.tanh(b.matmul(mat, c.get(0))), s.get(0));
            return Step.of(List.of(next), List.of(next));
        });
        Graph g = b.build("ys", r.outputs().get(0));
        Random rnd = new Random(12);
        Map<String, Tensor> in = new HashMap<>(Map.of("x", random(rnd, 7, 6, 40), "m", random(rnd, 6, 6)));
        var program = CpuBackend.compile(g);
        long before = PackedGemm.packs();
        Map<String, Tensor> got = program.run(in);
        assertEquals(before, PackedGemm.packs(), "nothing was packed");
        assertClose(CpuBackend.reference(g).run(in), got);
    }
}
