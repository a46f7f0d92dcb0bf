package dev.spool.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
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
}
