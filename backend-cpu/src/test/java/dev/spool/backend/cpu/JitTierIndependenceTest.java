package dev.spool.backend.cpu;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The same kernels give the same bits whichever JIT tier runs them: {@link TierProbe} is run in a
 * JVM that only interprets ({@code -Xint}), one that stops at C1, and one with C2 alone compiling
 * synchronously at a low threshold (so its early rounds are interpreted and its later ones C2 code,
 * which {@code -XX:+PrintCompilation} confirms); every round of every JVM must print the same hash.
 * Before {@link FloatMath}, the Vector API's exp/tanh (SVML under C2) made the C2 rounds differ.
 */
class JitTierIndependenceTest {

    /** A probe JVM and the file its standard output (the JIT's PrintCompilation lines) goes to. */
    private record Probe(Process process, Path stdout) {
    }

    /** Starts the probe in a JVM with these flags. */
    private static Probe start(int rounds, String... jvmFlags) throws IOException {
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.add("--add-modules");
        cmd.add("jdk.incubator.vector");
        cmd.addAll(List.of(jvmFlags));
        cmd.add("-cp");
        cmd.add(System.getProperty("java.class.path"));
        cmd.add(TierProbe.class.getName());
        cmd.add(Integer.toString(rounds));
        Path stdout = Files.createTempFile("tier-probe", ".out");
        stdout.toFile().deleteOnExit();
        return new Probe(new ProcessBuilder(cmd).redirectOutput(stdout.toFile()).start(), stdout);
    }

    /**
     * The probe's standard error (its hash lines, kept apart from PrintCompilation's lines, which
     * compiler threads write to standard output unsynchronised with System.out) and then its
     * standard output.
     */
    private static List<String> output(Probe p) throws IOException, InterruptedException {
        String err = new String(p.process().getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.process().waitFor(5, TimeUnit.MINUTES), "probe finished");
        assertEquals(0, p.process().exitValue(), err);
        List<String> lines = new ArrayList<>(err.lines().toList());
        lines.addAll(Files.readAllLines(p.stdout()));
        return lines;
    }

    private static List<String> hashes(List<String> lines) {
        return lines.stream().filter(l -> l.startsWith("hash ")).toList();
    }

    @Test
    void interpreterC1AndC2GiveIdenticalBits() throws Exception {
        // The three JVMs run at once (the interpreter's takes longest).
        Probe interpreter = start(1, "-Xint");
        Probe c1 = start(3, "-XX:TieredStopAtLevel=1");
        Probe c2 = start(25, "-XX:-TieredCompilation", "-Xbatch", "-XX:CompileThreshold=100", "-XX:+PrintCompilation");
        Map<String, List<String>> byTier = new LinkedHashMap<>();
        byTier.put("-Xint", hashes(output(interpreter)));
        byTier.put("C1", hashes(output(c1)));
        List<String> c2Lines = output(c2);
        assertTrue(c2Lines.stream().anyMatch(l -> l.contains("SpoolKernel::run")), "C2 compiled the generated kernels");
        assertTrue(c2Lines.stream().anyMatch(l -> l.contains("VectorRows::expInPlace")), "C2 compiled VectorRows' exponentials");
        byTier.put("C2", hashes(c2Lines));
        assertEquals(List.of(1, 3, 25), byTier.values().stream().map(List::size).toList(), "a hash per round");
        Set<String> distinct = new LinkedHashSet<>();
        byTier.values().forEach(distinct::addAll);
        assertEquals(1, distinct.size(), "one result for every tier and round: " + byTier);
    }
}
