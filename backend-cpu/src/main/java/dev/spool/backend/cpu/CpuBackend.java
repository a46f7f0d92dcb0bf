package dev.spool.backend.cpu;

import dev.spool.compiler.Pipeline;
import dev.spool.graph.Graph;

/**
 * Entry point of the CPU backend: {@link #compile} runs the pass pipeline and returns a compiled
 * program; {@link #reference} interprets the graph as written, op by op, for differential tests.
 *
 * <pre>{@code Map<String, Tensor> y = CpuBackend.compile(graph).run(Map.of("x", x));}</pre>
 */
public final class CpuBackend {
    private CpuBackend() {
    }

    public static CpuProgram compile(Graph graph) {
        return compile(graph, Pipeline.standard());
    }

    public static CpuProgram compile(Graph graph, Pipeline pipeline) {
        return new CpuProgram(pipeline.run(graph), pipeline.plansMemory());
    }

    /** The reference interpreter on the graph after verification only. */
    public static ReferenceProgram reference(Graph graph) {
        return new ReferenceProgram(new dev.spool.compiler.VerifyPass().run(graph));
    }
}
