package dev.spool.compiler.lower;

import dev.spool.compiler.Pipeline;
import dev.spool.graph.DType;
import dev.spool.graph.Graph;
import dev.spool.graph.Value;
import dev.spool.ops.Builder;
import dev.spool.ops.Grad;
import dev.spool.program.internal.Instr;
import dev.spool.program.internal.Program;
import dev.spool.program.internal.ProgramText;
import dev.spool.program.internal.View;

import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** When the classifier head is fused, and when it must not be. */
class LinearCrossEntropyFusionTest {
    private static final Target CPU = new Target(36, true);

    private static Program compile(Graph g, Target target) {
        Pipeline p = Pipeline.standard();
        return p.compile(p.run(g), Map.of(), target);
    }

    /** The gradient of the mean cross-entropy of h·wᵀ + b (6 rows, 4 features, 5 classes) with respect to {@code wrt}. */
    private static Graph head(DType dt, List<String> wrt, boolean logitsAreAResult) {
        Builder b = new Builder();
        Value logits = b.linear(b.parameter("h", dt, 6, 4), b.parameter("w", dt, 5, 4), b.parameter("b", dt, 5));
        Value loss = b.crossEntropy(logits, b.input("targets", DType.I64, 6));
        return Grad.of(logitsAreAResult ? b.build("loss", loss, "logits", logits) : b.build("loss", loss), "loss", wrt);
    }

    @Test
    void theHeadOfATrainingStepIsOneInstructionWithEveryGradient() {
        String text = compile(head(DType.F32, List.of("h", "w", "b"), false), CPU).toString();
        assertTrue(text.contains("linear_xent_grad b") && text.contains(" loss ") && text.contains(" dh ") && text.contains(" dw ") && text.contains(" db "),
                text);
        assertFalse(text.contains("cross_entropy"), text);
        assertFalse(text.contains("gemm"), "every GEMM of the head went into it:\n" + text);
    }

    @Test
    void onlyTheGradientsAskedForAreComputed() {
        String text = compile(head(DType.F32, List.of("w"), false), CPU).toString();
        assertTrue(text.contains("linear_xent_grad") && text.contains(" dw ") && !text.contains(" dh ") && !text.contains(" db "), text);
    }

    @Test
    void logitsThatAreAResultAreNotFused() {
        String text = compile(head(DType.F32, List.of("w"), true), CPU).toString();
        assertFalse(text.contains("linear_xent_grad"), text);
        assertTrue(text.contains("cross_entropy_grad"), text);
    }

    @Test
    void float64AndTargetsWithoutTheInstructionKeepTheUnfusedHead() {
        assertFalse(compile(head(DType.F64, List.of("h", "w", "b"), false), CPU).toString().contains("linear_xent_grad"));
        assertFalse(compile(head(DType.F32, List.of("h", "w", "b"), false), new Target(36)).toString().contains("linear_xent_grad"));
    }

    /** The head's program before the fusion: lowered, the bias folded, the loss paired with its gradient. */
    private static Program unfused() {
        Graph g = Pipeline.standard().run(head(DType.F32, List.of("h", "w", "b"), false));
        Program p = Lowering.lower(Lowering.bind(g, Map.of()));
        return new PairCrossEntropy().run(new GemmBiasEpilogue().run(p, CPU), CPU);
    }

    private static Instr.CrossEntropyGrad gradient(Program p) {
        return (Instr.CrossEntropyGrad) p.code().stream().filter(i -> i instanceof Instr.CrossEntropyGrad).findFirst().orElseThrow();
    }

    private static boolean fused(Program p) {
        return new LinearCrossEntropyFusion().run(p, CPU).code().stream().anyMatch(i -> i instanceof Instr.LinearCrossEntropyGrad);
    }

    @Test
    void aGradientReadByAnythingElseIsNotFused() {
        Program p = unfused();
        assertTrue(fused(p), "the unchanged program fuses");
        Instr.CrossEntropyGrad ce = gradient(p);
        int spare = p.buffers().stream().filter(b -> b.elements() == ce.out().size() && b.id() != ce.out().buffer() && b.id() != ce.logits().buffer())
                .findFirst().orElseThrow().id();
        List<Instr> code = new java.util.ArrayList<>(p.code());
        code.add(new Instr.Copy(ce.out(), View.contiguous(spare, ce.out().shape())));
        assertFalse(fused(p.withCode(p.buffers(), code)), "a copy of g after the head");
    }

    @Test
    void aWeightWrittenBetweenTheLogitsAndTheGradientIsNotFused() {
        Program p = unfused();
        Instr.CrossEntropyGrad ce = gradient(p);
        Instr.Gemm logits = (Instr.Gemm) p.code().stream().filter(i -> i instanceof Instr.Gemm gm && gm.c().buffer() == ce.logits().buffer())
                .findFirst().orElseThrow();
        List<Instr> code = new java.util.ArrayList<>(p.code());
        code.add(code.indexOf(ce), new Instr.Fill(logits.b(), 0));
        assertFalse(fused(p.withCode(p.buffers(), code)), "w changes after the logits were computed from it");
    }

    @Test
    void theFusedInstructionSurvivesTheProgramText() {
        Program p = compile(head(DType.F32, List.of("h", "w", "b"), false), CPU);
        String text = ProgramText.write(p);
        assertTrue(text.contains("linear_xent_grad"), text);
        assertEquals(text, ProgramText.write(ProgramText.read(text)));
    }
}
