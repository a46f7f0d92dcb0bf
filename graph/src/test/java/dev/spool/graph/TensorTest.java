package dev.spool.graph;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class TensorTest {

    @Test
    void tooManyValuesForTheShapeIsAnError() {
        var e = assertThrows(IllegalArgumentException.class, () -> Tensor.ofFloats(new int[] {2}, 1, 2, 3));
        assertEquals("F32 tensor of shape [2] needs 2 values, got 3", e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> Tensor.ofLongs(new int[] {2, 2}, 1, 2, 3));
        assertThrows(IllegalArgumentException.class, () -> Tensor.of(new float[] {1, 2, 3, 4, 5}, 2, 3));
        assertThrows(IllegalArgumentException.class, () -> Tensor.wrap(DType.F64, new int[] {4}, new double[5]));
    }

    @Test
    void ofCopiesTheValuesAndDefaultsToAVector() {
        float[] values = {1, 2, 3, 4, 5, 6};
        Tensor t = Tensor.of(values, 2, 3);
        values[0] = 99;
        assertEquals(1.0, t.get(0, 0));
        assertArrayEquals(new int[] {6}, Tensor.of(values).shape());
        assertEquals(DType.I64, Tensor.of(new long[] {3, 1}).dtype());
        assertEquals(DType.BOOL, Tensor.of(new boolean[] {true}, 1).dtype());
    }

    @Test
    void aViewReadsAsItsOwnElements() {
        Tensor xs = Tensor.of(new float[] {1, 2, 3, 4, 5, 6}, 3, 2);
        Tensor step = xs.step(1);
        assertTrue(step.isView());
        assertArrayEquals(new float[] {3, 4}, step.toFloatArray());
        assertArrayEquals(new double[] {3, 4}, step.toDoubleArray());
        assertArrayEquals(new float[] {3, 4, 5, 6}, xs.slice0(1, 2).toFloatArray());
        var e = assertThrows(IllegalStateException.class, step::floats);
        assertTrue(e.getMessage().contains("toFloatArray()"), e.getMessage());
        assertEquals(6, ((float[]) step.data()).length, "data() is the raw backing array");
        assertFalse(xs.isView());
        assertEquals(6, xs.floats().length);
        assertEquals(5.0, xs.reshape(6).step(4).get());
    }

    @Test
    void multiIndexReadsAreRowMajorAndChecked() {
        Tensor t = Tensor.of(new double[] {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11}, 2, 3, 2);
        assertEquals(9.0, t.get(1, 1, 1));
        assertEquals(1 * 6 + 1 * 2 + 1, t.flatIndex(1, 1, 1));
        assertEquals(7.0f, t.step(1).getFloat(0, 1));
        assertEquals(2.5, Tensor.scalar(2.5, DType.F64).get());
        assertThrows(IndexOutOfBoundsException.class, () -> t.get(1, 1));
        var e = assertThrows(IndexOutOfBoundsException.class, () -> t.get(0, 3, 0));
        assertEquals("index [0, 3, 0] is out of range for F64(2, 3, 2) (axis 1)", e.getMessage());
        assertThrows(IndexOutOfBoundsException.class, () -> t.step(2));
    }

    @Test
    void float32PrintsAsFloats() {
        assertEquals("F32[2][0.1, 0.2]", Tensor.of(new float[] {0.1f, 0.2f}).toString());
        assertEquals("F64[1][0.1]", Tensor.of(new double[] {0.1}).toString());
        assertEquals("I64[2][3, 1]", Tensor.of(new long[] {3, 1}).toString());
        assertEquals("BOOL[2][true, false]", Tensor.of(new boolean[] {true, false}).toString());
    }

    @Test
    void integerCopiesAreExact() {
        Tensor lengths = Tensor.of(new long[] {1L << 40, 3}, 2);
        assertArrayEquals(new long[] {1L << 40, 3}, lengths.toLongArray());
        assertArrayEquals(new int[] {3}, lengths.step(1).reshape(1).toIntArray());
        assertArrayEquals(new boolean[] {true, false}, Tensor.of(new int[] {7, 0}).toBooleanArray());
    }

    @Test
    void sliceAlongAnInnerAxisAndConcatBackGiveTheTensor() {
        // (2, 3, 2): entries 0..11; columns 1..2 of axis 1 are {2, 3, 4, 5} and {8, 9, 10, 11}.
        Tensor t = Tensor.of(new float[] {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11}, 2, 3, 2);
        Tensor tail = t.slice(1, 1, 2);
        assertArrayEquals(new int[] {2, 2, 2}, tail.shape());
        assertArrayEquals(new float[] {2, 3, 4, 5, 8, 9, 10, 11}, tail.toFloatArray());
        Tensor head = t.slice(1, 0, 1);
        assertArrayEquals(t.toFloatArray(), Tensor.concat(java.util.List.of(head, tail), 1).toFloatArray());
        // Along axis 0 a slice is a view, and concat of a view reads from its offset.
        assertArrayEquals(new float[] {6, 7, 8, 9, 10, 11, 0, 1, 2, 3, 4, 5},
                Tensor.concat(java.util.List.of(t.slice(0, 1, 1), t.slice(0, 0, 1)), 0).toFloatArray());
        assertThrows(IndexOutOfBoundsException.class, () -> t.slice(1, 2, 2));
        assertThrows(IllegalArgumentException.class, () -> Tensor.concat(java.util.List.of(head, t.slice(2, 0, 1)), 1));
    }
}
