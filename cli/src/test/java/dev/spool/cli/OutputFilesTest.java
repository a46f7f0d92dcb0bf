package dev.spool.cli;

import dev.spool.graph.Tensor;
import dev.spool.graph.io.SafeTensors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/** Output files of the commands: refused up front when unwritable, never an input, links followed, devices kept, work rescued. */
class OutputFilesTest {
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

    static void assertOneLine(Result r, int code, String... fragments) {
        assertEquals(code, r.code(), r.err());
        String line = r.err().strip();
        assertFalse(line.contains("\n"), "one line: " + line);
        for (String f : fragments) {
            assertTrue(line.contains(f), "'" + f + "' in: " + line);
        }
    }

    private static Path fixture(String name) {
        return EvalCommandTest.fixture(name);
    }

    private String[] eval(Path inputs, Path out) {
        Path dir = fixture("rnn-l1-uni-tm-nolen-f32");
        return new String[] {"eval", "--cell", "rnn", "--weights", dir.resolve("weights.safetensors").toString(), "--inputs", inputs.toString(),
                "--out", out.toString()};
    }

    private Path inputsCopy() throws Exception {
        Path in = tmp.resolve("x.safetensors");
        Files.copy(fixture("rnn-l1-uni-tm-nolen-f32").resolve("inputs.safetensors"), in);
        return in;
    }

    @Test
    void trainRefusesAnExistingButUnwritablePlaceBeforeTraining() {
        assumeTrue(Files.isDirectory(Path.of("/proc")), "needs Linux /proc");
        for (String flag : List.of("--save", "--plot", "--metrics")) {
            String file = "/proc/x" + flag.substring(2);
            Result r = spool("train", flag, file);
            assertOneLine(r, 2, "cannot write " + file + ": ");
            assertFalse(r.err().contains(".tmp"), r.err());
            assertFalse(r.out().contains("epoch"), "refused before training: " + r.out());
        }
    }

    @Test
    void evalRefusesToReplaceItsInputs() throws Exception {
        Path in = inputsCopy();
        byte[] before = Files.readAllBytes(in);
        assertOneLine(spool(eval(in, in)), 2, "--out " + in, "is the --inputs file");
        assertArrayEquals(before, Files.readAllBytes(in));
        Path link = Files.createSymbolicLink(tmp.resolve("alias.safetensors"), in);
        assertOneLine(spool(eval(in, link)), 2, "is the --inputs file");
        assertArrayEquals(before, Files.readAllBytes(in));
    }

    @Test
    void trainRefusesTwoOutputsOnOneFile() {
        Path f = tmp.resolve("m.out");
        assertOneLine(spool("train", "--save", f.toString(), "--plot", f.toString()), 2, "--plot and --save both name " + f);
    }

    @Test
    void evalFollowsASymbolicLinkToItsTarget() throws Exception {
        Path in = inputsCopy();
        Path real = Files.writeString(tmp.resolve("real.safetensors"), "old");
        Path link = Files.createSymbolicLink(tmp.resolve("y.safetensors"), real.getFileName());
        Result r = spool(eval(in, link));
        assertEquals(0, r.code(), r.err());
        assertTrue(Files.isSymbolicLink(link), "the link stays a link");
        assertTrue(SafeTensors.read(real).containsKey("output"));
    }

    @Test
    void evalWritesToDevNullWithoutReplacingIt() throws Exception {
        Path devNull = Path.of("/dev/null");
        assumeTrue(Files.exists(devNull) && !Files.isRegularFile(devNull), "needs /dev/null");
        Result r = spool(eval(inputsCopy(), devNull));
        assertEquals(0, r.code(), r.err());
        assertFalse(Files.isRegularFile(devNull), "/dev/null is still a device");
    }

    @Test
    void aFinalWriteThatFailsRescuesTheBytesAndSaysWhere() throws Exception {
        Path gone = tmp.resolve("gone/m.spool");
        Path safe = Files.createDirectory(tmp.resolve("safe"));
        byte[] model = SafeTensors.encode(Map.of("w", Tensor.ofFloats(new int[] {1}, 7f)));
        String failure = OutputFiles.writeOrRescue(gone, model, "trained model", List.of(tmp.resolve("also-gone"), safe));
        assertTrue(failure.startsWith("cannot write " + gone + ": directory "), failure);
        assertTrue(failure.contains("the trained model was written to " + safe), failure);
        try (var files = Files.list(safe)) {
            Path rescued = files.findFirst().orElseThrow();
            assertTrue(failure.endsWith(rescued + " instead"), failure);
            assertArrayEquals(model, Files.readAllBytes(rescued));
        }
        assertNull(OutputFiles.writeOrRescue(tmp.resolve("fine.json"), "{}".getBytes(StandardCharsets.UTF_8), "metrics file"));
    }

    @Test
    void unwritableDotAndBenchMetricsAreRefusedUpFront() {
        assumeTrue(Files.isDirectory(Path.of("/proc")), "needs Linux /proc");
        assertOneLine(spool("inspect", "--dot", "/proc/g.dot"), 2, "cannot write /proc/g.dot");
        assertOneLine(spool("bench", "--metrics", "/proc/b.json"), 2, "cannot write /proc/b.json");
    }
}
