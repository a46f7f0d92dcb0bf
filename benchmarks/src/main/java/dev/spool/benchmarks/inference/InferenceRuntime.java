package dev.spool.benchmarks.inference;

import dev.spool.graph.Tensor;

/**
 * A runtime that computes the logits (T, B, V) of one workload's model from tokens (T, B): ONNX
 * Runtime on the exported ONNX model, or Spool on the same weights. Closing releases native sessions.
 *
 * <pre>{@code
 * try (InferenceRuntime ort = OnnxRuntimeInference.open(workload, 2)) {
 *     Tensor logits = ort.logits(workload.tokens());
 * }
 * }</pre>
 */
public sealed interface InferenceRuntime extends AutoCloseable permits OnnxRuntimeInference, SpoolArtifactInference, SpoolProgramInference {

    /** The logits of one forward pass, as a row-major F32 tensor (T, B, V). */
    Tensor logits(Tensor tokens);

    /** What runs, for the report: {@code "onnxruntime 1.23.2, intra-op threads 2"}. */
    String describe();

    @Override
    void close();
}
