package dev.spool.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import dev.spool.graph.DType;
import dev.spool.graph.Tensor;
import dev.spool.graph.io.SafeTensors;
import dev.spool.nn.LanguageModel;
import dev.spool.nn.RecurrentConfig;
import dev.spool.nn.data.Vocab;
import dev.spool.runtime.Session;
import dev.spool.runtime.SpoolModel;
import dev.spool.runtime.internal.Artifact;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;
import java.util.zip.ZipOutputStream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code spool compile} and {@code spool run} end to end: an artifact reproduces {@code spool eval} bit for bit. */
class ArtifactCommandsTest {
    @TempDir
    Path tmp;

    record Result(int code, String out, String err) {
    }

    static Result spool(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code = Main.run(new PrintWriter(out), new PrintWriter(err), args);
        return new Result(code, out.toString(), err.toString());
    }

    /** Every cell configuration of the PyTorch fixtures: cell, layers, directions, layout, lengths, dtype. */
    static Stream<String> configurations() throws IOException {
        try (Stream<Path> dirs = Files.list(EvalCommandTest.fixture(""))) {
            return dirs.map(p -> p.getFileName().toString()).filter(n -> n.matches("(rnn|rnn-relu|gru|lstm|myrnn)-l\\d-.*")).sorted().toList().stream();
        }
    }

    /** The flags of a fixture's configuration, as both eval and compile take them. */
    static List<String> flags(String fixture) {
        String[] parts = fixture.split("-");
        int k = parts[1].equals("relu") ? 1 : 0;
        List<String> f = new ArrayList<>(List.of("--cell", k == 1 ? "rnn-relu" : parts[0], "--layers", parts[1 + k].substring(1)));
        if (parts[2 + k].equals("bi")) {
            f.add("--bidirectional");
        }
        if (parts[3 + k].equals("bf")) {
            f.add("--batch-first");
        }
        f.addAll(List.of("--dtype", parts[5 + k]));
        return f;
    }

    @ParameterizedTest
    @MethodSource("configurations")
    void artifactReproducesEvalBitForBit(String fixture) throws IOException {
        Path d = EvalCommandTest.fixture(fixture);
        Path w = d.resolve("weights.safetensors");
        Path x = d.resolve("inputs.safetensors");
        List<String> compile = new ArrayList<>(List.of("compile", "--weights", w.toString(), "--out", tmp.resolve("m.spool").toString()));
        compile.addAll(flags(fixture));
        if (fixture.contains("-len-")) {
            compile.add("--lengths");
        }
        Result c = spool(compile.toArray(String[]::new));
        assertEquals(0, c.code(), c.err());
        Result r = spool("run", tmp.resolve("m.spool").toString(), "--inputs", x.toString(), "--out", tmp.resolve("run.safetensors").toString());
        assertEquals(0, r.code(), r.err());
        List<String> eval = new ArrayList<>(List.of("eval", "--weights", w.toString(), "--inputs", x.toString(), "--out", tmp.resolve("eval.safetensors").toString()));
        eval.addAll(flags(fixture));
        Result e = spool(eval.toArray(String[]::new));
        assertEquals(0, e.code(), e.err());
        assertArrayEquals(Files.readAllBytes(tmp.resolve("eval.safetensors")), Files.readAllBytes(tmp.resolve("run.safetensors")),
                fixture + ": spool run writes the bytes spool eval writes");
    }

    /** A compiled LSTM layer artifact of the 1-layer fixture (inputs (5, 3, 3)). */
    private Path lstmArtifact() {
        Path d = EvalCommandTest.fixture("lstm-l1-uni-tm-nolen-f32");
        Path m = tmp.resolve("lstm.spool");
        Result c = spool("compile", "--cell", "lstm", "--weights", d.resolve("weights.safetensors").toString(), "--out", m.toString());
        assertEquals(0, c.code(), c.err());
        return m;
    }

    /** Exit 2, one line naming the artifact and the fragments, no stack trace, no output file. */
    private void assertRefused(Path artifact, String... fragments) {
        Path x = EvalCommandTest.fixture("lstm-l1-uni-tm-nolen-f32").resolve("inputs.safetensors");
        Path y = tmp.resolve("refused.safetensors");
        Result r = spool("run", artifact.toString(), "--inputs", x.toString(), "--out", y.toString());
        assertEquals(2, r.code(), r.err());
        String line = r.err().strip();
        assertFalse(line.contains("\n") || line.contains("\tat "), "one line: " + line);
        for (String f : fragments) {
            assertTrue(line.contains(f), "'" + f + "' in: " + line);
        }
        assertFalse(Files.exists(y), "no output");
    }

