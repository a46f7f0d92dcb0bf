package dev.spool.backend.cpu;

import dev.spool.compiler.Pipeline;
import dev.spool.compiler.lower.Target;
import dev.spool.graph.Graph;
import dev.spool.program.Program;
import dev.spool.program.ProgramVerifier;

/**
 * Entry point of the CPU backend: {@link #compile} runs the pipeline's graph stage and returns a
 * program that runs its Program stage per binding of the dims; {@link #reference} interprets the graph as written, op by op, for differential tests.
 *
 * <pre>{@code Map<String, Tensor> y = CpuBackend.compile(graph).run(Map.of("x", x));}</pre>
 */
public final class CpuBackend {
    private CpuBackend() {
    }

    /**
     * What this backend asks of the Program passes: past a cost of about 36 (vector operations plus
     * operands) per generated kernel, C2 stops intrinsifying some Vector API calls in the loop and
     * the kernel gets 2–3× slower per element (measured on the LSTM cell), so larger kernels are split.
     */
    public static final Target TARGET = new Target(36);

    public static CpuProgram compile(Graph graph) {
        return compile(graph, Pipeline.standard());
    }

    public static CpuProgram compile(Graph graph, Pipeline pipeline) {
        return new CpuProgram(pipeline.run(graph), pipeline);
    }

    /**
     * A compiled program (say, read back with {@code ProgramText.read}) made runnable; it is
     * verified first.
     *
     * @throws dev.spool.program.InvalidProgramException when the program breaks a rule of {@link ProgramVerifier}
     */
    public static CpuExecutable load(Program program) {
        ProgramVerifier.verify(program, "load");
        return new CpuExecutable(program, null);
    }

    /** The reference interpreter on the graph after verification only. */
    public static ReferenceProgram reference(Graph graph) {
        return new ReferenceProgram(new dev.spool.compiler.VerifyPass().run(graph));
    }
}
