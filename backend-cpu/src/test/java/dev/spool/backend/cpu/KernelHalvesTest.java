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
 * Generated kernels large enough to run in two halves (one on {@link SecondCore}): a fused kernel
 * with a broadcast bias (two axes: rows split) and one over contiguous operands (one axis, cut at a
 * multiple of 64, with a scalar tail), against the reference interpreter, and with the same bits as
 * when the helper is taken and the calling thread runs both halves.
 */
class KernelHalvesTest {

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
        var program = CpuBackend.compile(g);
        Map<String, Tensor> got = program.run(in);
        Map<String, Tensor> want = CpuBackend.reference(g).run(in);
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
