package dev.spool.cli;

import dev.spool.graph.DType;
import dev.spool.graph.Tensor;
import dev.spool.graph.io.SafeTensors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code spool eval} end to end: PyTorch parity on fixtures, and every bad input of the contract. */
class EvalCommandTest {
    @TempDir
    Path tmp;

    record Result(int code, String out, String err) {
    }

    static Path fixture(String name) {
        String root = System.getProperty("spool.fixtures", "../fixtures");
        return Path.of(root, name);
    }

    Result spool(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code = Main.run(new PrintWriter(out), new PrintWriter(err), args);
        return new Result(code, out.toString(), err.toString());
    }

    private Result eval(String cell, Path weights, Path inputs, String... extra) {
        List<String> a = new ArrayList<>(List.of("eval", "--cell", cell, "--weights", weights.toString(),
                "--inputs", inputs.toString(), "--out", tmp.resolve("y.safetensors").toString()));
        a.addAll(Arrays.asList(extra));
        return spool(a.toArray(String[]::new));
    }

    /** Runs a bad-input case and checks the contract: exit 2, one line naming the problem, no output file. */
    private void assertBadInput(Result r, String... fragments) {
        assertEquals(2, r.code(), r.err());
        String line = r.err().strip();
        assertFalse(line.contains("\n"), "one line: " + line);
        assertFalse(line.contains("\tat "), "no stack trace: " + line);
        for (String f : fragments) {
            assertTrue(line.contains(f), "'" + f + "' in: " + line);
        }
        assertFalse(Files.exists(tmp.resolve("y.safetensors")), "no output file is left behind");
    }

    private Path writeInputs(Map<String, Tensor> tensors) throws IOException {
        Path p = tmp.resolve("x" + tensors.hashCode() + ".safetensors");
        SafeTensors.write(p, tensors);
        return p;
    }

    private Map<String, Tensor> inputsOf(String fixture) throws IOException {
        return new LinkedHashMap<>(SafeTensors.read(fixture(fixture).resolve("inputs.safetensors")));
    }

