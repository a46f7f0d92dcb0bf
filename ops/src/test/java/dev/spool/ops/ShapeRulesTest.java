package dev.spool.ops;

import dev.spool.graph.DType;
import dev.spool.graph.Dim;
import dev.spool.graph.GraphException;
import dev.spool.graph.Shape;
import dev.spool.graph.TensorType;
import dev.spool.graph.Value;
import org.junit.jupiter.api.Test;

import static dev.spool.graph.DType.F32;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ShapeRulesTest {

    private static String error(Runnable r) {
        return assertThrows(GraphException.class, r::run).getMessage();
    }

    @Test
    void broadcastingFollowsNumpy() {
        var b = new Builder();
        Value x = b.input("x", F32, "T", "B", 4);
        Value bias = b.input("bias", F32, 4);
        Value col = b.input("col", F32, "B", 1);
        assertEquals(TensorType.of(F32, "T", "B", 4), b.add(x, bias).type());
        assertEquals(TensorType.of(F32, "T", "B", 4), b.mul(x, col).type());
        assertEquals(TensorType.of(DType.BOOL, "T", "B", 4), b.less(x, bias).type());
    }

    @Test
    void incompatibleBroadcastNamesBothShapesAndAxis() {
        var b = new Builder();
        Value x = b.input("x", F32, 3, 4);
        Value y = b.input("y", F32, 5);
        String msg = error(() -> b.add(x, y));
        assertTrue(msg.startsWith("add#2: add: shapes (3, 4) and (5) do not broadcast (axis 1: 4 vs 5)"), msg);
    }

    @Test
    void symbolMeetingASizeIsAnErrorNotABinding() {
        var b = new Builder();
        Value x = b.input("x", F32, "B", 3);
        Value y = b.input("y", F32, 5, 3);
        String msg = error(() -> b.add(x, y));
        assertEquals("add#2: add: shapes (B, 3) and (5, 3) do not broadcast (axis 0: dimension B is symbolic but meets size 5;"
                + " a named dim is sized only when the graph runs (declare it as 5 if it is fixed))", msg);
        assertEquals(Shape.of("B", 3), b.typeOf(x).shape());
    }

    @Test
    void matmulInfersAndChecksContraction() {
        var b = new Builder();
        Value x = b.input("x", F32, "T", "B", 3);
        Value w = b.input("w", F32, 8, 3);
        assertEquals(TensorType.of(F32, "T", "B", 8), b.matmul(x, w, false, true).type());
        Value bad = b.input("bad", F32, 8, 5);
        String msg = error(() -> b.linear(x, bad, null));
        assertTrue(msg.contains("contraction dims differ: lhs F32(T, B, 3) has K=3, rhs F32(8, 5) has K=5"), msg);
    }

    @Test
    void dtypeMismatchAsksForACast() {
        var b = new Builder();
        Value x = b.input("x", F32, 2);
        Value y = b.input("y", DType.F64, 2);
        assertTrue(error(() -> b.add(x, y)).contains("operands differ in dtype: F32(2) vs F64(2); cast one of them"));
        Value i = b.input("i", DType.I64, 2);
        assertTrue(error(() -> b.tanh(i)).contains("tanh: needs a float operand"));
    }

    @Test
    void dataMovementShapes() {
        var b = new Builder();
        Value x = b.input("x", F32, 2, "B", 6);
        assertEquals(Shape.of(2, "B", 2), b.slice(x, -1, 2, 4).shape());
        assertEquals(Shape.of("B", 6), b.index(x, 0, 1).shape());
        assertEquals(Shape.of(2, "B", 12), b.concat(2, java.util.List.of(x, x)).shape());
        assertEquals(Shape.of(2, 2, "B", 6), b.stack(0, java.util.List.of(x, x)).shape());
        assertEquals(Shape.of(6, "B", 2), b.transpose(x, 2, 1, 0).shape());
        assertEquals(Shape.of("B", 12), b.reshape(b.transpose(x, 1, 0, 2), "B", 12).shape());
        assertEquals(Shape.of("B"), b.sum(x, 0, 2).shape());
        assertTrue(error(() -> b.slice(x, 0, 1, 3)).contains("range 1:3 is outside axis 0 of size 2"));
        assertTrue(error(() -> b.slice(x, 1, 0, 1)).contains("axis 1 of F32(2, B, 6) is symbolic"));
        assertTrue(error(() -> b.reshape(x, "B", 13)).contains("cannot reshape F32(2, B, 6) to (B, 13)"));
        assertTrue(error(() -> b.transpose(x, 0, 0, 1)).contains("is not a permutation"));
    }

    @Test
    void reshapeOfAnEmptyTensorToAnEmptyTargetIsValidWhateverItsSymbols() {
        var b = new Builder();
        // (T, B, 3) -> (T*B, 3) with T bound to 0: the B factor folds away in the product, both sides stay empty.
        Value x = b.input("x", DType.F32, 0, "B", 3);
        assertEquals(Shape.of(0, 3), b.reshape(x, Dim.product(Dim.of(0), Dim.of("B")), 3).shape());
        assertEquals(Shape.of(0, "B", 3), b.reshape(b.reshape(x, 0, 3), 0, "B", 3).shape());
        assertTrue(error(() -> b.reshape(x, "B", 3)).contains("cannot reshape"));
    }

    @Test
    void reshapeMergesSymbolicAxesIntoAProduct() {
        var b = new Builder();
        Value x = b.input("x", F32, "T", "B", 6);
        Dim tb = Dim.product(Dim.of("T"), Dim.of("B"));
        Value flat = b.reshape(x, tb, 6);
        assertEquals("(B*T, 6)", flat.shape().toString());
        assertEquals(Shape.of("T", "B", 2, 3), b.reshape(flat, "T", "B", 2, 3).shape());
        Value y = b.input("y", F32, "T", "B", 4);
        assertEquals(Shape.of(6, 4), b.matmul(flat, b.reshape(y, tb, 4), true, false).shape());
        Value fixedT = b.input("z", F32, 5, "B", 6);
        assertEquals("(5*B, 6)", b.reshape(fixedT, Dim.product(Dim.of(5), Dim.of("B")), 6).shape().toString());
        assertTrue(error(() -> b.reshape(x, Dim.product(Dim.of("T"), Dim.of("N")), 6)).contains("cannot reshape"));
    }

    @Test
    void classificationOps() {
        var b = new Builder();
        Value ids = b.input("ids", DType.I64, "T", "B");
        Value oh = b.oneHot(ids, 28, F32);
        assertEquals(TensorType.of(F32, "T", "B", 28), oh.type());
        Value emb = b.input("emb", F32, 28, 16);
        assertEquals(Shape.of("T", "B", 16), b.gather(emb, ids).shape());
        assertEquals(Shape.SCALAR, b.crossEntropy(oh, ids).shape());
        assertTrue(error(() -> b.crossEntropy(oh, oh)).contains("targets must be I32 or I64"));
        assertTrue(error(() -> b.crossEntropy(emb, ids)).contains("must have one more axis"));
    }
}
