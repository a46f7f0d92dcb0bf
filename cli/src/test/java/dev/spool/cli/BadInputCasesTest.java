package dev.spool.cli;

import dev.spool.graph.DType;
import dev.spool.graph.Tensor;
import dev.spool.graph.io.SafeTensors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Every case of issue 12's table, so none comes back: one clear line and exit 2 (or it works), never
 * a usage dump, a stack trace or a library's class name.
 */
class BadInputCasesTest {
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

    /** Exit 2, one line on stderr containing every fragment, no stack trace. */
    static void assertOneLine(Result r, String... fragments) {
        assertEquals(2, r.code(), r.out() + r.err());
        String line = r.err().strip();
        assertFalse(line.isEmpty() || line.contains("\n"), "one line: " + r.err());
        assertFalse(line.contains("\tat ") || line.contains("Exception"), "no stack trace or exception class: " + line);
        for (String f : fragments) {
            assertTrue(line.contains(f), "'" + f + "' in: " + line);
        }
    }

    private static Path fixture(String name) {
        return EvalCommandTest.fixture(name);
    }

    private String[] eval(Path weights, Path inputs, String... extra) {
        List<String> a = new ArrayList<>(List.of("eval", "--cell", "rnn", "--weights", weights.toString(), "--inputs", inputs.toString(),
                "--out", tmp.resolve("y.safetensors").toString()));
        a.addAll(List.of(extra));
        return a.toArray(String[]::new);
    }

    private static final Path RNN = fixture("rnn-l1-uni-tm-nolen-f32");

    @Test
    void aDirectoryIsNotAFile() {
        assertOneLine(spool(eval(RNN.resolve("weights.safetensors"), tmp)), "--inputs: " + tmp + " is a directory");
        assertOneLine(spool("train", "--text", tmp.toString()), "--text: " + tmp + " is a directory");
    }

    @Test
    void f32InputsForF64WeightsSayConvertTheInputs() {
        Result r = spool(eval(fixture("rnn-l1-uni-tm-nolen-f64").resolve("weights.safetensors"), RNN.resolve("inputs.safetensors"), "--dtype", "f64"));
        assertOneLine(r, "'input': expected F64 like the weights (--dtype f64), got F32", "convert the inputs to F64");
    }

    @Test
    void aHugeDimensionInAHeaderIsNamed() throws Exception {
        String header = "{\"input\":{\"dtype\":\"F32\",\"shape\":[4611686018427387904],\"data_offsets\":[0,4]}}";
        byte[] json = header.getBytes(StandardCharsets.UTF_8);
        byte[] file = new byte[8 + json.length + 4];
        java.nio.ByteBuffer.wrap(file).order(java.nio.ByteOrder.LITTLE_ENDIAN).putLong(json.length).put(json);
        Path p = Files.write(tmp.resolve("huge.safetensors"), file);
        assertOneLine(spool(eval(RNN.resolve("weights.safetensors"), p)), "dimension 4611686018427387904 > 2147483647");
        Path q = Files.write(tmp.resolve("huger.safetensors"), new String(file, StandardCharsets.ISO_8859_1)
                .replace("4611686018427387904", "9999999999999999999").getBytes(StandardCharsets.ISO_8859_1));
        Files.write(q, fixLength(Files.readAllBytes(q)));
        assertOneLine(spool(eval(RNN.resolve("weights.safetensors"), q)), "9999999999999999999, which is too large");
    }

    /** Rewrites the header length after the header text changed length. */
    private static byte[] fixLength(byte[] file) {
        java.nio.ByteBuffer.wrap(file).order(java.nio.ByteOrder.LITTLE_ENDIAN).putLong(0, file.length - 8 - 4); // 4 data bytes
        return file;
    }

    @Test
    void batchFirstInputWithoutTheFlagGetsAHint() throws Exception {
        Map<String, Tensor> in = new LinkedHashMap<>();
        in.put("input", Tensor.zeros(DType.F32, 2, 5, 3)); // (B=2, T=5, I=3)
        in.put("h0", Tensor.zeros(DType.F32, 1, 2, 4));
        Path p = tmp.resolve("bf.safetensors");
        SafeTensors.write(p, in);
        assertOneLine(spool(eval(RNN.resolve("weights.safetensors"), p)), "tensor 'h0'", "then pass --batch-first");
        assertEquals(0, spool(eval(RNN.resolve("weights.safetensors"), p, "--batch-first")).code());
    }

    @Test
    void aMissingRequiredOptionIsOneLine() {
        assertOneLine(spool("eval", "--cell", "rnn", "--weights", "w", "--inputs", "x"), "Missing required option", "--out",
                "see spool eval --help");
    }

