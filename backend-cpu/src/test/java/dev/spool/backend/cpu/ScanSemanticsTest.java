package dev.spool.backend.cpu;

import dev.spool.graph.Graph;
import dev.spool.graph.GraphBuilder.ScanOptions;
import dev.spool.graph.GraphBuilder.Step;
import dev.spool.graph.InputException;
import dev.spool.graph.Tensor;
import dev.spool.graph.Value;
import dev.spool.ops.Builder;

import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static dev.spool.graph.DType.BOOL;
import static dev.spool.graph.DType.F64;
import static dev.spool.graph.DType.I64;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Scan semantics on small cases whose answers are computed by hand. */
class ScanSemanticsTest {

    /** x: (T=3, B=2, 1) = [[1],[10]], [[2],[20]], [[3],[30]]. */
    private static final Tensor X = Tensor.ofDoubles(new int[] {3, 2, 1}, 1, 10, 2, 20, 3, 30);

    /** A running sum s_t = s_{t-1} + x_t with s_{-1} = init, emitting s_t; options vary. */
    private static Map<String, Tensor> runningSum(ScanOptions opts, Tensor x, Tensor lengths) {
        var b = new Builder();
        Value xs = b.input("x", F64, "T", "B", 1);
        Value init = b.fill(100, F64, "B", 1);
        if (lengths != null) {
            opts = opts.lengths(b.input("lengths", I64, "B"));
        }
        var r = b.scan(opts, List.of(init), List.of(xs), (c, s) -> {
            Value next = b.add(c.get(0), s.get(0));
            return Step.of(List.of(next), List.of(next));
        });
        Graph g = b.build("final", r.carries().get(0), "ys", r.outputs().get(0));
        return CpuBackend.compile(g).run(lengths == null ? Map.of("x", x) : Map.of("x", x, "lengths", lengths));
    }

    @Test
    void forwardScanCarriesAndStacksEveryStep() {
        var out = runningSum(ScanOptions.DEFAULT, X, null);
        assertArrayEquals(new double[] {101, 110, 103, 130, 106, 160}, out.get("ys").toDoubles());
        assertArrayEquals(new double[] {106, 160}, out.get("final").toDoubles());
        assertArrayEquals(new int[] {3, 2, 1}, out.get("ys").shape());
    }

    @Test
    void reverseScanVisitsBackwardsButWritesOutputTAtIndexT() {
        var out = runningSum(ScanOptions.DEFAULT.reverse(), X, null);
        // t=2: 103, t=1: 105, t=0: 106 (row 0); row 1: 130, 150, 160.
        assertArrayEquals(new double[] {106, 160, 105, 150, 103, 130}, out.get("ys").toDoubles());
        assertArrayEquals(new double[] {106, 160}, out.get("final").toDoubles());
    }

    @Test
    void zeroLengthScanReturnsInitialCarriesAndEmptyOutputs() {
        var out = runningSum(ScanOptions.DEFAULT, Tensor.zeros(F64, 0, 2, 1), null);
        assertArrayEquals(new double[] {100, 100}, out.get("final").toDoubles());
        assertArrayEquals(new int[] {0, 2, 1}, out.get("ys").shape());
    }

    @Test
    void lengthsFreezeTheCarryAndZeroTheOutputs() {
        var out = runningSum(ScanOptions.DEFAULT, X, Tensor.ofLongs(new int[] {2}, 2, 3));
        assertArrayEquals(new double[] {101, 110, 103, 130, 0, 160}, out.get("ys").toDoubles());
        assertArrayEquals(new double[] {103, 160}, out.get("final").toDoubles());
    }

    @Test
    void reverseWithLengthsStartsAtEachSequencesOwnEnd() {
        var out = runningSum(ScanOptions.DEFAULT.reverse(), X, Tensor.ofLongs(new int[] {2}, 2, 1));
        // Row 0 (length 2) sums x_1 then x_0: 102, 103. Row 1 (length 1) only x_0: 110.
        assertArrayEquals(new double[] {103, 110, 102, 0, 0, 0}, out.get("ys").toDoubles());
        assertArrayEquals(new double[] {103, 110}, out.get("final").toDoubles());
    }

    @Test
    void lengthsBeyondTheScanAreRefused() {
        InputException e = assertThrows(InputException.class, () -> runningSum(ScanOptions.DEFAULT, X, Tensor.ofLongs(new int[] {2}, 4, 1)));
        assertTrue(e.getMessage().contains("lengths[0] = 4 is outside [0, 3]"), e.getMessage());
    }

