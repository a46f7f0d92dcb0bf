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
import java.util.function.Supplier;

import static dev.spool.graph.DType.F32;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The gate kernels of a scan step run inside the recurrent product's chunks (the executor's
 * {@code GemmEpilogue}): an LSTM step's three kernels are taken in, and every output has the same
 * bits as with the kernels run on their own after the product ({@code -Dspool.gemmEpilogue=false}),
 * forward and backward, and matches the reference interpreter.
 */
class GemmEpilogueScanTest {
    /** An LSTM layer written from ops (PyTorch's gate order i, f, g, o), hidden 64 (a 64 KB packed weight, within half of any L2 cache), returning all outputs and the last carries. */
    private static Graph lstm(boolean grad) {
        int hidden = 64;
        var b = new Builder();
        Value xs = b.input("x", F32, "T", "B", 7);
        Value w = b.parameter("w", F32, 4 * hidden, 7);
        Value u = b.parameter("u", F32, 4 * hidden, hidden);
        Value bias = b.parameter("bias", F32, 4 * hidden);
        var r = b.scan(ScanOptions.DEFAULT, List.of(b.fill(0.0, F32, "B", hidden), b.fill(0.0, F32, "B", hidden)), List.of(xs), (c, s) -> {
            Value gates = b.add(b.add(b.matmul(s.get(0), w, false, true), bias), b.matmul(c.get(0), u, false, true));
            Value i = b.sigmoid(b.slice(gates, -1, 0, hidden));
            Value f = b.sigmoid(b.slice(gates, -1, hidden, 2 * hidden));
            Value g = b.tanh(b.slice(gates, -1, 2 * hidden, 3 * hidden));
            Value o = b.sigmoid(b.slice(gates, -1, 3 * hidden, 4 * hidden));
            Value cell = b.add(b.mul(f, c.get(1)), b.mul(i, g));
            Value h = b.mul(o, b.tanh(cell));
            return Step.of(List.of(h, cell), List.of(h));
        });
        if (!grad) {
            return b.build("ys", r.outputs().get(0), "h", r.carries().get(0), "c", r.carries().get(1));
        }
        Value dy = b.input("grad_ys", F32, "T", "B", hidden);
        Graph g = b.build("loss", b.sum(b.mul(r.outputs().get(0), dy)));
        return dev.spool.ops.Grad.of(g, "loss", List.of("w", "u", "bias", "x"));
    }

    private static Map<String, Tensor> inputs(boolean grad) {
        Random rnd = new Random(21);
        int hidden = 64;
        Map<String, Tensor> in = new HashMap<>(Map.of("x", PackedGemmScanTest.random(rnd, 1, 9, 26, 7), "w", PackedGemmScanTest.random(rnd, 0.3, 4 * hidden, 7),
                "u", PackedGemmScanTest.random(rnd, 1 / Math.sqrt(hidden), 4 * hidden, hidden), "bias", PackedGemmScanTest.random(rnd, 0.1, 4 * hidden)));
        if (grad) {
            in.put("grad_ys", PackedGemmScanTest.random(rnd, 1, 9, 26, hidden));
        }
        return in;
    }

    private static <T> T withEpilogue(boolean on, Supplier<T> run) {
        String before = System.getProperty("spool.gemmEpilogue");
        System.setProperty("spool.gemmEpilogue", Boolean.toString(on));
        try {
            return run.get();
        } finally {
            if (before == null) {
                System.clearProperty("spool.gemmEpilogue");
            } else {
                System.setProperty("spool.gemmEpilogue", before);
            }
        }
    }

    private static void assertSameBits(Map<String, Tensor> want, Map<String, Tensor> got) {
        assertEquals(want.keySet(), got.keySet());
        for (String name : want.keySet()) {
            assertArrayEquals(want.get(name).toDoubles(), got.get(name).toDoubles(), name);
        }
    }

    @Test
    void lstmGateKernelsRunInTheProductsChunksWithTheSameBits() {
        check(false);
    }

    @Test
    void lstmGradientHasTheSameBitsWithTheGateKernelsInTheProductsChunks() {
        check(true);
    }

    private static void check(boolean grad) {
        Assumptions.assumeTrue(VectorSupport.floatLanes() > 0, "no Vector API here, so the recurrent product runs on OpenBLAS and has no chunks");
        Graph g = lstm(grad);
        Map<String, Tensor> in = inputs(grad);
        // Programs are built for their sizes at the first run, with the switch as it is then.
        long before = PackedGemm.epilogueKernels();
        Map<String, Tensor> got = withEpilogue(true, () -> CpuBackend.compile(g).run(in));
        long taken = PackedGemm.epilogueKernels() - before;
        // In the gradient's forward all three of the step's kernels: the cell kernel reads c from step
        // t's slot of its stack and writes step t + 1's, two views of one buffer that never meet.
        int least = grad ? 3 : 2;
        assertTrue(taken >= least, "at least " + least + " gate kernels run in the product's chunks, got " + taken);
        Map<String, Tensor> apart = withEpilogue(false, () -> CpuBackend.compile(g).run(in));
        assertEquals(before + taken, PackedGemm.epilogueKernels(), "switched off, no kernel is taken in");
        assertSameBits(apart, got);
        Map<String, Tensor> want = CpuBackend.reference(g).run(in);
        for (String name : want.keySet()) {
            double[] w = want.get(name).toDoubles();
            double[] o = got.get(name).toDoubles();
            for (int i = 0; i < w.length; i++) {
                assertEquals(w[i], o[i], 1e-4 * Math.max(1, Math.abs(w[i])), name + "[" + i + "]");
            }
        }
    }
}
