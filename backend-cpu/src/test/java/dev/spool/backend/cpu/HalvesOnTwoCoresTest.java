package dev.spool.backend.cpu;

import dev.spool.graph.Graph;
import dev.spool.graph.Tensor;
import dev.spool.graph.Value;
import dev.spool.ops.Builder;
import dev.spool.runtime.internal.cpu.SecondCore;

import org.junit.jupiter.api.Test;

import java.util.HashMap;
import java.util.Map;
import java.util.Random;

import static dev.spool.graph.DType.F32;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Work large enough to run in two halves, one on {@link SecondCore}: generated kernels (a fused
 * kernel with a broadcast bias, two axes, rows split; one over contiguous operands, one axis cut at
 * a multiple of 64, with a scalar tail), a large gather, and the cross-entropy gradient, with a bias
 * broadcast into the logits' rows before them. Against the reference interpreter, and with the same bits as when
 * the helper is taken and the calling thread runs both halves.
 */
class HalvesOnTwoCoresTest {

    @Test
    void kernelsRunInHalvesMatchTheReferenceAndTheirBitsDoNotDependOnTheThread() {
        var b = new Builder();
        Value x = b.input("x", F32, 70, 301);
        Value bias = b.parameter("bias", F32, 301);
        Value gated = b.mul(b.sigmoid(b.add(x, bias)), b.tanh(x));
        Value plain = b.add(b.mul(x, x), b.tanh(x));
        Graph g = b.build("gated", gated, "plain", plain);
        Random rnd = new Random(5);
        float[] xs = new float[70 * 301];
        float[] bs = new float[301];
        for (int i = 0; i < xs.length; i++) {
            xs[i] = (float) (rnd.nextGaussian() * 3);
        }
        for (int i = 0; i < bs.length; i++) {
            bs[i] = (float) rnd.nextGaussian();
        }
        Map<String, Tensor> in = new HashMap<>(Map.of("x", Tensor.of(xs, 70, 301), "bias", Tensor.of(bs, 301)));
        assertHalvesMatch(g, in);
    }

    @Test
    void theCrossEntropyGradientInHalvesMatchesTheReferenceWithTheSameBitsAlone() {
        // 701 rows of 30 classes (21,030 elements): split at row 350. The logits get a bias broadcast
        // over their rows (a GEMM with beta 1 after a copy of the bias into every row).
        var b = new Builder();
        Value h = b.input("h", F32, 701, 9);
        Value w = b.parameter("w", F32, 30, 9);
        Value bias = b.parameter("bias", F32, 30);
        Value ids = b.input("ids", dev.spool.graph.DType.I64, 701);
        Value loss = b.crossEntropy(b.add(b.matmul(h, w, false, true), bias), ids);
        Graph g = dev.spool.ops.Grad.of(b.build("loss", loss), "loss", java.util.List.of("h", "w", "bias"));
        Random rnd = new Random(7);
        Tensor ht = Tensor.zeros(F32, 701, 9);
        Tensor wt = Tensor.zeros(F32, 30, 9);
        Tensor bt = Tensor.zeros(F32, 30);
        for (Tensor t : new Tensor[] {ht, wt, bt}) {
            for (int i = 0; i < t.size(); i++) {
                t.setDouble(i, rnd.nextGaussian());
            }
        }
        Tensor it = Tensor.zeros(dev.spool.graph.DType.I64, 701);
        for (int i = 0; i < 701; i++) {
            it.setLong(i, rnd.nextInt(30));
        }
        assertHalvesMatch(g, new HashMap<>(Map.of("h", ht, "w", wt, "bias", bt, "ids", it)));
    }

    @Test
    void aLargeGatherInHalvesMatchesTheReference() {
        // 101 rows of 1,000 floats (404 KB): split at row 50, past the 256 KB threshold.
        var b = new Builder();
        Value table = b.parameter("table", F32, 37, 1000);
        Value ids = b.input("ids", dev.spool.graph.DType.I64, 101);
        Graph g = b.build("rows", b.mul(b.gather(table, ids), b.gather(table, ids)));
        Random rnd = new Random(9);
        Tensor tt = Tensor.zeros(F32, 37, 1000);
        for (int i = 0; i < tt.size(); i++) {
            tt.setDouble(i, rnd.nextGaussian());
        }
        Tensor it = Tensor.zeros(dev.spool.graph.DType.I64, 101);
        for (int i = 0; i < 101; i++) {
            it.setLong(i, rnd.nextInt(37));
        }
        assertHalvesMatch(g, new HashMap<>(Map.of("table", tt, "ids", it)));
    }

    private static void assertHalvesMatch(Graph g, Map<String, Tensor> in) {
        var program = CpuBackend.compile(g);
        Map<String, Tensor> got = program.run(in);
        Map<String, Tensor> want = CpuBackend.reference(g).run(in);
        @SuppressWarnings("unchecked")
        Map<String, Tensor>[] alone = new Map[1];
        SecondCore.run(() -> alone[0] = program.run(in), () -> { });
        for (String name : want.keySet()) {
            double[] w = want.get(name).toDoubles();
            double[] o = got.get(name).toDoubles();
            double[] a = alone[0].get(name).toDoubles();
            assertEquals(w.length, o.length, name);
            for (int i = 0; i < w.length; i++) {
                assertEquals(w[i], o[i], 1e-5 * Math.max(1, Math.abs(w[i])), name + "[" + i + "]");
                assertEquals(Double.doubleToRawLongBits(a[i]), Double.doubleToRawLongBits(o[i]), name + "[" + i + "] alone vs in halves");
            }
        }
    }
}
