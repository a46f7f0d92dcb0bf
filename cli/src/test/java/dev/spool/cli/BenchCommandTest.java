package dev.spool.cli;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class BenchCommandTest {
    @TempDir
    Path tmp;

    @Test
    void anchorsWriteTheContractJson() throws Exception {
        Path json = tmp.resolve("bench.json");
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code = Main.run(new PrintWriter(out), new PrintWriter(err), "bench", "--suite", "anchors", "--only", "rnn_h32",
                "--steps", "1", "--warmup", "0", "--warmup-seconds", "0", "--metrics", json.toString());
        assertEquals(0, code, err.toString());
        JsonObject m = JsonParser.parseString(Files.readString(json)).getAsJsonObject();
        assertTrue(m.get("sgemm_gflops").getAsDouble() > 0);
        JsonObject w = m.getAsJsonObject("rnn_h32_b1024_t32");
        double ms = w.get("ms_per_step").getAsDouble();
        assertEquals(1024 * 32 / (ms / 1e3), w.get("tokens_per_s").getAsDouble(), 1e-6 * w.get("tokens_per_s").getAsDouble());
        double program = w.get("train_program_ms").getAsDouble();
        assertTrue(program > 0 && program <= ms, "the program is part of the step: " + program + " of " + ms);
        double inference = w.get("inference_ms_per_step").getAsDouble();
        assertEquals(1024 * 32 / (inference / 1e3), w.get("inference_tokens_per_s").getAsDouble(), 1e-6 * w.get("inference_tokens_per_s").getAsDouble());
    }

    @Test
    void flopsCountTheProjectionsForwardAndBackward() {
        // Per step: 2·B·(28 + H)·G·H for the projections plus 2·B·H·28 for the head; ×3 for forward and backward.
        var rnn = BenchCommand.ANCHORS.get(0);
        assertEquals(3.0 * 32 * (2.0 * 1024 * 60 * 32 + 2.0 * 1024 * 32 * 28), BenchCommand.flops(rnn), 1);
        var lstm = BenchCommand.ANCHORS.get(3);
        assertEquals(3.0 * 100 * (2.0 * 64 * 1052 * 4096 + 2.0 * 64 * 1024 * 28), BenchCommand.flops(lstm), 1);
    }

    @Test
    void cellsSuiteComparesEachCustomCellWithItsBuiltInTwin() throws Exception {
        Path json = tmp.resolve("cells.json");
        StringWriter err = new StringWriter();
        int code = Main.run(new PrintWriter(new StringWriter()), new PrintWriter(err), "bench", "--suite", "cells", "--only", "myrnn",
                "--steps", "1", "--warmup", "0", "--warmup-seconds", "0", "--metrics", json.toString());
        assertEquals(0, code, err.toString());
        JsonObject w = JsonParser.parseString(Files.readString(json)).getAsJsonObject().getAsJsonObject("myrnn_h256_b32_t35");
        assertEquals("rnn_h256_b32_t35", w.get("built_in").getAsString());
        assertEquals(w.get("ms_per_step").getAsDouble() / w.get("built_in_ms_per_step").getAsDouble(), w.get("ratio").getAsDouble(), 1e-9);
    }

    @Test
    void profileCoversTheTimedStepsOnly() {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code = Main.run(new PrintWriter(out), new PrintWriter(err), "bench", "--only", "rnn_h32", "--profile",
                "--steps", "2", "--warmup", "1", "--warmup-seconds", "0");
        assertEquals(0, code, err.toString());
        String text = out.toString();
        assertTrue(text.contains("profile of 2 training steps (rnn_h32_b1024_t32)"), text);
        assertTrue(text.contains("profile of 2 forward passes (rnn_h32_b1024_t32)"), text);
        // The recurrent GEMM runs once per time step: 2 timed steps x 32 = 64 runs; the warm-up step is not counted.
        assertTrue(text.lines().anyMatch(l -> l.contains(" 64× gemm") && l.contains("m=1024 n=32 k=32")), text);
        assertTrue(text.lines().noneMatch(l -> l.contains(" 96× ")), text);
    }

    @Test
    void unknownSuiteIsRefused() {
        StringWriter err = new StringWriter();
        assertEquals(2, Main.run(new PrintWriter(new StringWriter()), new PrintWriter(err), "bench", "--suite", "transformers"));
        assertTrue(err.toString().contains("--suite must be anchors or cells"), err.toString());
    }
}
