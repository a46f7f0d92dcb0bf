package dev.spool.compiler;

import dev.spool.compiler.TestPrograms.Cell;
import dev.spool.compiler.lower.CarryStack;
import dev.spool.compiler.lower.GemmBiasEpilogue;
import dev.spool.compiler.lower.InPlaceCarries;
import dev.spool.compiler.lower.LinearCrossEntropyFusion;
import dev.spool.compiler.lower.Lowering;
import dev.spool.compiler.lower.MemoryPlanning;
import dev.spool.compiler.lower.PairCrossEntropy;
import dev.spool.compiler.lower.ProgramPass;
import dev.spool.compiler.lower.SplitKernels;
import dev.spool.compiler.lower.Target;
import dev.spool.graph.DType;
import dev.spool.graph.Graph;
import dev.spool.graph.Value;
import dev.spool.ops.Builder;
import dev.spool.ops.Grad;
import dev.spool.program.internal.Program;
import dev.spool.program.internal.ProgramVerifier;

import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

/**
 * Golden files (printed IR before and after, under {@code golden/passes/}) for the passes of both
 * stages that had none: push-out and fusion on the graph, lowering, and every Program pass, each
 * applied alone to the reference program of a small cell or layer.
 */
class PassGoldenTest {
    private static final Target CPU = new Target(36);

    private static void golden(String name, Object before, Object after) {
        assertNotEquals(before.toString(), after.toString(), name + ": the pass changed nothing");
        Golden.check("passes", name, before.toString(), after.toString());
    }

    /** The reference program of a graph after the standard graph stage. */
    private static Program reference(Graph g) {
        Program p = Lowering.lower(Lowering.bind(Pipeline.standard().run(g), Map.of()));
        ProgramVerifier.verify(p, "lowering");
        return p;
    }

    private static Program apply(ProgramPass pass, Program p) {
        Program out = pass.run(p, CPU);
        ProgramVerifier.verify(out, pass.name());
        return out;
    }

    @Test
    void pushOutBatchesTheRnnInputProjectionOverAllSteps() {
        Graph g = new Simplify().run(new VerifyPass().run(TestPrograms.cellScan(Cell.RNN)));
        golden("pushout-rnn", g, new ScanPushOut().run(g));
    }

    @Test
    void fusionMakesTheLstmGateMathOneGroup() {
        Graph g = Pipeline.standard().without(Set.of("fusion")).run(TestPrograms.cellScan(Cell.LSTM));
        golden("fusion-lstm", g, new ElementwiseFusion().run(g));
    }

    @Test
    void loweringTurnsTheRnnScanIntoALoopOverViews() {
        Graph g = Pipeline.standard().run(TestPrograms.cellScan(Cell.RNN));
        golden("lowering-rnn", g, Lowering.lower(g));
    }

    @Test
    void gemmBiasFoldsTheLinearLayersBias() {
        Builder b = new Builder();
        Graph g = b.build("y", b.linear(b.input("x", DType.F32, 3, 4), b.parameter("w", DType.F32, 5, 4), b.parameter("b", DType.F32, 5)));
        Program p = reference(g);
        golden("gemm-bias-linear", p, apply(new GemmBiasEpilogue(), p));
    }

    @Test
    void crossEntropyIsComputedWithItsGradient() {
        Builder b = new Builder();
        Value logits = b.matmul(b.input("x", DType.F32, 6, 4), b.parameter("w", DType.F32, 5, 4), false, true);
        Graph g = Grad.of(b.build("loss", b.crossEntropy(logits, b.input("targets", DType.I64, 6))), "loss", List.of("w"));
        Program p = reference(g);
        golden("xent-grad-head", p, apply(new PairCrossEntropy(), p));
    }

    @Test
    void theClassifierHeadIsFusedIntoOneInstruction() {
        Builder b = new Builder();
        Value h = b.parameter("h", DType.F32, 6, 4);
        Value logits = b.linear(h, b.parameter("w", DType.F32, 5, 4), b.parameter("b", DType.F32, 5));
        Graph g = Grad.of(b.build("loss", b.crossEntropy(logits, b.input("targets", DType.I64, 6))), "loss", List.of("h", "w", "b"));
        Program p = apply(new PairCrossEntropy(), apply(new GemmBiasEpilogue(), reference(g)));
        Program fused = new LinearCrossEntropyFusion().run(p, new Target(36, true));
        ProgramVerifier.verify(fused, "linear-xent");
        golden("linear-xent-head", p, fused);
        assertEquals(p.toString(), new LinearCrossEntropyFusion().run(p, CPU).toString(), "a target that does not ask for it keeps the program");
    }

    @Test
    void theLstmCellKernelIsSplitForTheCpu() {
        Program p = reference(TestPrograms.cellScan(Cell.LSTM));
        golden("kernel-split-lstm", p, apply(new SplitKernels(), p));
    }

    @Test
    void theRnnCarryIsWrittenInPlace() {
        Program p = reference(TestPrograms.cellScan(Cell.RNN));
        golden("inplace-carries-rnn", p, apply(new InPlaceCarries(), p));
    }

    @Test
    void theRnnTrainingCarryLivesInItsHistory() {
        Graph fwd = TestPrograms.cellScan(Cell.RNN, true);
        Program p = apply(new InPlaceCarries(), reference(Grad.of(fwd, "loss", List.of("w_ih", "w_hh"))));
        golden("carry-stack-rnn-grad", p, apply(new CarryStack(), p));
    }

    @Test
    void memoryPlanningPlacesTheRnnGradientsBuffers() {
        Graph fwd = TestPrograms.cellScan(Cell.RNN, true);
        Program p = apply(new InPlaceCarries(), reference(Grad.of(fwd, "loss", List.of("w_ih", "w_hh"))));
        golden("memplan-rnn-grad", p, apply(new MemoryPlanning(), p));
    }
}
