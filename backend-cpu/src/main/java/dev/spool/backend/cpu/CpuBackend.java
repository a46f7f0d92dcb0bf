package dev.spool.backend.cpu;

import dev.spool.compiler.Pipeline;
import dev.spool.graph.Graph;

/**
 * Entry point of the CPU backend: runs the graph through the pass pipeline and prepares it.
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
        return new CpuProgram(pipeline.run(graph));
    }
}
