package dev.spool.backend.cpu;

import dev.spool.compiler.Pipeline;
import dev.spool.graph.DType;
import dev.spool.graph.Graph;
import dev.spool.graph.GraphBuilder.ScanResult;
import dev.spool.graph.GraphBuilder.Step;
import dev.spool.graph.Tensor;
import dev.spool.graph.Value;
import dev.spool.ops.Builder;

import org.junit.jupiter.api.Test;

import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertTrue;

/** The merged recurrent matmuls compute what the gate-by-gate cell as written computes. */
class MatMulMergingNumericTest {
    /** A GRU-like cell written gate by gate, the recurrent weights of unequal widths (r and z: h; n: two of h/2). */
    private static Graph gateByGate(DType dt, int in, int h) {
        var b = new Builder();
        Value x = b.input("x", dt, "T", "B", in);
        Value wr = b.parameter("w_r", dt, h, h);
        Value wz = b.parameter("w_z", dt, h, h);
        Value wn = b.parameter("w_n", dt, h, h / 2);
        Value wp = b.parameter("w_p", dt, h, h / 2);
        Value ur = b.parameter("u_r", dt, h, in);
        Value uz = b.parameter("u_z", dt, h, in);
        Value un = b.parameter("u_n", dt, h, in);
        ScanResult r = b.scan(List.of(b.zeros(dt, "B", h)), List.of(x), (c, xs) -> {
            Value hh = c.get(0);
            Value rg = b.sigmoid(b.add(b.matmul(hh, wr), b.matmul(xs.get(0), ur, false, true)));
            Value zg = b.sigmoid(b.add(b.matmul(hh, wz), b.matmul(xs.get(0), uz, false, true)));
            Value n = b.tanh(b.add(b.matmul(xs.get(0), un, false, true), b.mul(rg, b.concat(1, List.of(b.matmul(hh, wn), b.matmul(hh, wp))))));
            Value next = b.add(b.mul(b.sub(b.scalar(1, dt), zg), n), b.mul(zg, hh));
            return Step.of(List.of(next), List.of(next));
        });
        return b.build("y", r.outputs().get(0), "h", r.carries().get(0));
    }

    private static Map<String, Tensor> feeds(DType dt, int in, int h, int t, int batch) {
        Random rnd = new Random(7);
        Map<String, int[]> shapes = Map.of("x", new int[] {t, batch, in}, "w_r", new int[] {h, h}, "w_z", new int[] {h, h},
                "w_n", new int[] {h, h / 2}, "w_p", new int[] {h, h / 2}, "u_r", new int[] {h, in}, "u_z", new int[] {h, in}, "u_n", new int[] {h, in});
        Map<String, Tensor> f = new java.util.TreeMap<>();
        for (var e : new java.util.TreeMap<>(shapes).entrySet()) {
            Tensor v = Tensor.zeros(dt, e.getValue());
            double scale = e.getKey().equals("x") ? 1 : 1 / Math.sqrt(h);
            for (int i = 0; i < v.size(); i++) {
                v.setDouble(i, rnd.nextGaussian() * scale);
            }
            f.put(e.getKey(), v);
        }
        return f;
    }

    @Test
    void mergedMatmulsMatchTheReferenceInFloat64() {
        Graph g = gateByGate(DType.F64, 3, 8);
        Map<String, Tensor> feeds = feeds(DType.F64, 3, 8, 5, 2);
        Map<String, Tensor> want = CpuBackend.reference(g).run(feeds);
        Map<String, Tensor> got = CpuBackend.compile(g, Pipeline.standard()).run(feeds);
        for (String k : want.keySet()) {
            double[] a = want.get(k).toDoubles();
            double[] b = got.get(k).toDoubles();
            for (int i = 0; i < a.length; i++) {
                assertTrue(Math.abs(a[i] - b[i]) <= 1e-12 * Math.max(1, Math.abs(a[i])), k + "[" + i + "]: " + a[i] + " vs " + b[i]);
            }
        }
    }

    @Test
    void mergedPackedGemmsMatchTheUnmergedInFloat32() {
        // H = 256: the merged (n = 768) and the unmerged products are all wide enough for the packed
        // in-loop GEMM. The input projections go to OpenBLAS, whose blocking may differ with n, so
        // the results agree to rounding, not necessarily in every bit.
        Graph g = gateByGate(DType.F32, 16, 256);
        Map<String, Tensor> feeds = feeds(DType.F32, 16, 256, 4, 8);
        Map<String, Tensor> merged = CpuBackend.compile(g, Pipeline.standard()).run(feeds);
        Map<String, Tensor> unmerged = CpuBackend.compile(g, Pipeline.standard().without(Set.of("merge-matmuls"))).run(feeds);
        for (String k : merged.keySet()) {
            double[] a = unmerged.get(k).toDoubles();
            double[] b = merged.get(k).toDoubles();
            for (int i = 0; i < a.length; i++) {
                assertTrue(Math.abs(a[i] - b[i]) <= 1e-5 * Math.max(1e-2, Math.abs(a[i])), k + "[" + i + "]: " + a[i] + " vs " + b[i]);
            }
        }
        assertTrue(Arrays.stream(merged.get("h").toDoubles()).filter(v -> Math.abs(v) > 1e-3).count() > 1000, "a cell that computes something");
    }
}