    @Test
    void evalReproducesPyTorchOnABidirectionalLstmWithLengths() throws IOException {
        Path dir = fixture("lstm-l2-bi-tm-len-f32");
        Result r = eval("lstm", dir.resolve("weights.safetensors"), dir.resolve("inputs.safetensors"), "--layers", "2", "--bidirectional");
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().startsWith("wrote "), r.out());
        Map<String, Tensor> got = SafeTensors.read(tmp.resolve("y.safetensors"));
        Map<String, Tensor> want = SafeTensors.read(dir.resolve("expected.safetensors"));
        assertEquals(want.keySet(), got.keySet());
        for (String k : want.keySet()) {
            assertArrayEquals(want.get(k).shape(), got.get(k).shape());
            double[] w = want.get(k).toDoubles();
            double[] g = got.get(k).toDoubles();
            for (int i = 0; i < w.length; i++) {
                assertEquals(w[i], g[i], 1e-5 * Math.max(1, Math.abs(w[i])), k + "[" + i + "]");
            }
        }
    }

    @Test
    void gradWritesEveryGradientOfTheContract() throws IOException {
        Path dir = fixture("gru-l2-bi-bf-len-f64");
        Result r = eval("gru", dir.resolve("weights.safetensors"), dir.resolve("grad_inputs.safetensors"),
                "--layers", "2", "--bidirectional", "--batch-first", "--dtype", "f64", "--grad");
        assertEquals(0, r.code(), r.err());
        Map<String, Tensor> got = SafeTensors.read(tmp.resolve("y.safetensors"));
        Map<String, Tensor> want = SafeTensors.read(dir.resolve("expected_grad.safetensors"));
        assertEquals(new java.util.TreeSet<>(want.keySet()), new java.util.TreeSet<>(got.keySet()));
        for (String k : want.keySet()) {
            double[] w = want.get(k).toDoubles();
            double[] g = got.get(k).toDoubles();
            for (int i = 0; i < w.length; i++) {
                assertEquals(w[i], g[i], 1e-9 * Math.max(1, Math.abs(w[i])), k + "[" + i + "]");
            }
        }
    }

    @Test
    void dumpShowsTheBackwardScan() {
        Path dir = fixture("rnn-l1-uni-tm-nolen-f64");
        Result r = eval("rnn", dir.resolve("weights.safetensors"), dir.resolve("grad_inputs.safetensors"), "--dtype", "f64", "--grad", "--dump");
        assertEquals(0, r.code(), r.err());
        assertEquals(2, r.out().split("= scan\\[").length - 1, "a forward and a backward scan:\n" + r.out());
        assertTrue(r.out().contains("reverse]"), r.out());
    }

    @Test
    void checkpointingKeepsGradientsAndReportsLessMemory() throws IOException {
        Path dir = fixture("lstm-l2-bi-tm-len-f64");
        var rnd = new java.util.Random(3);
        Map<String, Tensor> in = new LinkedHashMap<>();
        in.put("input", Tensor.zeros(DType.F64, 6, 3, 3));
        in.put("grad_output", Tensor.zeros(DType.F64, 6, 3, 8));
        in.values().forEach(t -> {
            for (int i = 0; i < t.size(); i++) {
                t.setDouble(i, rnd.nextGaussian());
            }
        });
        in.put("lengths", Tensor.ofLongs(new int[] {3}, 6, 2, 5));
        Path x = writeInputs(in);
        Path w = dir.resolve("weights.safetensors");
        Result full = eval("lstm", w, x, "--layers", "2", "--bidirectional", "--dtype", "f64", "--grad");
        assertEquals(0, full.code(), full.err());
        byte[] fullBytes = Files.readAllBytes(tmp.resolve("y.safetensors"));
        Result ck = eval("lstm", w, x, "--layers", "2", "--bidirectional", "--dtype", "f64", "--grad", "--checkpoint", "2");
        assertEquals(0, ck.code(), ck.err());
        Map<String, Tensor> a = SafeTensors.read(fullBytes, "full");
        Map<String, Tensor> b = SafeTensors.read(tmp.resolve("y.safetensors"));
        for (String k : a.keySet()) {
            assertArrayEquals(a.get(k).toDoubles(), b.get(k).toDoubles(), 1e-12, k);
        }
        long fullMem = stackedBytes(full.out());
        long ckMem = stackedBytes(ck.out());
        assertTrue(ckMem < fullMem, ckMem + " vs " + fullMem);
        Files.delete(tmp.resolve("y.safetensors"));
        assertBadInput(eval("lstm", w, x, "--layers", "2", "--bidirectional", "--dtype", "f64", "--grad", "--checkpoint", "4"),
                "divisible by 4, got 6");
    }

    private static long stackedBytes(String out) {
        var m = java.util.regex.Pattern.compile("backward scans: ([0-9,]+) bytes").matcher(out);
        assertTrue(m.find(), out);
        return Long.parseLong(m.group(1).replace(",", ""));
    }

    @Test
    void gradTensorsWithoutGradAreRefused() {
        Path dir = fixture("rnn-l1-uni-tm-nolen-f32");
        assertBadInput(eval("rnn", dir.resolve("weights.safetensors"), dir.resolve("grad_inputs.safetensors")),
                "unexpected tensor 'grad_output'", "need --grad");
    }

    @Test
    void evalRunsMyRnnBatchFirstInFloat64() {
        Path dir = fixture("myrnn-l1-uni-bf-nolen-f64");
        Result r = eval("myrnn", dir.resolve("weights.safetensors"), dir.resolve("inputs.safetensors"), "--batch-first", "--dtype", "f64");
        assertEquals(0, r.code(), r.err());
    }

    @Test
    void inputWidthDifferentFromWeights() throws IOException {
        var in = inputsOf("gru-l1-uni-tm-nolen-f32");
        in.put("input", Tensor.zeros(DType.F32, 5, 3, 7));
        Path d = fixture("gru-l1-uni-tm-nolen-f32");
        assertBadInput(eval("gru", d.resolve("weights.safetensors"), writeInputs(in)), "tensor 'input'", "(T, B, 3)", "(5, 3, 7)");
    }

    @Test
    void wrongInitialStateShape() throws IOException {
        var in = inputsOf("lstm-l1-uni-tm-nolen-f32");
        in.put("c0", Tensor.zeros(DType.F32, 1, 2, 4));
        Path d = fixture("lstm-l1-uni-tm-nolen-f32");
        assertBadInput(eval("lstm", d.resolve("weights.safetensors"), writeInputs(in)), "tensor 'c0'", "expected F32(1, 3, 4)", "got F32(1, 2, 4)");
    }

    @Test
    void integerInput() throws IOException {
        Path d = fixture("rnn-l1-uni-tm-nolen-f32");
        assertBadInput(eval("rnn", d.resolve("weights.safetensors"), writeInputs(Map.of("input", Tensor.zeros(DType.I64, 5, 3, 3)))),
                "tensor 'input'", "expected F32", "got I64");
    }

    @Test
    void missingInputTensor() throws IOException {
        Path d = fixture("rnn-l1-uni-tm-nolen-f32");
        assertBadInput(eval("rnn", d.resolve("weights.safetensors"), writeInputs(Map.of("h0", Tensor.zeros(DType.F32, 1, 3, 4)))),
                "missing tensor 'input'");
    }

    @Test
    void lengthsOutOfRange() throws IOException {
        Path d = fixture("rnn-l1-uni-tm-len-f32");
        var in = inputsOf("rnn-l1-uni-tm-len-f32");
        in.put("lengths", Tensor.ofLongs(new int[] {3}, 5, 9, 1));
        assertBadInput(eval("rnn", d.resolve("weights.safetensors"), writeInputs(in)), "lengths[1] = 9", "[1, 5]");
        in.put("lengths", Tensor.ofLongs(new int[] {3}, 5, 0, 1));
        assertBadInput(eval("rnn", d.resolve("weights.safetensors"), writeInputs(in)), "lengths[1] = 0", "[1, 5]");
    }

    @Test
    void truncatedAndForeignFiles() throws IOException {
        Path d = fixture("rnn-l1-uni-tm-nolen-f32");
        byte[] bytes = Files.readAllBytes(d.resolve("weights.safetensors"));
        Path truncated = tmp.resolve("truncated.safetensors");
        Files.write(truncated, Arrays.copyOf(bytes, bytes.length - 10));
        assertBadInput(eval("rnn", truncated, d.resolve("inputs.safetensors")), "truncated.safetensors");
        Path text = tmp.resolve("notes.safetensors");
        Files.writeString(text, "this is not a safetensors file at all");
        assertBadInput(eval("rnn", text, d.resolve("inputs.safetensors")), "notes.safetensors", "not a safetensors file");
    }

    @Test
    void missingFile() {
        Path d = fixture("rnn-l1-uni-tm-nolen-f32");
        assertBadInput(eval("rnn", tmp.resolve("nope.safetensors"), d.resolve("inputs.safetensors")), "file not found", "nope.safetensors");
    }

    @Test
    void missingAndExtraWeights() throws IOException {
        Path d = fixture("rnn-l1-uni-tm-nolen-f32");
        var w = new LinkedHashMap<>(SafeTensors.read(d.resolve("weights.safetensors")));
        w.remove("bias_hh_l0");
        Path missing = tmp.resolve("missing.safetensors");
        SafeTensors.write(missing, w);
        assertBadInput(eval("rnn", missing, d.resolve("inputs.safetensors")), "missing weight 'bias_hh_l0'", "expected F32(4)");
        w = new LinkedHashMap<>(SafeTensors.read(d.resolve("weights.safetensors")));
        w.put("fc.weight", Tensor.zeros(DType.F32, 2, 2));
        Path extra = tmp.resolve("extra.safetensors");
        SafeTensors.write(extra, w);
        assertBadInput(eval("rnn", extra, d.resolve("inputs.safetensors")), "unexpected weight 'fc.weight'");
    }

    @Test
    void weightsInconsistentWithLayersOrDirections() {
        Path d = fixture("gru-l2-bi-tm-nolen-f32");
        assertBadInput(eval("gru", d.resolve("weights.safetensors"), d.resolve("inputs.safetensors"), "--layers", "2"),
                "unexpected weight", "_reverse", "--bidirectional");
        assertBadInput(eval("gru", d.resolve("weights.safetensors"), d.resolve("inputs.safetensors"), "--bidirectional"),
                "unexpected weight", "_l1", "--layers 1");
        assertBadInput(eval("gru", d.resolve("weights.safetensors"), d.resolve("inputs.safetensors"), "--layers", "3", "--bidirectional"),
                "missing weight 'weight_ih_l2'");
        assertBadInput(eval("lstm", d.resolve("weights.safetensors"), d.resolve("inputs.safetensors"), "--layers", "2", "--bidirectional"),
                "weight 'weight_ih_l0'", "expected shape (16, 3)", "got (12, 3)");
    }

    @Test
    void laterFeaturesSayTheyAreNotYetSupported() {
        Path d = fixture("rnn-l1-uni-tm-nolen-f32");
        Path w = d.resolve("weights.safetensors");
        Path x = d.resolve("inputs.safetensors");
        assertBadInput(eval("rnn", w, x, "--grad"), "--grad needs tensor 'grad_output' (5, 3, 4)");
        if (!CudaDevice.present()) {
            assertBadInput(eval("rnn", w, x, "--backend", "cuda"), "no CUDA device: ");
        }
    }

    @Test
    void badCompilerFlagsAreRefused() {
        Path d = fixture("rnn-l1-uni-tm-nolen-f32");
        Path w = d.resolve("weights.safetensors");
        Path x = d.resolve("inputs.safetensors");
        assertBadInput(eval("rnn", w, x, "--mode", "loop"), "--mode must be scan, unroll or auto, got 'loop'");
        assertBadInput(eval("rnn", w, x, "--unroll", "0"), "--unroll K needs K >= 1");
        assertBadInput(eval("rnn", w, x, "--no-pass", "fuse"), "unknown pass 'fuse'", "fusion");
        assertBadInput(eval("rnn", w, x, "--passes", "simplify,bogus"), "unknown pass 'bogus'");
    }

    /** Unrolled (fully, by 2 with a remainder, masked by lengths) and pass-stripped gradients all match PyTorch. */
    @Test
    void everyLoopStrategyAndPassListReproducesPyTorchGradients() throws IOException {
        Path dir = fixture("gru-l2-bi-bf-len-f64");
        Map<String, Tensor> want = SafeTensors.read(dir.resolve("expected_grad.safetensors"));
        List<List<String>> variants = List.of(List.of("--mode", "unroll"), List.of("--unroll", "2"), List.of("--no-fusion", "--no-sink"),
                List.of("--passes", "verify"), List.of("--no-memplan", "--no-pushout"));
        for (List<String> v : variants) {
            List<String> args = new ArrayList<>(List.of("--layers", "2", "--bidirectional", "--batch-first", "--dtype", "f64", "--grad"));
            args.addAll(v);
            Result r = eval("gru", dir.resolve("weights.safetensors"), dir.resolve("grad_inputs.safetensors"), args.toArray(String[]::new));
            assertEquals(0, r.code(), v + ": " + r.err());
            Map<String, Tensor> got = SafeTensors.read(tmp.resolve("y.safetensors"));
            assertEquals(new java.util.TreeSet<>(want.keySet()), new java.util.TreeSet<>(got.keySet()), v.toString());
            for (String k : want.keySet()) {
                double[] e = want.get(k).toDoubles();
                double[] g = got.get(k).toDoubles();
                for (int i = 0; i < e.length; i++) {
                    assertEquals(e[i], g[i], 1e-9 * Math.max(1, Math.abs(e[i])), v + " " + k + "[" + i + "]");
                }
            }
            Files.delete(tmp.resolve("y.safetensors"));
        }
    }

    @Test
    void usageErrorsExitTwo() {
        Result r = spool("eval", "--cell", "lstm");
        assertEquals(2, r.code());
        assertTrue(r.err().contains("Missing required options"), r.err());
        r = spool("eval", "--cell", "transformer", "--weights", "a", "--inputs", "b", "--out", tmp.resolve("y.safetensors").toString());
        assertEquals(2, r.code());
    }

    @Test
    void helpListsTheCommands() {
        Result r = spool("--help");
        assertEquals(0, r.code());
        assertTrue(r.out().contains("eval"), r.out());
    }
}