    /** The artifact's entries, rewritten as a zip through {@code edit} (which may change or drop them). */
    private Path rewrite(Path artifact, String name, java.util.function.UnaryOperator<Map<String, byte[]>> edit) throws IOException {
        Map<String, byte[]> entries = new LinkedHashMap<>();
        try (ZipInputStream in = new ZipInputStream(Files.newInputStream(artifact))) {
            ZipEntry e;
            while ((e = in.getNextEntry()) != null) {
                entries.put(e.getName(), in.readAllBytes());
            }
        }
        Path out = tmp.resolve(name);
        try (ZipOutputStream zip = new ZipOutputStream(Files.newOutputStream(out))) {
            for (Map.Entry<String, byte[]> e : edit.apply(entries).entrySet()) {
                zip.putNextEntry(new ZipEntry(e.getKey()));
                zip.write(e.getValue());
                zip.closeEntry();
            }
        }
        return out;
    }

    @Test
    void damagedTruncatedOrForeignArtifactsAreRefusedInOneLine() throws IOException {
        Path m = lstmArtifact();
        byte[] bytes = Files.readAllBytes(m);
        Path truncated = tmp.resolve("truncated.spool");
        Files.write(truncated, Arrays.copyOf(bytes, bytes.length / 2));
        assertRefused(truncated, "truncated.spool");
        assertRefused(rewrite(m, "damaged.spool", e -> {
            byte[] w = e.get("weights.safetensors").clone();
            w[w.length - 1] ^= 1;
            e.put("weights.safetensors", w);
            return e;
        }), "damaged.spool is damaged", "weights.safetensors", "SHA-256");
        assertRefused(rewrite(m, "missing.spool", e -> {
            e.remove("weights.safetensors");
            return e;
        }), "missing.spool is missing entry 'weights.safetensors'");
        assertRefused(rewrite(m, "badsplit.spool", e -> {
            // A row split naming an axis that is not the batch would cut the wrong axis: refused at load.
            com.google.gson.JsonObject manifest = com.google.gson.JsonParser.parseString(new String(e.get("manifest.json"), StandardCharsets.UTF_8))
                    .getAsJsonObject();
            com.google.gson.JsonObject inputs = manifest.getAsJsonObject("rowSplit").getAsJsonObject("inputs");
            inputs.addProperty(inputs.keySet().iterator().next(), 0);
            e.put("manifest.json", manifest.toString().getBytes(StandardCharsets.UTF_8));
            return e;
        }), "badsplit.spool", "rowSplit", "axis 0");
        assertRefused(rewrite(m, "future.spool", e -> {
            e.put("manifest.json", new String(e.get("manifest.json"), StandardCharsets.UTF_8)
                    .replace("\"formatVersion\": " + Artifact.VERSION, "\"formatVersion\": 99").getBytes(StandardCharsets.UTF_8));
            return e;
        }), "format version 99", "reads version " + Artifact.VERSION);
        Path notZip = EvalCommandTest.fixture("lstm-l1-uni-tm-nolen-f32").resolve("weights.safetensors");
        assertRefused(notZip, "weights.safetensors", "not a");
        assertRefused(tmp.resolve("absent.spool"), "absent.spool");
    }

    @Test
    void inputsThatBreakTheSignatureAreRefusedInOneLine() throws IOException {
        Path m = lstmArtifact();
        Path y = tmp.resolve("y.safetensors");
        Path wrongFeatures = tmp.resolve("x4.safetensors");
        SafeTensors.write(wrongFeatures, Map.of("input", Tensor.zeros(DType.F32, 5, 3, 4)));
        Result r = spool("run", m.toString(), "--inputs", wrongFeatures.toString(), "--out", y.toString());
        assertEquals(2, r.code(), r.err());
        assertTrue(r.err().contains("input 'input': expected F32[T, B, 3], got F32(5, 3, 4)"), r.err());
        Path wrongType = tmp.resolve("x64.safetensors");
        SafeTensors.write(wrongType, Map.of("input", Tensor.zeros(DType.F64, 5, 3, 3)));
        r = spool("run", m.toString(), "--inputs", wrongType.toString(), "--out", y.toString());
        assertEquals(2, r.code(), r.err());
        assertTrue(r.err().contains("expected F32[T, B, 3], got F64(5, 3, 3)"), r.err());
        Path wrongState = tmp.resolve("h.safetensors");
        SafeTensors.write(wrongState, Map.of("input", Tensor.zeros(DType.F32, 5, 3, 3), "h0", Tensor.zeros(DType.F32, 1, 2, 4)));
        r = spool("run", m.toString(), "--inputs", wrongState.toString(), "--out", y.toString());
        assertEquals(2, r.code(), r.err());
        assertTrue(r.err().contains("input 'h0'") && r.err().contains("B is 3 from another input"), r.err());
        Path unknown = tmp.resolve("u.safetensors");
        SafeTensors.write(unknown, Map.of("input", Tensor.zeros(DType.F32, 5, 3, 3), "x", Tensor.zeros(DType.F32, 1)));
        r = spool("run", m.toString(), "--inputs", unknown.toString(), "--out", y.toString());
        assertEquals(2, r.code(), r.err());
        assertTrue(r.err().contains("unknown input 'x'") && r.err().contains("takes input, h0, c0"), r.err());
        assertFalse(Files.exists(y));
    }

