package dev.spool.cli;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code spool train} and {@code spool sample} end to end on a small, fast configuration. */
class TrainCommandTest {
    @TempDir
    Path tmp;

    record Result(int code, String out, String err) {
    }

    Result spool(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code = Main.run(new PrintWriter(out), new PrintWriter(err), args);
        return new Result(code, out.toString(), err.toString());
    }

    private void assertBadInput(Result r, String... fragments) {
        assertEquals(2, r.code(), r.out() + r.err());
        String line = r.err().strip();
        assertFalse(line.contains("\n"), "one line: " + line);
        for (String f : fragments) {
            assertTrue(line.contains(f), "'" + f + "' in: " + line);
        }
        assertFalse(r.out().contains("epoch 1/"), "refused before training: " + r.out());
    }

    @Test
    void trainWritesPlotMetricsAndAModelThatSamples() throws Exception {
        Path png = tmp.resolve("ppl.png");
        Path json = tmp.resolve("m.json");
        Path model = tmp.resolve("m.spool");
        Result r = spool("train", "--epochs", "2", "--hidden", "8", "--steps", "8", "--batch", "2048", "--lr", "2", "--quiet",
                "--plot", png.toString(), "--metrics", json.toString(), "--save", model.toString());
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().contains("epoch 2/2"), r.out());
        BufferedImage img = ImageIO.read(png.toFile());
        assertNotNull(img, "a PNG");
        assertEquals(800, img.getWidth());
        JsonObject m = JsonParser.parseString(Files.readString(json)).getAsJsonObject();
        for (String k : new String[] {"train_ppl", "val_ppl", "tokens_per_s", "seconds", "epochs", "sample"}) {
            assertTrue(m.has(k), k + " in " + m);
        }
        double val = m.get("val_ppl").getAsDouble();
        assertTrue(val > 1 && val < 28, "a trained model beats the uniform 28-way guess: " + val);
        assertEquals(2, m.get("epochs").getAsInt());
        String sample = m.get("sample").getAsString();
        assertTrue(sample.startsWith("it has") && sample.length() == "it has".length() + 20, sample);

        Result s = spool("sample", "--load", model.toString(), "--prefix", "it has", "--n", "20");
        assertEquals(0, s.code(), s.err());
        assertEquals(sample + System.lineSeparator(), s.out(), "the saved model continues the prefix as the trained one did");
        Result t = spool("sample", "--load", model.toString(), "--n", "30", "--temperature", "1", "--seed", "3");
        assertEquals(0, t.code(), t.err());
        assertEquals(36 + System.lineSeparator().length(), t.out().length());
    }

    @Test
    void checkpointingTrainsTheSameModelWithLessActivationMemory() throws Exception {
        String[] common = {"train", "--epochs", "1", "--hidden", "8", "--steps", "8", "--batch", "2048", "--quiet", "--predict", "5",
                "--plot", tmp.resolve("p.png").toString()};
        Result full = spool(concat(common, "--metrics", tmp.resolve("a.json").toString()));
        Result ck = spool(concat(common, "--checkpoint", "4", "--metrics", tmp.resolve("b.json").toString()));
        assertEquals(0, full.code(), full.err());
        assertEquals(0, ck.code(), ck.err());
        JsonObject a = JsonParser.parseString(Files.readString(tmp.resolve("a.json"))).getAsJsonObject();
        JsonObject b = JsonParser.parseString(Files.readString(tmp.resolve("b.json"))).getAsJsonObject();
        assertEquals(a.get("val_ppl").getAsDouble(), b.get("val_ppl").getAsDouble(), 1e-9);
        assertEquals(a.get("sample").getAsString(), b.get("sample").getAsString());
        assertTrue(megabytes(ck.out()) < megabytes(full.out()), full.out() + ck.out());
    }

    private static String[] concat(String[] a, String... b) {
        String[] r = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, r, a.length, b.length);
        return r;
    }

    private static double megabytes(String out) {
        var m = java.util.regex.Pattern.compile("backward scans: ([0-9.]+) MB").matcher(out);
        assertTrue(m.find(), out);
        return Double.parseDouble(m.group(1));
    }

    @Test
    void badTextsAreRefused() throws Exception {
        assertBadInput(spool("train", "--text", tmp.resolve("missing.txt").toString()), "--text: file not found");
        Path empty = tmp.resolve("empty.txt");
        Files.writeString(empty, "");
        assertBadInput(spool("train", "--text", empty.toString()), "no letters");
        Path small = tmp.resolve("small.txt");
        Files.writeString(small, "the time machine ".repeat(50));
        assertBadInput(spool("train", "--text", small.toString()), "windows", "15000");
    }

    @Test
    void nonsenseFlagValuesAreRefused() {
        assertBadInput(spool("train", "--lr", "-1"), "--lr must be > 0, got -1.0");
        assertBadInput(spool("train", "--batch", "0"), "--batch must be >= 1, got 0");
        assertBadInput(spool("train", "--steps", "0"), "--steps must be >= 1, got 0");
        assertBadInput(spool("train", "--epochs", "0"), "--epochs must be >= 1");
        assertBadInput(spool("train", "--optimizer", "rmsprop"), "--optimizer must be sgd or adam");
        assertBadInput(spool("train", "--cell", "rnn-relu"), "--cell must be rnn, gru or lstm");
        assertBadInput(spool("train", "--checkpoint", "5"), "--checkpoint must be a divisor of --steps 32");
        assertBadInput(spool("train", "--mode", "loop"), "--mode must be scan, unroll or auto");
        assertBadInput(spool("train", "--unroll", "-2"), "--unroll K needs K >= 1");
        assertBadInput(spool("train", "--no-pass", "nonsense"), "unknown pass 'nonsense'");
        assertBadInput(spool("train", "--backend", "gpu"), "--backend must be cpu or cuda, got 'gpu'");
        if (!CudaDevice.present()) {
            assertBadInput(spool("train", "--backend", "cuda"), "no CUDA device: ");
        }
    }

    @Test
    void unwritableSaveFailsBeforeTraining() {
        assertBadInput(spool("train", "--save", tmp.resolve("no/such/dir/m.spool").toString()), "cannot write", "does not exist");
        assertBadInput(spool("train", "--metrics", tmp.toString()), "cannot write");
    }

    @Test
    void divergenceStopsWithEpochStepAndAdvice() {
        Result r = spool("train", "--epochs", "3", "--hidden", "8", "--steps", "8", "--batch", "4096", "--lr", "1e30", "--clip", "0", "--quiet",
                "--plot", tmp.resolve("p.png").toString());
        assertEquals(2, r.code(), r.out() + r.err());
        assertTrue(r.err().contains("training diverged at epoch 1, step"), r.err());
        assertTrue(r.err().contains("try a lower --lr"), r.err());
        assertFalse(Files.exists(tmp.resolve("p.png")));
    }

    @Test
    void sampleRefusesFilesThatAreNotModels() throws Exception {
        Path weights = EvalCommandTest.fixture("rnn-l1-uni-tm-nolen-f32").resolve("weights.safetensors");
        Result r = spool("sample", "--load", weights.toString());
        assertEquals(2, r.code());
        assertTrue(r.err().contains("is not a Spool model"), r.err());
        Path junk = tmp.resolve("junk.spool");
        Files.writeString(junk, "garbage");
        r = spool("sample", "--load", junk.toString());
        assertEquals(2, r.code());
        assertTrue(r.err().contains("not a safetensors file"), r.err());
    }
}
