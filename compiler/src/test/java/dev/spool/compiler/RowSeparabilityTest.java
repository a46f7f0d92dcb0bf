package dev.spool.compiler;

import dev.spool.graph.DType;
import dev.spool.graph.Graph;
import dev.spool.graph.Value;
import dev.spool.ops.Builder;
import org.junit.jupiter.api.Test;

import java.util.Map;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@link RowSeparability}, rule by rule on small graphs: what keeps rows apart (elementwise ops with
 * broadcast weights, a product with the rows on the left, transposes, reductions and softmax along
 * other axes) gives the batch axis of every input and result; what mixes rows (a reduction or
 * softmax along the batch, the batch as a product's inner dim or on its right, a slice of the batch)
 * gives none.
 */
class RowSeparabilityTest {
    private static Optional<RowSeparability.Split> split(Graph g) {
        return RowSeparability.of(g, "B");
    }

    @Test
    void rowwiseOpsKeepTheBatchAxis() {
        var b = new Builder();
        Value x = b.input("x", DType.F32, "T", "B", 3);
        Value w = b.input("w", DType.F32, 4, 3);
        Value bias = b.input("bias", DType.F32, 4);
        Value y = b.softmax(b.tanh(b.add(b.matmul(x, w, false, true), bias)), -1);
        Value s = b.sum(y, 2);
        Value swapped = b.transpose(y, 1, 0, 2);
        RowSeparability.Split split = split(b.build(Map.of("y", y, "s", s, "swapped", swapped, "w2", b.mul(w, w)))).orElseThrow();
        assertEquals(Map.of("x", 1), split.inputAxes());
        assertEquals(Map.of("y", 1, "s", 1, "swapped", 0, "w2", -1), split.resultAxes());
    }

    @Test
    void opsThatMixRowsPreventASplit() {
        var b = new Builder();
        Value x = b.input("x", DType.F32, "B", 3);
        assertTrue(split(b.build("y", b.softmax(x, 0))).isEmpty(), "softmax along the batch");
        b = new Builder();
        x = b.input("x", DType.F32, "B", 3);
        assertTrue(split(b.build("y", b.sum(x, 0))).isEmpty(), "sum over the batch");
        b = new Builder();
        x = b.input("x", DType.F32, "B", 3);
        assertTrue(split(b.build("y", b.sum(x))).isEmpty(), "sum of everything");
        b = new Builder();
        x = b.input("x", DType.F32, "B", 3);
        Value v = b.input("v", DType.F32, "B", 4);
        assertTrue(split(b.build("y", b.matmul(x, v, true, false))).isEmpty(), "the batch contracted (xᵀ·v)");
        b = new Builder();
        x = b.input("x", DType.F32, "B", 3);
        Value m = b.input("m", DType.F32, 5, 3);
        assertTrue(split(b.build("y", b.matmul(m, x, false, true))).isEmpty(), "rows on the right (m·xᵀ)");
        b = new Builder();
        x = b.input("x", DType.F32, "B", 3);
        assertTrue(split(b.build("y", b.mul(x, b.input("w", DType.F32, 3)))).isPresent(), "a weight broadcast along the rows");
    }
}
