package dev.spool.cli;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.spool.graph.Tensor;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class GpuSelftestCommandTest {
    @TempDir
    Path tmp;

    private static Path fixtures() {
        String p = System.getProperty("spool.fixtures");
        return p != null ? Path.of(p) : Path.of("..", "fixtures");
    }

    private record Result(int code, String out, String err) {
    }

    private static Result spool(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code = Main.run(new PrintWriter(out), new PrintWriter(err), args);
        return new Result(code, out.toString(), err.toString());
    }

    @Test
    void withoutADeviceItSaysSoInOneLine() {
        Assumptions.assumeFalse(CudaDevice.present(), "this machine has a CUDA device");
        for (String[] args : new String[][] {{"gpu-selftest", "--out", tmp.toString(), "--fixtures", fixtures().toString()},
                {"bench", "--backend", "cuda", "--only", "rnn_h32"}}) {
            Result r = spool(args);
            assertEquals(2, r.code(), r.err());
            String line = r.err().strip();
            assertTrue(line.contains("no CUDA device: "), line);
            assertFalse(line.contains("\n"), "one line: " + line);
        }
    }

    @Test
    void aDryRunOnTheCpuWritesTheReportWithEveryCheck() throws Exception {
        Result r = spool("gpu-selftest", "--out", tmp.toString(), "--fixtures", fixtures().toString(), "--device-backend", "cpu", "--no-timing");
        assertEquals(0, r.code(), r.out() + r.err());
        String md = Files.readString(tmp.resolve("gpu-selftest.md"));
        assertTrue(md.contains("20 of 20 checks pass"), md);
        assertTrue(md.contains("| lstm-l2-bi-bf-len-f32 grad | 22 |"), md);
        JsonObject json = JsonParser.parseString(Files.readString(tmp.resolve("gpu-selftest.json"))).getAsJsonObject();
        assertEquals(20, json.getAsJsonArray("parity").size());
    }

    @Test
    void badOptionsAreRefused() {
        Result r = spool("gpu-selftest", "--out", tmp.toString(), "--cases", "some");
        assertEquals(2, r.code());
        assertTrue(r.err().contains("--cases must be quick or all, got 'some'"), r.err());
        r = spool("gpu-selftest", "--out", tmp.toString(), "--fixtures", tmp.toString());
        assertEquals(2, r.code());
        assertTrue(r.err().contains("has no index.json"), r.err());
    }

    @Test
    void relativeErrorIsAbsoluteBelowOneAndRelativeAbove() {
        Tensor expected = Tensor.ofFloats(new int[] {3}, 0.5f, 100f, -4f);
        Tensor actual = Tensor.ofFloats(new int[] {3}, 0.5001f, 100.02f, -4f);
        // |0.5001 - 0.5| / 1 = 1e-4 (float rounding aside); |100.02 - 100| / 100 = 2e-4.
        assertEquals(2e-4, GpuSelftestCommand.relativeError(expected, actual), 2e-6);
        assertEquals(Double.POSITIVE_INFINITY, GpuSelftestCommand.relativeError(expected, Tensor.ofFloats(new int[] {3}, Float.NaN, 100, -4)));
        assertEquals(Double.POSITIVE_INFINITY, GpuSelftestCommand.relativeError(expected, Tensor.ofFloats(new int[] {1}, 0.5f)));
    }
}
