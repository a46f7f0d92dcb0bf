package dev.spool.backend.cpu;

import dev.spool.backend.cpu.reference.KernelMath;
import dev.spool.graph.DType;
import dev.spool.graph.Graph;
import dev.spool.graph.Tensor;
import dev.spool.graph.Value;
import dev.spool.ops.Builder;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.util.List;
import java.util.Map;
import java.util.Random;

import static dev.spool.graph.DType.F32;
import static dev.spool.graph.DType.F64;
import static dev.spool.graph.DType.I64;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

/** Kernels run through graphs, against naive loops or hand-computed values. */
class KernelsTest {
    private final Random rnd = new Random(7);

    private Tensor random(DType t, int... shape) {
        Tensor x = Tensor.zeros(t, shape);
        for (int i = 0; i < x.size(); i++) {
            x.setDouble(i, rnd.nextGaussian());
        }
        return x;
    }

    private static Tensor run(Graph g, Map<String, Tensor> feeds) {
        return CpuBackend.compile(g).run(feeds).values().iterator().next();
    }

    @ParameterizedTest(name = "{0} transA={1} transB={2}")
    @CsvSource({"F32,false,false", "F32,true,false", "F32,false,true", "F32,true,true", "F64,false,true", "F64,true,true", "I64,true,false"})
    void batchedMatmulMatchesNaiveLoops(DType t, boolean ta, boolean tb) {
        int batch = 3, m = 4, k = 5, n = 2;
        Tensor a = ta ? random(t, batch, k, m) : random(t, batch, m, k);
        Tensor bm = tb ? random(t, n, k) : random(t, k, n);
        var b = new Builder();
        Value av = b.input("a", t, a.shape());
        Value bv = b.input("b", t, bm.shape());
        Tensor c = run(b.build("c", b.matmul(av, bv, ta, tb)), Map.of("a", a, "b", bm));
        assertArrayEquals(new int[] {batch, m, n}, c.shape());
        for (int p = 0; p < batch; p++) {
            for (int i = 0; i < m; i++) {
                for (int j = 0; j < n; j++) {
                    double s = 0;
                    for (int q = 0; q < k; q++) {
                        s += a.getDouble(p * m * k + (ta ? q * m + i : i * k + q)) * bm.getDouble(tb ? j * k + q : q * n + j);
                    }
                    assertEquals(s, c.getDouble((p * m + i) * n + j), 1e-5 * Math.max(1, Math.abs(s)));
                }
            }
        }
    }

    @Test
    void matmulBroadcastsBatchAxesAndReadsViews() {
        Tensor a = random(F64, 2, 1, 3, 4);
        Tensor bm = random(F64, 5, 4, 2);
        var b = new Builder();
        Value av = b.input("a", F64, 2, 1, 3, 4);
        Value bv = b.input("b", F64, 5, 4, 2);
        Tensor c = run(b.build("c", b.matmul(av, bv)), Map.of("a", a, "b", bm));
        assertArrayEquals(new int[] {2, 5, 3, 2}, c.shape());
        for (int p = 0; p < 2; p++) {
            for (int r = 0; r < 5; r++) {
                for (int i = 0; i < 3; i++) {
                    for (int j = 0; j < 2; j++) {
                        double s = 0;
                        for (int q = 0; q < 4; q++) {
                            s += a.getDouble((p * 3 + i) * 4 + q) * bm.getDouble((r * 4 + q) * 2 + j);
                        }
                        assertEquals(s, c.getDouble(((p * 5 + r) * 3 + i) * 2 + j), 1e-12);
                    }
                }
            }
        }
    }

    @Test
    void broadcastingElementwiseAndWhere() {
        var b = new Builder();
        Value x = b.input("x", F64, 2, 3);
        Value y = b.input("y", F64, 3);
        Value col = b.input("col", F64, 2, 1);
        Value z = b.where(b.less(x, y), b.sub(x, col), b.mul(y, col));
        Tensor xt = Tensor.ofDoubles(new int[] {2, 3}, 1, 5, 3, 4, 0, 9);
        Tensor yt = Tensor.ofDoubles(new int[] {3}, 2, 2, 2);
        Tensor ct = Tensor.ofDoubles(new int[] {2, 1}, 10, 100);
        // x<y: [T,F,F],[F,T,F] -> [1-10, 2*10, 2*10], [2*100, 0-100, 2*100]
        assertArrayEquals(new double[] {-9, 20, 20, 200, -100, 200}, run(b.build("z", z), Map.of("x", xt, "y", yt, "col", ct)).toDoubles());
    }

    @Test
    void unaryFunctionsInFloat32() {
        var b = new Builder();
        Value x = b.input("x", F32, 4);
        Tensor xt = Tensor.ofFloats(new int[] {4}, -2f, -0.5f, 0f, 3f);
        Graph g = b.build("s", b.sigmoid(x), "t", b.tanh(x), "r", b.relu(x), "e", b.exp(x));
        var out = CpuBackend.compile(g).run(Map.of("x", xt));
        for (int i = 0; i < 4; i++) {
            double v = xt.getDouble(i);
            assertEquals(1 / (1 + Math.exp(-v)), out.get("s").getDouble(i), 1e-7);
            assertEquals(Math.tanh(v), out.get("t").getDouble(i), 1e-7);
            assertEquals(Math.max(0, v), out.get("r").getDouble(i), 0);
            assertEquals(Math.exp(v), out.get("e").getDouble(i), 1e-6);
        }
    }