    /**
     * Autodiff's augmented scan and unrolling replace the scan's own masking by explicit selects;
     * lengths beyond the scan must still be refused there, not clamped.
     */
    @Test
    void lengthsBeyondTheScanAreRefusedByGradientAndUnrolledPrograms() {
        var b = new Builder();
        Value xs = b.input("x", F64, "T", "B", 1);
        var r = b.scan(ScanOptions.DEFAULT.lengths(b.input("lengths", I64, "B")), List.of(b.fill(0.5, F64, "B", 1)), List.of(xs), (c, st) -> {
            Value next = b.tanh(b.add(c.get(0), st.get(0)));
            return Step.of(List.of(next), List.of(next));
        });
        Graph g = b.build("loss", b.sum(r.outputs().get(0)));
        Graph grad = dev.spool.ops.Grad.of(g, "loss", List.of("x"));
        Map<String, Tensor> bad = Map.of("x", X, "lengths", Tensor.ofLongs(new int[] {2}, 4, 1));
        List<org.junit.jupiter.api.function.Executable> runs = List.of(
                () -> CpuBackend.reference(grad).run(bad),
                () -> CpuBackend.compile(grad).run(bad),
                () -> CpuBackend.compile(g, dev.spool.compiler.Pipeline.unrolling(0)).run(bad),
                () -> CpuBackend.compile(g, dev.spool.compiler.Pipeline.unrolling(2)).run(bad));
        for (var run : runs) {
            InputException e = assertThrows(InputException.class, run);
            assertTrue(e.getMessage().contains("lengths[0] = 4 is outside [0, 3]"), e.getMessage());
        }
        // Valid lengths still run, and the gradient is finite.
        Map<String, Tensor> ok = Map.of("x", X, "lengths", Tensor.ofLongs(new int[] {2}, 3, 1));
        Tensor dx = CpuBackend.compile(grad).run(ok).get("grad.x");
        for (double v : dx.toDoubles()) {
            assertTrue(Double.isFinite(v), dx.toString());
        }
    }

    @Test
    void boolMaskSkipsIndividualSteps() {
        var b = new Builder();
        Value xs = b.input("x", F64, "T", "B", 1);
        Value mask = b.input("mask", BOOL, "T", "B");
        var r = b.scan(ScanOptions.DEFAULT.mask(mask), List.of(b.zeros(F64, "B", 1)), List.of(xs), (c, s) -> {
            Value next = b.add(c.get(0), s.get(0));
            return Step.of(List.of(next), List.of(next));
        });
        var out = CpuBackend.compile(b.build("final", r.carries().get(0), "ys", r.outputs().get(0)))
                .run(Map.of("x", X, "mask", Tensor.ofBools(new int[] {3, 2}, true, false, false, true, true, true)));
        assertArrayEquals(new double[] {1, 0, 0, 20, 4, 50}, out.get("ys").toDoubles());
        assertArrayEquals(new double[] {4, 50}, out.get("final").toDoubles());
    }

    @Test
    void multipleCarriesAndInvariants() {
        // Fibonacci-like: (a, b) -> (b, a + k*b) with invariant k = 2, no sequences, length 4.
        var b = new Builder();
        Value k = b.input("k", F64);
        var r = b.scan(ScanOptions.DEFAULT.length(4), List.of(b.fill(0, F64), b.fill(1, F64)), List.of(), (c, s) -> {
            Value next = b.add(c.get(0), b.mul(k, c.get(1)));
            return Step.of(List.of(c.get(1), next), List.of(next));
        });
        var out = CpuBackend.compile(b.build("a", r.carries().get(0), "b", r.carries().get(1), "ys", r.outputs().get(0)))
                .run(Map.of("k", Tensor.scalar(2, F64)));
        // 0,1 -> 1,2 -> 2,5 -> 5,12 -> 12,29
        assertArrayEquals(new double[] {2, 5, 12, 29}, out.get("ys").toDoubles());
        assertArrayEquals(new double[] {12}, out.get("a").toDoubles());
        assertArrayEquals(new double[] {29}, out.get("b").toDoubles());
    }

    @Test
    void nestedScanSumsAMatrixOfSteps() {
        // xs: (T=2, U=3, 1). The inner scan sums over U; the outer accumulates a scaled total.
        var b = new Builder();
        Value xs = b.input("xs", F64, "T", "U", 1);
        Value scale = b.input("scale", F64, 1);
        var outer = b.scan(List.of(b.zeros(F64, 1)), List.of(xs), (c, s) -> {
            var inner = b.scan(List.of(c.get(0)), List.of(s.get(0)), (c2, s2) ->
                    Step.of(List.of(b.add(c2.get(0), b.mul(scale, s2.get(0)))), List.of()));
            return Step.of(inner.carries(), inner.carries());
        });
        var out = CpuBackend.compile(b.build("total", outer.carries().get(0), "partial", outer.outputs().get(0)))
                .run(Map.of("xs", Tensor.ofDoubles(new int[] {2, 3, 1}, 1, 2, 3, 4, 5, 6), "scale", Tensor.ofDoubles(new int[] {1}, 10)));
        assertArrayEquals(new double[] {60, 210}, out.get("partial").toDoubles());
        assertArrayEquals(new double[] {210}, out.get("total").toDoubles());
    }

    @Test
    void inputsAreCheckedAgainstDeclaredTypesAndBindings() {
        var b = new Builder();
        Value x = b.input("x", F64, "T", "B", 1);
        Value h = b.input("h", F64, "B", 1);
        var prog = CpuBackend.compile(b.build("y", b.add(b.sum(x, 0), h)));
        var e = assertThrows(InputException.class, () -> prog.run(Map.of("x", X, "h", Tensor.zeros(F64, 3, 1))));
        assertTrue(e.getMessage().contains("input 'h': expected F64(B, 1), got F64(3, 1); axis 0 should be B=2"), e.getMessage());
        e = assertThrows(InputException.class, () -> prog.run(Map.of("x", X)));
        assertTrue(e.getMessage().contains("input 'h' is missing"), e.getMessage());
    }
}
