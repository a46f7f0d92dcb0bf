package dev.spool.cli;

import dev.spool.graph.DType;
import dev.spool.graph.Tensor;
import dev.spool.graph.io.SafeTensors;
import dev.spool.nn.CellType;
import dev.spool.nn.RecurrentConfig;
import dev.spool.nn.data.Vocab;
import dev.spool.nn.train.Initializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Seeded mutation fuzzing of the saved-model loader ({@link ModelFile#load}): valid model files
 * with their bytes mutated as in {@code SafeTensorsFuzzTest}, and their {@code spool.model} JSON
 * mutated structurally (values of other types, missing keys, huge or negative sizes, broken
 * syntax). Every outcome must be a model or a {@link ErrorReporter.UserError}: one line, never
 * another exception.
 */
class ModelFileFuzzTest {
    private static final int BYTE_CASES = 3_000;
    private static final int JSON_CASES = 3_000;
    private static final String[] VALUES = {"0", "-3", "1", "2", "99999999999", "2147483648", "1.5", "\"rnn\"", "\"lstm\"", "\"tanh\"", "true",
            "null", "[]", "{}", "[\"a\",\"a\"]", "[1,2]", "\"\"", "\"spool-lm/2\""};
    private static final String[] KEYS = {"format", "cell", "hidden", "layers", "bidirectional", "vocab"};

    @TempDir
    Path tmp;

    private static byte[] validModel() {
        RecurrentConfig rnn = new RecurrentConfig(CellType.GRU, 4, 3, 1, false, false, DType.F32);
        SplittableRandom rnd = new SplittableRandom(1);
        Map<String, Tensor> params = new LinkedHashMap<>(Initializer.recurrent(rnn, rnd));
        params.putAll(Initializer.linear("linear.", 3, 4, DType.F32, rnd));
        return ModelFile.encode(rnn, new Vocab(List.of(" ", "<unk>", "a", "b")), params);
    }

    /** Loads {@code bytes} as a model file; returns whether it loaded, fails on any exception but the typed one. */
    private boolean load(byte[] bytes, String what) throws Exception {
        Path f = tmp.resolve("m.spool");
        Files.write(f, bytes);
        try {
            ModelFile.load(f);
            return true;
        } catch (ErrorReporter.UserError expected) {
            assertTrue(!expected.getMessage().contains("\n") && !expected.getMessage().contains("gson"), what + ": " + expected.getMessage());
            return false;
        } catch (RuntimeException | Error e) {
            throw new AssertionError(what + ": " + e, e);
        }
    }

    /** 1 to 3 byte edits: a flipped byte (often in the JSON header), a truncation, or a byte of the length field. */
    private static byte[] mutate(byte[] in, SplittableRandom rnd) {
        byte[] b = in.clone();
        for (int e = 0, edits = 1 + rnd.nextInt(3); e < edits; e++) {
            switch (rnd.nextInt(3)) {
                case 0 -> {
                    if (b.length > 0) {
                        int header = b.length < 8 ? b.length : (int) Math.min(b.length, 8 + 600);
                        b[rnd.nextBoolean() ? rnd.nextInt(header) : rnd.nextInt(b.length)] ^= (byte) (1 + rnd.nextInt(255));
                    }
                }
                case 1 -> b = java.util.Arrays.copyOf(b, rnd.nextInt(b.length + 1));
                default -> {
                    if (b.length >= 8) {
                        b[rnd.nextInt(8)] = (byte) rnd.nextInt(256);
                    }
                }
            }
        }
        return b;
    }

    @Test
    void mutatedModelFilesGiveTheTypedErrorOrAModel() throws Exception {
        byte[] valid = validModel();
        assertTrue(load(valid, "the valid model"));
        for (int i = 0; i < BYTE_CASES; i++) {
            SplittableRandom rnd = new SplittableRandom(i);
            load(mutate(valid, rnd), "byte case " + i);
        }
    }

    @Test
    void mutatedModelMetadataGivesTheTypedErrorOrAModel() throws Exception {
        byte[] valid = validModel();
        Map<String, Tensor> params = SafeTensors.read(valid, "valid");
        Path f = Files.write(tmp.resolve("valid.spool"), valid);
        String json = SafeTensors.readMetadata(f).get(ModelFile.KEY);
        for (int i = 0; i < JSON_CASES; i++) {
            SplittableRandom rnd = new SplittableRandom(1_000_000 + i);
            String mutated = json;
            for (int e = 0, edits = 1 + rnd.nextInt(3); e < edits; e++) {
                String key = KEYS[rnd.nextInt(KEYS.length)];
                mutated = switch (rnd.nextInt(4)) {
                    case 0 -> mutated.replaceFirst("\"" + key + "\":(\\[[^\\]]*\\]|\"[^\"]*\"|[^,}]*)", "\"" + key + "\":" + VALUES[rnd.nextInt(VALUES.length)]);
                    case 1 -> mutated.replaceFirst("\"" + key + "\":(\\[[^\\]]*\\]|\"[^\"]*\"|[^,}]*),?", "");
                    case 2 -> mutated.substring(0, rnd.nextInt(mutated.length() + 1));
                    default -> {
                        List<String> parts = new ArrayList<>(List.of(mutated.split("")));
                        parts.add(rnd.nextInt(parts.size() + 1), String.valueOf("{}[],:\"0a".charAt(rnd.nextInt(9))));
                        yield String.join("", parts);
                    }
                };
            }
            load(SafeTensors.encode(params, Map.of(ModelFile.KEY, mutated)), "json case " + i + ": " + mutated);
        }
    }
}
