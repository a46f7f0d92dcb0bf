package dev.spool.backend.cpu;

import dev.spool.graph.Graph;
import dev.spool.graph.Tensor;
import dev.spool.graph.Value;
import dev.spool.ops.Builder;
import org.junit.jupiter.api.Test;

import java.util.Map;

import static dev.spool.graph.DType.F64;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;

/**
 * Lowering folds {@code matmul + bias} into one GEMM that starts from the bias; that is only
 * possible when the bias exists before the product runs.
 */
class BiasAddFoldingTest {

    @Test
    void aBiasComputedAfterTheProductIsAddedAfterIt() {
        var b = new Builder();
        Value x = b.input("x", F64, 2, 2);
        Value w = b.input("w", F64, 2, 2);
        Value v = b.input("v", F64, 2);
        Value y = b.matmul(x, w);                 // the product comes first in graph order,
        Value bias = b.neg(v);                    // its bias after it
        Graph g = b.build("out", b.add(bias, y));
        Map<String, Tensor> feeds = Map.of("x", Tensor.ofDoubles(new int[] {2, 2}, 1, 2, 3, 4),
                "w", Tensor.ofDoubles(new int[] {2, 2}, 1, 0, 0, 1), "v", Tensor.ofDoubles(new int[] {2}, 10, 20));

        double[] want = {-9, -18, -7, -16};
        assertArrayEquals(want, CpuBackend.reference(g).run(feeds).get("out").toDoubles());
        assertArrayEquals(want, CpuBackend.compile(g).run(feeds).get("out").toDoubles());
    }
}
