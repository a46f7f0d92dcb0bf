package dev.spool.benchmarks.inference;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import dev.spool.graph.Tensor;

import java.nio.FloatBuffer;
import java.nio.LongBuffer;
import java.util.Arrays;
import java.util.Map;

/**
 * ONNX Runtime for Java running a workload's exported model on its CPU execution provider, with
 * every graph optimisation on, sequential execution and the given number of intra-op threads (the
 * threads its RNN/GRU/LSTM kernels and GEMMs use).
 *
 * <pre>{@code
 * try (var ort = OnnxRuntimeInference.open(workload, 1)) { ort.logits(workload.tokens()); }
 * }</pre>
 */
public record OnnxRuntimeInference(OrtEnvironment env, OrtSession session, int intraOpThreads) implements InferenceRuntime {

    /**
     * A session of {@code workload}'s ONNX model with {@code intraOpThreads} intra-op threads.
     *
     * @throws IllegalStateException with ONNX Runtime's message when the model does not load
     */
    public static OnnxRuntimeInference open(InferenceWorkload workload, int intraOpThreads) {
        OrtEnvironment env = OrtEnvironment.getEnvironment();
        try (OrtSession.SessionOptions options = new OrtSession.SessionOptions()) {
            options.setOptimizationLevel(OrtSession.SessionOptions.OptLevel.ALL_OPT);
            options.setExecutionMode(OrtSession.SessionOptions.ExecutionMode.SEQUENTIAL);
            options.setIntraOpNumThreads(intraOpThreads);
            options.setInterOpNumThreads(1);
            return new OnnxRuntimeInference(env, env.createSession(workload.onnxModel().toString(), options), intraOpThreads);
        } catch (OrtException e) {
            throw new IllegalStateException(workload.onnxModel() + ": " + e.getMessage(), e);
        }
    }

    @Override
    public Tensor logits(Tensor tokens) {
        long[] shape = Arrays.stream(tokens.shape()).asLongStream().toArray();
        try (OnnxTensor input = OnnxTensor.createTensor(env, LongBuffer.wrap(tokens.toLongArray()), shape);
             OrtSession.Result result = session.run(Map.of("tokens", input))) {
            OnnxTensor output = (OnnxTensor) result.get(0);
            FloatBuffer values = output.getFloatBuffer();
            float[] logits = new float[values.remaining()];
            values.get(logits);
            return Tensor.of(logits, Arrays.stream(output.getInfo().getShape()).mapToInt(Math::toIntExact).toArray());
        } catch (OrtException e) {
            throw new IllegalStateException("onnxruntime: " + e.getMessage(), e);
        }
    }

    @Override
    public String describe() {
        return "onnxruntime " + env.getVersion() + ", intra-op threads " + intraOpThreads;
    }

    @Override
    public void close() {
        try {
            session.close();
        } catch (OrtException e) {
            throw new IllegalStateException("onnxruntime: " + e.getMessage(), e);
        }
    }
}
