package dev.spool.benchmarks.inference;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.spool.graph.DType;
import dev.spool.graph.Tensor;
import dev.spool.graph.io.SafeTensors;
import dev.spool.graph.io.SafeTensorsException;
import dev.spool.nn.CellType;
import dev.spool.nn.LanguageModel;
import dev.spool.nn.RecurrentConfig;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/**
 * One anchor inference workload as {@code tools/export_onnx.py} writes it into a directory: the
 * ONNX model {@code NAME.onnx}, the same weights for Spool in {@code NAME.safetensors} (with the
 * {@code spool.model} metadata of {@code spool train --save}), and {@code NAME.io.safetensors}
 * holding the {@code tokens} (T, B) fed to every runtime and PyTorch's float32 {@code logits}.
 *
 * <pre>{@code
 * InferenceWorkload w = InferenceWorkload.load(Path.of("benchmarks/target/onnx"), "gru_h256_b32_t35");
 * long tokens = w.tokensPerPass();   // 35 * 32
 * }</pre>
 */
public record InferenceWorkload(String name, Path onnxModel, LanguageModel model, Map<String, Tensor> weights, Tensor tokens,
                                Tensor referenceLogits) {

    /**
     * Reads the three files of {@code name} from {@code dir}.
     *
     * @throws IllegalArgumentException naming the file that is missing or not what export_onnx.py writes
     */
    public static InferenceWorkload load(Path dir, String name) {
        Path onnx = existing(dir.resolve(name + ".onnx"));
        Path weightsFile = existing(dir.resolve(name + ".safetensors"));
        Path ioFile = existing(dir.resolve(name + ".io.safetensors"));
        try {
            LanguageModel model = model(weightsFile, SafeTensors.readMetadata(weightsFile).get("spool.model"));
            Map<String, Tensor> io = SafeTensors.read(ioFile);
            Tensor tokens = io.get("tokens");
            Tensor logits = io.get("logits");
            if (tokens == null || tokens.dtype() != DType.I64 || tokens.rank() != 2 || logits == null || logits.dtype() != DType.F32) {
                throw new IllegalArgumentException(ioFile + " should hold tokens (T, B) I64 and logits F32; rerun tools/export_onnx.py");
            }
            return new InferenceWorkload(name, onnx, model, SafeTensors.read(weightsFile), tokens, logits);
        } catch (SafeTensorsException e) {
            throw new IllegalArgumentException(e.getMessage(), e);
        }
    }

    /** Tokens one forward pass reads: T·B. */
    public long tokensPerPass() {
        return (long) tokens.dim(0) * tokens.dim(1);
    }

    /**
     * GEMM FLOPs of one forward pass, counted as {@code spool bench} counts the forward third of a
     * training step: per time step the input and hidden projections (G·H rows) and the head.
     */
    public double forwardFlops() {
        RecurrentConfig rnn = model.rnn();
        double gateRows = (double) rnn.cell().gates() * rnn.hiddenSize();
        double perStep = 2.0 * tokens.dim(1) * (model.vocab() + rnn.hiddenSize()) * gateRows;
        double head = 2.0 * tokens.dim(1) * rnn.hiddenSize() * model.vocab();
        return tokens.dim(0) * (perStep + head);
    }

    private static LanguageModel model(Path file, String json) {
        if (json == null) {
            throw new IllegalArgumentException(file + " has no 'spool.model' metadata; rerun tools/export_onnx.py");
        }
        JsonObject cfg = JsonParser.parseString(json).getAsJsonObject();
        int vocab = cfg.getAsJsonArray("vocab").size();
        CellType cell = CellType.parse(cfg.get("cell").getAsString());
        return new LanguageModel(new RecurrentConfig(cell, vocab, cfg.get("hidden").getAsInt(), cfg.get("layers").getAsInt(),
                cfg.get("bidirectional").getAsBoolean(), false, DType.F32));
    }

    private static Path existing(Path file) {
        if (!Files.isRegularFile(file)) {
            throw new IllegalArgumentException(file + " does not exist; write it with /usr/bin/python3 tools/export_onnx.py");
        }
        return file;
    }
}