    @Test
    void unparsableValuesAreOneLine() {
        assertOneLine(spool("train", "--lr", "nan"), "--lr", "'nan' is not a double");
        assertOneLine(spool("sample", "--load", "m", "--temperature", "nan"), "--temperature", "'nan'");
        assertOneLine(spool("train", "--hidden", "99999999999"), "--hidden", "'99999999999' is not an int");
        assertOneLine(spool("train", "--lrr", "3"), "Unknown option", "did you mean --lr?");
    }

    @Test
    void textThatIsNotUtf8IsNamedWithTheOffset() throws Exception {
        Path latin1 = Files.write(tmp.resolve("l1.txt"), "caf\u00e9 au lait".getBytes(StandardCharsets.ISO_8859_1));
        assertOneLine(spool("train", "--text", latin1.toString()), "is not UTF-8 text", "byte 0xE9 at offset 3");
        Path binary = Files.write(tmp.resolve("bin"), new byte[] {0x7f, 'E', 'L', 'F', 2, 1, 1, 0, (byte) 0xff, 0});
        assertOneLine(spool("train", "--text", binary.toString()), "is not UTF-8 text", "offset 8");
    }

    @Test
    void runsTooLargeForMemorySayWhatTheyNeedAndWhatToChange() {
        Result r = spool("inspect", "--hidden", "100000", "--show", "memory");
        assertOneLine(r, "bytes", "of working memory", "make --hidden, --batch or --steps smaller");
        assertFalse(r.err().contains("--checkpoint"), "inspect has no --checkpoint: " + r.err());
        StringWriter err = new StringWriter();
        assertEquals(2, ErrorReporter.outOfMemory(new PrintWriter(err), "eval"));
        assertTrue(err.toString().startsWith("spool eval: error: out of memory: this run needs more than the Java heap's "), err.toString());
        assertTrue(err.toString().contains("--mode scan instead of unroll") && err.toString().contains("SPOOL_JAVA_OPTS=-Xmx"), err.toString());
        assertEquals(1, err.toString().strip().lines().count());
    }

