package dev.spool.benchmarks.inference;

import dev.spool.graph.Tensor;
import dev.spool.runtime.SpoolModel;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/**
 * Spool serving a workload from its ahead-of-time artifact, as a Java service would: the
 * {@code NAME.spool} that {@code spool compile --load NAME.safetensors} writes (tools/export_onnx.py
 * runs it), loaded with {@link SpoolModel} and run on the tokens with zero initial state.
 *
 * <pre>{@code
 * try (var spool = SpoolArtifactInference.load(workload)) { spool.logits(workload.tokens()); }
 * }</pre>
 */
public record SpoolArtifactInference(Path artifact, SpoolModel model) implements InferenceRuntime {

    /**
     * Loads {@code NAME.spool} next to the workload's ONNX model.
     *
     * @throws IllegalArgumentException when it is missing (saying how to write it)
     */
    public static SpoolArtifactInference load(InferenceWorkload workload) {
        Path artifact = workload.onnxModel().resolveSibling(workload.name() + ".spool");
        if (!Files.isRegularFile(artifact)) {
            throw new IllegalArgumentException(artifact + " does not exist; write it with ./spool compile --load "
                    + workload.name() + ".safetensors --out " + artifact.getFileName() + " (tools/export_onnx.py does)");
        }
        return new SpoolArtifactInference(artifact, SpoolModel.load(artifact));
    }

    @Override
    public Tensor logits(Tensor tokens) {
        return model.run(Map.of("tokens", tokens)).get("logits");
    }

    @Override
    public String describe() {
        return "spool, loaded artifact " + artifact.getFileName();
    }

    @Override
    public void close() {
    }
}
