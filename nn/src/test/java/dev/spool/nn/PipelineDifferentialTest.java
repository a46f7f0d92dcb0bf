package dev.spool.nn;

import dev.spool.backend.cpu.CpuBackend;
import dev.spool.backend.cpu.CpuProgram;
import dev.spool.compiler.Pipeline;
import dev.spool.graph.DType;
import dev.spool.graph.Tensor;
import dev.spool.program.internal.Program;
import dev.spool.program.internal.ProgramText;

import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Differential test of the optimising compiler on every PyTorch fixture: the layer's forward graph
 * and its gradient graph, compiled under each pipeline variant that matters (standard; nothing but
 * verification; each optimising pass turned off in turn; unrolled fully and by 2), give the results
 * of the reference interpreter ({@link CpuBackend#reference}), which runs the graph as written with
 * no pass, no fusion, no memory planning. The reference's agreement with PyTorch itself is checked
 * here too, so a bug shared by the interpreter and the compiled path cannot hide.
 *
 * <p>Tolerances: f64 to 1e-10 relative; f32 to 1e-4, since sinking and fusion reassociate sums.
 */
class PipelineDifferentialTest {
    @TestFactory
    Stream<DynamicTest> everyPipelineVariantMatchesTheReferenceOnEveryFixture() {
        List<DynamicTest> tests = new ArrayList<>();
        for (Fixtures.Case c : Fixtures.all()) {
            tests.add(DynamicTest.dynamicTest(c.name() + " forward", () -> check(c, c.forward(), c.read("expected.safetensors"),
                    c.tolerance())));
            if (!c.name().equals("rnn-basics")) {
                tests.add(DynamicTest.dynamicTest(c.name() + " gradient", () -> check(c, c.gradient(),
                        c.read("expected_grad.safetensors"), c.dtype() == DType.F64 ? 1e-9 : 1e-4)));
            }
        }
        return tests.stream();
    }

    /** The compiled program, written as text and read back, verifies and runs to exactly the same results. */
    private static void assertRoundTripRunsToTheSameBits(String name, CpuProgram compiled, Map<String, Tensor> feeds, Map<String, Tensor> want) {
        String text = ProgramText.write(compiled.program(compiled.dims(feeds)));
        Program parsed = ProgramText.read(text);
        assertEquals(text, ProgramText.write(parsed), name + ": print → parse → print");
        Map<String, Tensor> got = CpuBackend.load(parsed).run(feeds);
        for (String k : want.keySet()) {
            assertTrue(Arrays.equals(want.get(k).toDoubles(), got.get(k).toDoubles()), name + ": " + k + " differs after the text round trip");
        }
    }

    private static void check(Fixtures.Case c, Fixtures.Problem p, Map<String, Tensor> pytorch, double pytorchTol) {
        Map<String, Tensor> want = CpuBackend.reference(p.graph()).run(p.feeds());
        for (var e : pytorch.entrySet()) {
            Fixtures.assertClose(c.name() + " reference vs PyTorch " + e.getKey(), e.getValue(), want.get(e.getKey()), pytorchTol);
        }
        double tol = c.dtype() == DType.F64 ? 1e-10 : 1e-4;
        for (var v : Pipeline.variants().entrySet()) {
            Map<String, Tensor> got;
            try {
                CpuProgram compiled = CpuBackend.compile(p.graph(), v.getValue());
                got = compiled.run(p.feeds());
                if (v.getKey().equals("standard")) {
                    assertRoundTripRunsToTheSameBits(c.name(), compiled, p.feeds(), got);
                }
            } catch (RuntimeException e) {
                throw new AssertionError(c.name() + " [" + v.getKey() + "]: " + e, e);
            }
            assertEquals(want.keySet(), got.keySet(), v.getKey());
            for (String k : want.keySet()) {
                Fixtures.assertClose(c.name() + " [" + v.getKey() + "] " + k, want.get(k), got.get(k), tol);
            }
        }
    }
}
