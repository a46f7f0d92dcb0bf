package dev.spool.cli;

import com.google.gson.Gson;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import dev.spool.graph.DType;
import dev.spool.graph.Tensor;
import dev.spool.graph.TensorType;
import dev.spool.graph.io.AtomicWrite;
import dev.spool.graph.io.SafeTensors;
import dev.spool.nn.CellType;
import dev.spool.nn.LanguageModel;
import dev.spool.nn.RecurrentConfig;
import dev.spool.nn.data.Vocab;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A trained language model on disk: a safetensors file of its parameters whose {@code __metadata__}
 * entry {@code spool.model} holds the configuration and vocabulary as JSON, so any safetensors
 * reader can load the weights.
 */
record ModelFile(LanguageModel model, List<String> tokens, Map<String, Tensor> params) {
    static final String KEY = "spool.model";
    static final String FORMAT = "spool-lm/1";

    static void save(Path file, RecurrentConfig rnn, Vocab vocab, Map<String, Tensor> params) throws IOException {
        AtomicWrite.write(file, encode(rnn, vocab, params));
    }

    /** The bytes of a model file: the parameters as safetensors, the configuration and vocabulary in its metadata. */
    static byte[] encode(RecurrentConfig rnn, Vocab vocab, Map<String, Tensor> params) {
        JsonObject cfg = new JsonObject();
        cfg.addProperty("format", FORMAT);
        cfg.addProperty("cell", rnn.cell().cliName());
        cfg.addProperty("hidden", rnn.hiddenSize());
        cfg.addProperty("layers", rnn.layers());
        cfg.addProperty("bidirectional", rnn.bidirectional());
        List<String> tokens = new ArrayList<>();
        for (int i = 0; i < vocab.size(); i++) {
            tokens.add(vocab.token(i));
        }
        cfg.add("vocab", new Gson().toJsonTree(tokens));
        return SafeTensors.encode(params, Map.of(KEY, cfg.toString()));
    }

    static ModelFile load(Path file) throws IOException {
        String json = SafeTensors.readMetadata(file).get(KEY);
        if (json == null) {
            throw new ErrorReporter.UserError(file + " is not a Spool model (no '" + KEY + "' metadata); write one with spool train --save");
        }
        try {
            JsonObject cfg = new Gson().fromJson(json, JsonObject.class);
            if (!FORMAT.equals(cfg.get("format").getAsString())) {
                throw new ErrorReporter.UserError(file + " has model format " + cfg.get("format") + "; this spool reads " + FORMAT);
            }
            List<String> tokens = new ArrayList<>();
            cfg.getAsJsonArray("vocab").forEach(e -> tokens.add(e.getAsString()));
            RecurrentConfig rnn = new RecurrentConfig(CellType.parse(cfg.get("cell").getAsString()), tokens.size(),
                    cfg.get("hidden").getAsInt(), cfg.get("layers").getAsInt(), cfg.get("bidirectional").getAsBoolean(), false, DType.F32);
            LanguageModel lm = new LanguageModel(rnn);
            Map<String, Tensor> params = new LinkedHashMap<>(SafeTensors.read(file));
            for (Map.Entry<String, TensorType> e : lm.parameterTypes().entrySet()) {
                Tensor t = params.get(e.getKey());
                if (t == null || !t.type().equals(e.getValue())) {
                    throw new ErrorReporter.UserError(file + ": weight '" + e.getKey() + "' should be " + e.getValue() + " but is "
                            + (t == null ? "missing" : t.type()));
                }
            }
            return new ModelFile(lm, tokens, params);
        } catch (JsonParseException | NullPointerException | IllegalStateException | UnsupportedOperationException e) {
            throw new ErrorReporter.UserError(file + ": damaged '" + KEY + "' metadata (" + e.getMessage() + ")");
        }
    }
}
