package dev.spool.benchmarks.inference;

import dev.spool.backend.cpu.CpuBackend;
import dev.spool.backend.cpu.CpuProgram;
import dev.spool.graph.Tensor;

import java.util.HashMap;
import java.util.Map;

/**
 * Spool running a workload's weights through the compiled logits program of its language model,
 * exactly as {@code spool bench --suite anchors} times inference: {@code LanguageModel.logitsGraph()}
 * compiled with the standard pipeline, the parameters fed with the tokens on every run.
 *
 * <pre>{@code
 * try (var spool = SpoolProgramInference.compile(workload)) { spool.logits(workload.tokens()); }
 * }</pre>
 */
public record SpoolProgramInference(CpuProgram program, Map<String, Tensor> weights) implements InferenceRuntime {

    /** Compiles {@code workload}'s logits graph for the CPU (kernels are generated on the first run). */
    public static SpoolProgramInference compile(InferenceWorkload workload) {
        return new SpoolProgramInference(CpuBackend.compile(workload.model().logitsGraph()), Map.copyOf(workload.weights()));
    }

    @Override
    public Tensor logits(Tensor tokens) {
        Map<String, Tensor> feeds = new HashMap<>(weights);
        feeds.put("tokens", tokens);
        return program.run(feeds).get("logits");
    }

    @Override
    public String describe() {
        return "spool, compiled logits program";
    }

    @Override
    public void close() {
    }
}