    @Test
    void oneLoadedModelServesManyThreadsAndSizesAtOnce() throws Exception {
        SpoolModel model = SpoolModel.load(lstmArtifact());
        java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(4);
        try {
            List<java.util.concurrent.Future<Boolean>> checks = new ArrayList<>();
            for (int i = 0; i < 16; i++) {
                int t = 1 + i % 5;
                int b = 1 + i % 3;
                java.util.Random rnd = new java.util.Random(i);
                float[] v = new float[t * b * 3];
                for (int j = 0; j < v.length; j++) {
                    v[j] = (float) rnd.nextGaussian();
                }
                Tensor x = Tensor.of(v, t, b, 3);
                Map<String, Tensor> want = model.run(Map.of("input", x));
                checks.add(pool.submit(() -> {
                    Map<String, Tensor> got = model.run(Map.of("input", x));
                    return Arrays.equals(want.get("output").toFloatArray(), got.get("output").toFloatArray())
                            && Arrays.equals(want.get("c_n").toFloatArray(), got.get("c_n").toFloatArray());
                }));
            }
            for (var c : checks) {
                assertTrue(c.get(), "the same bits from any thread");
            }
        } finally {
            pool.shutdown();
        }
    }

    /** A small character language model with random weights, written as spool train --save writes it. */
    private Path languageModel(String cell) throws IOException {
        java.util.List<String> tokens = new ArrayList<>();
        tokens.add(Vocab.UNK);
        tokens.add(" ");
        for (char c = 'a'; c <= 'z'; c++) {
            tokens.add(String.valueOf(c));
        }
        RecurrentConfig rnn = new RecurrentConfig(CommonOptions.cell(cell), tokens.size(), 16, 2, false, false, DType.F32);
        java.util.Random rnd = new java.util.Random(7);
        Map<String, Tensor> params = new LinkedHashMap<>();
        new LanguageModel(rnn).parameterTypes().forEach((k, t) -> {
            Tensor w = Tensor.zeros(t.dtype(), t.shape().sizes());
            for (int i = 0; i < w.size(); i++) {
                w.setDouble(i, rnd.nextGaussian() * 0.5);
            }
            params.put(k, w);
        });
        Path file = tmp.resolve(cell + "-lm.spool");
        Files.write(file, ModelFile.encode(rnn, new Vocab(tokens), params));
        return file;
    }

    @Test
    void sessionStepsGiveWhatTheWholeSequenceGives() throws IOException {
        for (String cell : List.of("gru", "lstm")) {
            Path lm = languageModel(cell);
            Path art = tmp.resolve(cell + ".spool");
            Result c = spool("compile", "--load", lm.toString(), "--out", art.toString());
            assertEquals(0, c.code(), c.err());
            SpoolModel model = SpoolModel.load(art);
            long[] ids = {8, 20, 0, 8, 1, 19, 0, 2, 5, 5, 14};
            Tensor whole = model.run(Map.of("tokens", Tensor.ofLongs(new int[] {ids.length, 1}, ids))).get("logits");
            Session s = model.session();
            for (int t = 0; t < ids.length; t++) {
                float[] step = s.step(Map.of("tokens", Tensor.ofLongs(new int[] {1}, ids[t]))).get("logits").toFloatArray();
                float[] want = Arrays.copyOfRange(whole.toFloatArray(), t * 28, (t + 1) * 28);
                for (int v = 0; v < 28; v++) {
                    assertEquals(want[v], step[v], 1e-5f * Math.max(1, Math.abs(want[v])), cell + " step " + t + " logit " + v);
                }
            }
        }
    }

    @Test
    void sampleFromAnArtifactWritesWhatSampleFromTheModelWrites() throws IOException {
        Path lm = languageModel("lstm");
        Path art = tmp.resolve("lm.spool");
        assertEquals(0, spool("compile", "--load", lm.toString(), "--out", art.toString()).code());
        Result fromModel = spool("sample", "--load", lm.toString(), "--prefix", "time traveller", "--predict", "40");
        Result fromArtifact = spool("sample", "--load", art.toString(), "--prefix", "time traveller", "--predict", "40");
        assertEquals(0, fromModel.code(), fromModel.err());
        assertEquals(fromModel.out(), fromArtifact.out());
        assertTrue(fromModel.out().startsWith("time traveller") && fromModel.out().strip().length() == 14 + 40, fromModel.out());
    }
}
