package dev.spool.compiler.lower;

import dev.spool.compiler.Pipeline;
import dev.spool.compiler.TestPrograms.Cell;
import dev.spool.compiler.TestPrograms;
import dev.spool.graph.Graph;
import dev.spool.graph.Value;
import dev.spool.ops.Builder;
import dev.spool.ops.Grad;
import dev.spool.program.internal.Instr;
import dev.spool.program.internal.Program;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static dev.spool.compiler.TestPrograms.B;
import static dev.spool.compiler.TestPrograms.T;
import static dev.spool.graph.DType.F64;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** What lowering and the Program passes emit: GEMMs on views, bias folds, in-place carries. */
class LoweringTest {
    /** Every Program pass but memory planning, on a graph as written. */
    private static final Pipeline PROGRAM_PASSES = Pipeline.named(List.of("gemm-bias", "xent-grad", "kernel-split", "inplace-carries"), 0);

    /** The standard graph passes, then the Program passes. */
    private static Program lower(Graph g) {
        return PROGRAM_PASSES.compile(Pipeline.standard().run(g), Map.of());
    }

    private static Program passes(Graph g) {
        return PROGRAM_PASSES.compile(g, Map.of());
    }

    private static <T extends Instr> List<T> all(List<Instr> code, Class<T> c, boolean intoLoops) {
        List<T> out = new ArrayList<>();
        for (Instr i : code) {
            if (c.isInstance(i)) {
                out.add(c.cast(i));
            }
            if (intoLoops && i instanceof Instr.Loop l) {
                out.addAll(all(l.body(), c, true));
            }
        }
        return out;
    }

    @Test
    void pushedOutInputProjectionIsOneGemmOverAllSteps() {
        Program p = lower(TestPrograms.cellScan(Cell.RNN));
        List<Instr.Gemm> outside = all(p.code(), Instr.Gemm.class, false);
        assertEquals(1, outside.size(), p.toString());
        assertEquals(T * B, outside.get(0).m());
        Instr.Loop loop = all(p.code(), Instr.Loop.class, false).get(0);
        List<Instr.Gemm> inside = all(loop.body(), Instr.Gemm.class, true);
        assertEquals(1, inside.size(), "h W_hhᵀ per step");
        assertEquals(B, inside.get(0).m());
        assertTrue(inside.get(0).transB(), "W_hh is read transposed by the GEMM, not copied");
    }

    @Test
    void biasFoldedIntoTheGemmWhenItIsTheProductsOnlyReader() {
        Builder b = new Builder();
        Graph g = b.build("y", b.linear(b.input("x", F64, 3, 4), b.parameter("w", F64, 5, 4), b.parameter("b", F64, 5)));
        Program p = passes(g);
        List<Instr.Gemm> gemms = all(p.code(), Instr.Gemm.class, true);
        assertEquals(1, gemms.size());
        assertEquals(1.0, gemms.get(0).beta());
        assertEquals(0, all(p.code(), Instr.Kernel.class, true).size(), "the add is the GEMM's beta");
        assertEquals(1, all(p.code(), Instr.Copy.class, true).size(), "the broadcast bias is copied into the output first");
    }

    @Test
    void referenceProgramKeepsTheBiasAddAndTheCarryCopy() {
        Builder b = new Builder();
        Graph g = b.build("y", b.linear(b.input("x", F64, 3, 4), b.parameter("w", F64, 5, 4), b.parameter("b", F64, 5)));
        Program p = Lowering.lower(g);
        assertEquals(0.0, all(p.code(), Instr.Gemm.class, true).get(0).beta());
        assertEquals(1, all(p.code(), Instr.Kernel.class, true).size(), "the add is its own kernel");
        Program rnn = Lowering.lower(Pipeline.standard().run(TestPrograms.cellScan(Cell.RNN)));
        Instr.Loop loop = all(rnn.code(), Instr.Loop.class, false).get(0);
        assertTrue(loop.body().get(loop.body().size() - 1) instanceof Instr.Copy, "the step ends copying h' into its slot: " + loop);
    }

    @Test
    void biasNotFoldedWhenTheProductIsAlsoAResult() {
        Builder b = new Builder();
        Value y = b.matmul(b.input("x", F64, 3, 4), b.parameter("w", F64, 5, 4), false, true);
        Program p = passes(b.build("y", y, "z", b.add(y, b.parameter("b", F64, 5))));
        assertEquals(0.0, all(p.code(), Instr.Gemm.class, true).get(0).beta());
        assertEquals(1, all(p.code(), Instr.Kernel.class, true).size());
    }

    @Test
    void biasNotFoldedWhenTheProductHasAnotherReader() {
        Builder b = new Builder();
        Value y = b.matmul(b.input("x", F64, 3, 4), b.parameter("w", F64, 5, 4), false, true);
        Program p = passes(b.build("z", b.mul(b.add(y, b.parameter("b", F64, 5)), y)));
        assertEquals(0.0, all(p.code(), Instr.Gemm.class, true).get(0).beta());
    }

    @Test
    void noTransposingCopiesInTheCellsOrTheirGradients() {
        for (Cell cell : Cell.values()) {
            Graph fwd = TestPrograms.cellScan(cell, true);
            for (Graph g : List.of(fwd, Grad.of(fwd, "loss", List.of("w_ih", "w_hh", "b_ih", "b_hh", "x")))) {
                Program p = lower(g);
                for (Instr.Copy c : all(p.code(), Instr.Copy.class, true)) {
                    int r = c.src().rank();
                    assertTrue(r < 2 || c.src().strides()[r - 1] == 1 || c.src().dim(r - 1) == 1 || c.src().strides()[r - 1] == 0,
                            cell + ": copy from a transposed view " + c + " in\n" + p);
                }
            }
        }
    }

    @Test
    void rnnCarryIsWrittenInPlaceByItsKernel() {
        Program p = lower(TestPrograms.cellScan(Cell.RNN));
        Instr.Loop loop = all(p.code(), Instr.Loop.class, false).get(0);
        // The step's kernel writes h' to the carry slot and to row t of ys; no end-of-step copy.
        assertEquals(0, all(loop.body(), Instr.Copy.class, true).size(), loop.toString());
        Instr.Kernel k = all(loop.body(), Instr.Kernel.class, true).get(0);
        assertEquals(2, k.outputs().size());
    }

    @Test
    void carryNotWrittenInPlaceWhileASliceOfItIsStillRead() {
        Builder b = new Builder();
        Value xs = b.input("x", F64, 4, 2, 3);
        var r = b.scan(dev.spool.graph.GraphBuilder.ScanOptions.DEFAULT, List.of(b.input("h0", F64, 2, 3)), List.of(xs), (c, s) -> {
            Value h = b.add(c.get(0), s.get(0));
            return dev.spool.graph.GraphBuilder.Step.of(List.of(h), List.of(b.slice(c.get(0), 1, 0, 2)));
        });
        Program p = passes(b.build("h", r.carries().get(0), "ys", r.outputs().get(0)));
        Instr.Loop loop = all(p.code(), Instr.Loop.class, false).get(0);
        List<Instr> body = loop.body();
        // Order: the slice's row copy reads the old carry, and only then is the slot written.
        Instr last = body.get(body.size() - 1);
        assertTrue(last instanceof Instr.Copy, "expected the carry copied into its slot at the end of the step: " + body);
    }
}