    @Test
    void float32TanhIsCorrectlyRoundedToFloatPrecision() {
        for (double x = -25; x <= 25; x += 1e-3) {
            float f = (float) x;
            double want = Math.tanh(f);
            assertEquals(want, KernelMath.tanh(f), 1.2e-7 * Math.abs(want) + 1e-45, "tanh(" + f + ")");
        }
        for (float f : new float[] {1e-30f, -3e-9f, 9.99e-5f, 1.0001e-4f, Float.MIN_VALUE}) {
            assertEquals(Math.tanh(f), KernelMath.tanh(f), 1.2e-7 * Math.abs(Math.tanh(f)) + 1e-45, "tanh(" + f + ")");
        }
    }

    @Test
    void reductionsOverAxes() {
        var b = new Builder();
        Value x = b.input("x", F64, 2, 3);
        Graph g = b.build("rows", b.sum(x, 1), "cols", b.mean(x, 0), "all", b.max(x));
        var out = CpuBackend.compile(g).run(Map.of("x", Tensor.ofDoubles(new int[] {2, 3}, 1, 2, 3, 4, 8, 6)));
        assertArrayEquals(new double[] {6, 18}, out.get("rows").toDoubles());
        assertArrayEquals(new double[] {2.5, 5, 4.5}, out.get("cols").toDoubles());
        assertArrayEquals(new double[] {8}, out.get("all").toDoubles());
    }

    @Test
    void softmaxAndCrossEntropyMatchHandValues() {
        var b = new Builder();
        Value logits = b.input("logits", F64, 2, 3);
        Value targets = b.input("targets", I64, 2);
        Graph g = b.build("p", b.softmax(logits, 1), "lp", b.logSoftmax(logits, -1), "ce", b.crossEntropy(logits, targets));
        Tensor l = Tensor.ofDoubles(new int[] {2, 3}, 1, 2, 3, 0, 0, 1000);
        var out = CpuBackend.compile(g).run(Map.of("logits", l, "targets", Tensor.ofLongs(new int[] {2}, 0, 2)));
        double z = Math.exp(1) + Math.exp(2) + Math.exp(3);
        assertEquals(Math.exp(1) / z, out.get("p").getDouble(0), 1e-15);
        assertEquals(1.0, out.get("p").getDouble(5), 0, "stable for large logits");
        assertEquals(1 - Math.log(z), out.get("lp").getDouble(0), 1e-14);
        // Row 0: log z - 1. Row 1: target has the huge logit, loss ~ 0.
        assertEquals((Math.log(z) - 1 + 0) / 2, out.get("ce").getDouble(0), 1e-12);
    }

    @Test
    void dataMovement() {
        var b = new Builder();
        Value x = b.input("x", F64, 2, 3);
        Value ids = b.input("ids", I64, 3);
        Graph g = b.build(
                "t", b.transpose(x, 1, 0),
                "sl", b.slice(x, 1, 1, 3),
                "ix", b.index(x, 1, 2),
                "cat", b.concat(1, List.of(x, b.slice(x, 1, 0, 1))),
                "st", b.stack(1, List.of(x, x)),
                "g", b.gather(b.transpose(x, 1, 0), ids),
                "oh", b.oneHot(ids, 3, F64),
                "cast", b.cast(ids, F64));
        var out = CpuBackend.compile(g).run(Map.of("x", Tensor.ofDoubles(new int[] {2, 3}, 1, 2, 3, 4, 5, 6),
                "ids", Tensor.ofLongs(new int[] {3}, 2, 0, 2)));
        assertArrayEquals(new double[] {1, 4, 2, 5, 3, 6}, out.get("t").toDoubles());
        assertArrayEquals(new double[] {2, 3, 5, 6}, out.get("sl").toDoubles());
        assertArrayEquals(new double[] {3, 6}, out.get("ix").toDoubles());
        assertArrayEquals(new double[] {1, 2, 3, 1, 4, 5, 6, 4}, out.get("cat").toDoubles());
        assertArrayEquals(new int[] {2, 2, 3}, out.get("st").shape());
        assertArrayEquals(new double[] {1, 2, 3, 1, 2, 3, 4, 5, 6, 4, 5, 6}, out.get("st").toDoubles());
        assertArrayEquals(new double[] {3, 6, 1, 4, 3, 6}, out.get("g").toDoubles());
        assertArrayEquals(new double[] {0, 0, 1, 1, 0, 0, 0, 0, 1}, out.get("oh").toDoubles());
        assertArrayEquals(new double[] {2, 0, 2}, out.get("cast").toDoubles());
    }
}
