package dev.spool.benchmarks.inference;

import dev.spool.backend.cpu.artifact.ArtifactCompiler;
import dev.spool.compiler.Pipeline;
import dev.spool.graph.Tensor;
import dev.spool.graph.io.SafeTensors;
import dev.spool.runtime.Signature;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The comparison harness on the tiny models of {@code fixtures/onnx/} (written by
 * {@code tools/export_onnx.py --fixtures}: one-hot → RNN/GRU/LSTM H 4 → head, T 3, B 2): ONNX Runtime
 * for Java and Spool must reproduce PyTorch's logits from the same weights, and the check must
 * fail when they do not.
 */
class InferenceComparisonTest {
    private static final Path FIXTURES = Path.of(System.getProperty("spool.fixtures", "../fixtures"), "onnx");

    @ParameterizedTest
    @ValueSource(strings = {"rnn_h4_b2_t3", "gru_h4_b2_t3", "lstm_h4_b2_t3"})
    void onnxRuntimeReproducesPyTorchLogitsAtOneAndTwoThreads(String name) {
        InferenceWorkload w = InferenceWorkload.load(FIXTURES, name);
        for (int threads : new int[] {1, 2}) {
            try (InferenceRuntime ort = OnnxRuntimeInference.open(w, threads)) {
                double error = InferenceComparison.relativeError(ort.logits(w.tokens()), w.referenceLogits());
                assertTrue(error <= 1e-6, name + " at " + threads + " threads: " + error);
            }
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"rnn_h4_b2_t3", "gru_h4_b2_t3", "lstm_h4_b2_t3"})
    void spoolReproducesPyTorchLogitsFromTheExportedWeights(String name) {
        InferenceWorkload w = InferenceWorkload.load(FIXTURES, name);
        try (InferenceRuntime spool = SpoolProgramInference.compile(w)) {
            double error = InferenceComparison.relativeError(spool.logits(w.tokens()), w.referenceLogits());
            assertTrue(error <= 1e-6, name + ": " + error);
        }
    }

    /** The artifact {@code spool compile --load} writes for a language model (its states: h0 ← h_n, c0 ← c_n), loaded with SpoolModel. */
    @ParameterizedTest
    @ValueSource(strings = {"rnn_h4_b2_t3", "lstm_h4_b2_t3"})
    void spoolArtifactReproducesPyTorchLogitsFromTheExportedWeights(String name, @TempDir Path dir) throws IOException {
        for (String ext : List.of(".onnx", ".safetensors", ".io.safetensors")) {
            Files.copy(FIXTURES.resolve(name + ext), dir.resolve(name + ext));
        }
        InferenceWorkload w = InferenceWorkload.load(dir, name);
        List<Signature.State> states = new ArrayList<>(List.of(new Signature.State("h0", "h_n")));
        if (w.model().rnn().cell().hasCellState()) {
            states.add(new Signature.State("c0", "c_n"));
        }
        ArtifactCompiler.write(dir.resolve(name + ".spool"), w.model().statefulLogitsGraph(), w.weights(), Map.of(), states, "tokens",
                Pipeline.standard());
        try (InferenceRuntime spool = SpoolArtifactInference.load(w)) {
            double error = InferenceComparison.relativeError(spool.logits(w.tokens()), w.referenceLogits());
            assertTrue(error <= 1e-6, name + ": " + error);
        }
    }

    @Test
    void workloadReadsTheModelFromTheMetadataAndCountsForwardFlops() {
        InferenceWorkload w = InferenceWorkload.load(FIXTURES, "lstm_h4_b2_t3");
        assertEquals(4, w.model().rnn().hiddenSize());
        assertEquals(28, w.model().vocab());
        assertEquals(6, w.tokensPerPass());
        // per step 2·B·(V + H)·4H + 2·B·H·V = 2·2·32·16 + 2·2·4·28 = 2048 + 448, times T = 3
        assertEquals(3 * (2048 + 448), w.forwardFlops());
    }

    @Test
    void relativeErrorIsTheWorstElementOverMaxOfOneAndTheReference() {
        Tensor ref = Tensor.of(new float[] {0.5f, 4f, -8f}, 3);
        Tensor ours = Tensor.of(new float[] {0.5f + 2e-5f, 4f, -8f - 8e-4f}, 3);
        // 2e-5 / 1 and 8e-4 / 8 = 1e-4: the second is worse
        assertEquals(1e-4, InferenceComparison.relativeError(ours, ref), 1e-6);
        assertThrows(IllegalStateException.class, () -> InferenceComparison.relativeError(Tensor.of(new float[] {1, 2}, 2), ref));
    }

    @Test
    void checkFailsWhenALogitIsOffByMoreThanTheTolerance(@TempDir Path dir) throws IOException {
        String name = "gru_h4_b2_t3";
        for (String ext : List.of(".onnx", ".safetensors")) {
            Files.copy(FIXTURES.resolve(name + ext), dir.resolve(name + ext));
        }
        Map<String, Tensor> io = new LinkedHashMap<>(SafeTensors.read(FIXTURES.resolve(name + ".io.safetensors")));
        assertEquals(0, InferenceComparison.run(List.of("check", FIXTURES.toString(), name)));
        Tensor logits = io.get("logits").copy();
        logits.setDouble(5, logits.getDouble(5) + 1e-3);
        io.put("logits", logits);
        SafeTensors.write(dir.resolve(name + ".io.safetensors"), io);
        assertEquals(1, InferenceComparison.run(List.of("check", dir.toString(), name)));
    }

    @Test
    void badArgumentsAreRefusedWithOneLineNamingThem() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> InferenceComparison.run(List.of("time", "tf", FIXTURES.toString(), "rnn_h4_b2_t3")));
        assertTrue(e.getMessage().startsWith("time needs 'ort', 'spool' or 'spool-program'"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> InferenceComparison.run(List.of("time", "ort", FIXTURES.toString(), "--repeat", "five", "rnn_h4_b2_t3")));
        assertEquals("--repeat expects an integer, got 'five'", e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> InferenceComparison.run(List.of("check", FIXTURES.toString(), "nope")));
        assertTrue(e.getMessage().contains("nope.onnx does not exist"), e.getMessage());
    }
}
