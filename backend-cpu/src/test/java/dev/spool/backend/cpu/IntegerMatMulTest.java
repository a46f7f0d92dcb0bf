package dev.spool.backend.cpu;

import dev.spool.graph.DType;
import dev.spool.graph.Graph;
import dev.spool.graph.Tensor;
import dev.spool.ops.Builder;
import dev.spool.program.internal.Instr;

import org.junit.jupiter.api.Test;

import java.util.Arrays;
import java.util.Map;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Integer matrix products run as compiled GEMM steps (no interpreter fallback), exactly. */
class IntegerMatMulTest {

    @Test
    void aTwoByTwoProductIsExact() {
        Builder b = new Builder();
        Graph g = b.build("y", b.matmul(b.input("a", DType.I64, 2, 2), b.input("b", DType.I64, 2, 2), false, false));
        Map<String, Tensor> feeds = Map.of("a", Tensor.ofLongs(new int[] {2, 2}, 1, 2, 3, 4), "b", Tensor.ofLongs(new int[] {2, 2}, 5, 6, 7, 8));
        CpuProgram p = CpuBackend.compile(g);
        assertArrayEquals(new double[] {19, 22, 43, 50}, p.run(feeds).get("y").toDoubles());
        assertTrue(p.program(p.dims(feeds)).code().stream().noneMatch(i -> i instanceof Instr.Fallback), "no reference instruction");
    }

    @Test
    void transposedAndBatchedProductsMatchTheReferenceInterpreter() {
        Random rnd = new Random(4);
        for (DType t : new DType[] {DType.I32, DType.I64}) {
            for (boolean ta : new boolean[] {false, true}) {
                for (boolean tb : new boolean[] {false, true}) {
                    Builder b = new Builder();
                    int[] as = ta ? new int[] {2, 4, 3} : new int[] {2, 3, 4};
                    int[] bs = tb ? new int[] {5, 4} : new int[] {4, 5};
                    Graph g = b.build("y", b.matmul(b.input("a", t, Arrays.stream(as).boxed().toArray()), b.input("b", t, Arrays.stream(bs).boxed().toArray()),
                            ta, tb));
                    Map<String, Tensor> feeds = Map.of("a", random(rnd, t, as), "b", random(rnd, t, bs));
                    double[] want = CpuBackend.reference(g).run(feeds).get("y").toDoubles();
                    double[] got = CpuBackend.compile(g).run(feeds).get("y").toDoubles();
                    assertArrayEquals(want, got, t + " transA=" + ta + " transB=" + tb);
                }
            }
        }
    }

    private static Tensor random(Random rnd, DType t, int[] shape) {
        Tensor x = Tensor.zeros(t, shape);
        for (int i = 0; i < x.size(); i++) {
            x.setLong(i, rnd.nextInt(19) - 9);
        }
        return x;
    }
}