    @Test
    void outOfMemoryInAnUnrolledEvalIsExitTwoWithoutAStackTrace() throws Exception {
        Map<String, Tensor> in = new LinkedHashMap<>();
        in.put("input", Tensor.zeros(DType.F32, 20000, 1, 3));
        Path x = tmp.resolve("long.safetensors");
        SafeTensors.write(x, in);
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx48m",
                "--add-modules", "jdk.incubator.vector", "-cp", System.getProperty("java.class.path"), Main.class.getName()));
        cmd.addAll(List.of(eval(RNN.resolve("weights.safetensors"), x, "--mode", "unroll")));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(3, TimeUnit.MINUTES));
        assertEquals(2, p.exitValue(), out);
        String line = out.lines().filter(l -> !l.startsWith("WARNING: Using incubator")).reduce("", (a, b) -> a + b + "\n").strip();
        assertTrue(line.startsWith("spool eval: error: out of memory") && !line.contains("\n") && !line.contains("\tat "), out);
    }

    @Test
    void damagedModelMetadataIsOneLineWithoutLibraryNames() throws Exception {
        Path m = tmp.resolve("m.spool");
        SafeTensors.write(m, Map.of("w", Tensor.zeros(DType.F32, 1)), Map.of(ModelFile.KEY, "{\"format\":\"spool-lm/1\",\"cell\":"));
        Result r = spool("sample", "--load", m.toString());
        assertOneLine(r, "damaged 'spool.model' metadata: not valid JSON");
        assertFalse(r.err().contains("gson") || r.err().contains("http"), r.err());
        SafeTensors.write(m, Map.of("w", Tensor.zeros(DType.F32, 1)), Map.of(ModelFile.KEY, "{\"format\":\"spool-lm/1\",\"cell\":\"rnn\"}"));
        assertOneLine(spool("sample", "--load", m.toString()), "damaged 'spool.model' metadata: 'vocab' should be a non-empty array");
    }

    @Test
    void samplingSaysWhichPrefixCharactersAreReadAsSpacesGeneratesLongTextsAndRefusesHugeRequests() throws Exception {
        Path model = tmp.resolve("m.spool");
        Result t = spool("train", "--epochs", "1", "--hidden", "8", "--steps", "8", "--batch", "4096", "--quiet", "--predict", "3",
                "--plot", tmp.resolve("p.png").toString(), "--save", model.toString());
        assertEquals(0, t.code(), t.err());
        assertTrue(t.out().contains(", 1 epoch, "), "singular: " + t.out());
        Result r = spool("sample", "--load", model.toString(), "--prefix", "\u00c4\u00d6 123 !!", "--predict", "3");
        assertEquals(0, r.code(), r.err());
        assertTrue(r.err().strip().startsWith("spool sample: note: --prefix characters outside the vocabulary (a-z and space) are read as"
                + " spaces, as in training: '\u00c4' '\u00d6' '1' '2' '3' '!'"), r.err());
        // Generation steps a session (O(n)), so long continuations are fine; past a million it says so.
        Result longer = spool("sample", "--load", model.toString(), "--prefix", "it", "--n", "5000");
        assertEquals(0, longer.code(), longer.err());
        assertEquals(2 + 5000, longer.out().replace("\n", "").length());
        assertOneLine(spool("sample", "--load", model.toString(), "--n", "2000000"), "--predict 2,000,000", "the 1,000,000 characters one call generates");
    }

    @Test
    void inspectRefusesFlagsThatDoNotApplyToTheLanguageModel() {
        assertOneLine(spool("inspect", "--grad", "--lm"), "--grad does not apply to --lm");
        assertOneLine(spool("inspect", "--vocab", "28"), "--vocab", "needs --lm");
        Result r = spool("inspect", "--lm", "--vocab", "28", "--hidden", "4", "--show", "program");
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().contains("(3, B, 28)") || r.out().contains("28"), r.out());
    }

    @Test
    void benchOnlyMatchingNothingIsRefusedBeforeAnyWork() {
        Result r = spool("bench", "--only", "nosuchworkload");
        assertOneLine(r, "--only 'nosuchworkload' matches no workload", "lstm_h256_b32_t35");
        assertFalse(r.out().contains("sgemm"), r.out());
    }

    @Test
    void benchScanVsUnrollWithoutOutIsAUsageError() {
        assertOneLine(spool("bench", "scan-vs-unroll"), "--out");
    }

    @Test
    void topLevelHelpDescriptionsAreWholeSentences() {
        String help = spool("--help").out();
        String commands = help.substring(help.indexOf("Commands:"));
        // Each command's summary (its first description line, wrapped) ends a sentence.
        for (String block : commands.split("\n  (?=[a-z])")) {
            if (block.startsWith("Commands:") || block.startsWith("help")) {
                continue;
            }
            assertTrue(block.strip().endsWith("."), "a whole sentence: " + block);
        }
    }

    @Test
    void benchStepsStillWorksAsTheOldNameOfRepeat() {
        Result r = spool("bench", "--steps", "0");
        assertEquals(2, r.code());
        assertTrue(r.err().contains("--steps is now --repeat") && r.err().contains("--repeat must be >= 1"), r.err());
    }

    @Test
    void repeatedRunsGiveIdenticalBits() throws Exception {
        // In one JVM: the later runs use kernels the JIT has compiled further (C2), the first ones not.
        Path w = fixture("lstm-l1-uni-tm-nolen-f32").resolve("weights.safetensors");
        Tensor x = Tensor.zeros(DType.F32, 3000, 2, 3);
        java.util.SplittableRandom rnd = new java.util.SplittableRandom(1);
        for (int i = 0; i < x.size(); i++) {
            x.setDouble(i, rnd.nextGaussian());
        }
        Path in = tmp.resolve("x.safetensors");
        SafeTensors.write(in, Map.of("input", x));
        byte[] first = null;
        for (int run = 0; run < 4; run++) {
            Path out = tmp.resolve("y" + run + ".safetensors");
            Result r = spool("eval", "--cell", "lstm", "--weights", w.toString(), "--inputs", in.toString(), "--out", out.toString());
            assertEquals(0, r.code(), r.err());
            byte[] bytes = Files.readAllBytes(out);
            if (first == null) {
                first = bytes;
            }
            assertArrayEquals(first, bytes, "eval run " + run);
        }
        byte[] model = null;
        for (int run = 0; run < 2; run++) {
            Path m = tmp.resolve("m" + run + ".spool");
            Result r = spool("train", "--epochs", "1", "--hidden", "8", "--steps", "8", "--batch", "4096", "--quiet", "--predict", "3",
                    "--plot", tmp.resolve("p.png").toString(), "--save", m.toString());
            assertEquals(0, r.code(), r.err());
            if (model == null) {
                model = Files.readAllBytes(m);
            }
            assertArrayEquals(model, Files.readAllBytes(m), "train --save run " + run);
        }
    }
}
