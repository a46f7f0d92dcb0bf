package dev.spool.cli;

import com.google.gson.Gson;
import com.google.gson.JsonObject;
import com.google.gson.JsonElement;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;
import com.google.gson.Strictness;
import com.google.gson.stream.JsonReader;
import dev.spool.graph.DType;
import dev.spool.graph.Tensor;
import dev.spool.graph.TensorType;
import dev.spool.graph.io.SafeTensors;
import dev.spool.graph.io.SafeTensorsException;
import dev.spool.nn.CellType;
import dev.spool.nn.LanguageModel;
import dev.spool.nn.RecurrentConfig;
import dev.spool.nn.data.Vocab;

import java.io.StringReader;
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

    /**
     * The bytes of a model file: the parameters as safetensors, the configuration and vocabulary in
     * its metadata (written by {@code train --save} through {@link OutputFiles#writeOrRescue}).
     */
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

    /**
     * Loads a model written by {@link #encode}. Every problem — not a safetensors file, not a Spool
     * model, damaged metadata, weights of the wrong shape — is a {@link ErrorReporter.UserError}
     * with one line naming the file and what is wrong.
     */
    static ModelFile load(Path file) {
        try {
            String json = SafeTensors.readMetadata(file).get(KEY);
            if (json == null) {
                throw new ErrorReporter.UserError(file + " is not a Spool model (no '" + KEY + "' metadata); write one with spool train --save");
            }
            ModelFile m = configuration(file, json);
            Map<String, Tensor> params = new LinkedHashMap<>(SafeTensors.read(file));
            for (Map.Entry<String, TensorType> e : m.model().parameterTypes().entrySet()) {
                Tensor t = params.get(e.getKey());
                if (t == null || !t.type().equals(e.getValue())) {
                    throw new ErrorReporter.UserError(file + ": weight '" + e.getKey() + "' should be " + e.getValue() + " but is "
                            + (t == null ? "missing" : t.type()));
                }
            }
            return new ModelFile(m.model(), m.tokens(), params);
        } catch (SafeTensorsException e) {
            throw new ErrorReporter.UserError(e.getMessage());
        }
    }

    /**
     * The configuration and vocabulary of a language model compiled into an artifact (its manifest
     * metadata holds the model file's); the weights stay in the artifact, so params are empty.
     */
    static ModelFile fromArtifact(Path file, dev.spool.runtime.SpoolModel artifact) {
        String json = artifact.metadata(KEY);
        if (json == null) {
            throw new ErrorReporter.UserError(file + " is an artifact of a layer, not of a language model; compile one with spool compile --load MODEL");
        }
        return configuration(file, json);
    }

    /** The model and vocabulary described by a model file's metadata JSON (no weights). */
    private static ModelFile configuration(Path file, String json) {
        JsonObject cfg = parseObject(file, json);
        String format = string(file, cfg, "format");
        if (!FORMAT.equals(format)) {
            throw new ErrorReporter.UserError(file + " has model format '" + format + "'; this spool reads " + FORMAT);
        }
        List<String> tokens = new ArrayList<>();
        JsonElement vocab = cfg.get("vocab");
        if (vocab == null || !vocab.isJsonArray() || vocab.getAsJsonArray().isEmpty()) {
            throw damaged(file, "'vocab' should be a non-empty array of strings, got " + abbreviate(vocab));
        }
        for (JsonElement e : vocab.getAsJsonArray()) {
            if (!e.isJsonPrimitive() || !e.getAsJsonPrimitive().isString()) {
                throw damaged(file, "'vocab' holds " + abbreviate(e) + ", not a string");
            }
            tokens.add(e.getAsString());
        }
        if (new java.util.HashSet<>(tokens).size() != tokens.size()) {
            throw damaged(file, "'vocab' names a token twice");
        }
        CellType cell;
        try {
            cell = CellType.parse(string(file, cfg, "cell"));
        } catch (IllegalArgumentException e) {
            throw damaged(file, "'cell': " + e.getMessage());
        }
        int hidden = positiveInt(file, cfg, "hidden");
        int layers = positiveInt(file, cfg, "layers");
        JsonElement bidi = cfg.get("bidirectional");
        if (bidi == null || !bidi.isJsonPrimitive() || !bidi.getAsJsonPrimitive().isBoolean()) {
            throw damaged(file, "'bidirectional' should be true or false, got " + abbreviate(bidi));
        }
        RecurrentConfig rnn;
        LanguageModel lm;
        try {
            rnn = new RecurrentConfig(cell, tokens.size(), hidden, layers, bidi.getAsBoolean(), false, DType.F32);
            lm = new LanguageModel(rnn);
        } catch (IllegalArgumentException e) {
            throw damaged(file, e.getMessage());
        }
        return new ModelFile(lm, tokens, Map.of());
    }

    private static JsonObject parseObject(Path file, String json) {
        try {
            JsonReader r = new JsonReader(new StringReader(json));
            r.setStrictness(Strictness.STRICT);
            JsonElement e = JsonParser.parseReader(r);
            if (!e.isJsonObject()) {
                throw damaged(file, "not a JSON object");
            }
            return e.getAsJsonObject();
        } catch (JsonParseException | StackOverflowError e) {
            // Gson's message has a second line (a troubleshooting URL); the first says where the JSON broke.
            String where = String.valueOf(e.getMessage()).lines().findFirst().orElse("").replaceFirst("^[\\w.]+Exception: ", "");
            throw damaged(file, "not valid JSON (" + where + ")");
        }
    }

    private static String string(Path file, JsonObject cfg, String key) {
        JsonElement v = cfg.get(key);
        if (v == null || !v.isJsonPrimitive() || !v.getAsJsonPrimitive().isString()) {
            throw damaged(file, "'" + key + "' should be a string, got " + abbreviate(v));
        }
        return v.getAsString();
    }

    private static int positiveInt(Path file, JsonObject cfg, String key) {
        JsonElement v = cfg.get(key);
        if (v == null || !v.isJsonPrimitive() || !v.getAsJsonPrimitive().isNumber() || !v.getAsString().matches("\\d{1,9}")
                || v.getAsInt() < 1) {
            throw damaged(file, "'" + key + "' should be a positive integer, got " + abbreviate(v));
        }
        return v.getAsInt();
    }

    private static ErrorReporter.UserError damaged(Path file, String what) {
        return new ErrorReporter.UserError(file + ": damaged '" + KEY + "' metadata: " + what);
    }

    private static String abbreviate(JsonElement e) {
        String s = e == null ? "nothing" : e.toString();
        return s.length() > 40 ? s.substring(0, 37) + "..." : s;
    }
}
