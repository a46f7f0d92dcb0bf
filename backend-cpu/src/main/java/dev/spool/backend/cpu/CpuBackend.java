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

    /**
     * Compiles with the standard pipeline (every optimising pass); sizes of symbolic dims are
     * taken from the tensors of each run.
     *
     * <pre>{@code CpuProgram p = CpuBackend.compile(b.build("y", y));}</pre>
     */
    public static CpuProgram compile(Graph graph) {
        return compile(graph, Pipeline.standard());
    }

    /** Compiles with another pass pipeline: {@code CpuBackend.compile(g, Pipeline.unrolling(0))}. */
    public static CpuProgram compile(Graph graph, Pipeline pipeline) {
        return new CpuProgram(pipeline.run(graph), pipeline.plansMemory());
    }

    /** The reference interpreter on the graph after verification only: {@code CpuBackend.reference(g).run(feeds)}. */
    public static ReferenceProgram reference(Graph graph) {
        return new ReferenceProgram(new dev.spool.compiler.VerifyPass().run(graph));
    }
}
