package dev.spool.backend.cpu;

import dev.spool.backend.cpu.artifact.ArtifactCompiler;
import dev.spool.backend.cpu.RecurrentGraphs.Cell;
import dev.spool.compiler.Pipeline;
import dev.spool.graph.DType;
import dev.spool.graph.Graph;
import dev.spool.graph.Tensor;
import dev.spool.graph.io.SafeTensors;
import dev.spool.runtime.SpoolModel;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * What a service needs to run an artifact is the runtime module and its dependencies only: a JVM
 * whose class path holds neither the compiler nor Janino loads and runs an artifact, and gets the
 * bits this JVM (which has both) gets. The child warms kernels up (this JVM does not), so its first
 * run goes through the scalar tier of the artifact's kernels while the vector ones warm up.
 */
class RuntimeOnlyClassPathTest {
    @TempDir
    Path dir;

    /** This JVM's class path without the compiler, the CPU backend, Janino and the test frameworks. */
    static String runtimeClassPath() {
        List<String> keep = new ArrayList<>();
        for (String e : System.getProperty("java.class.path").split(File.pathSeparator)) {
            String n = e.replace('\\', '/');
            boolean spoolModule = n.matches(".*/(graph|ops|program|runtime)/target/classes/?") || n.matches(".*/spool-(graph|ops|program|runtime)-[^/]*\\.jar");
            boolean library = n.contains("/com/google/") || n.contains("/org/bytedeco/");
            if (spoolModule || library) {
                keep.add(e);
            }
        }
        return String.join(File.pathSeparator, keep);
    }

    @Test
    void anArtifactRunsWithOnlyTheRuntimeOnTheClassPath() throws Exception {
        String cp = runtimeClassPath();
        assertFalse(cp.contains("janino") || cp.contains("commons-compiler") || cp.contains("/compiler/") || cp.contains("backend-cpu"), cp);
        assertTrue(cp.contains("runtime"), "the runtime module is on it: " + cp);

        Graph g = RecurrentGraphs.graph(Cell.LSTM, DType.F32, 3, 8, false);
        Path artifact = dir.resolve("lstm.spool");
        ArtifactCompiler.write(artifact, g, Map.of(), Map.of(), List.of(), null, Pipeline.standard());
        Map<String, Tensor> feeds = RecurrentGraphs.feeds(Cell.LSTM, DType.F32, 9, 5, 3, 8, 3);
        Map<String, Tensor> inputs = new HashMap<>();
        SpoolModel.load(artifact).signature().inputs().forEach(s -> inputs.put(s.name(), feeds.get(s.name())));
        Path x = dir.resolve("x.safetensors");
        SafeTensors.write(x, inputs);
        Path y = dir.resolve("y.safetensors");

        Path java = Path.of(System.getProperty("java.home"), "bin", "java");
        Process p = new ProcessBuilder(java.toString(), "--add-modules", "jdk.incubator.vector", "-cp", cp,
                "dev.spool.runtime.SpoolRun", artifact.toString(), x.toString(), y.toString()).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        assertTrue(p.waitFor(120, TimeUnit.SECONDS));
        assertEquals(0, p.exitValue(), out);
        assertTrue(out.contains("first run"), out);

        Tensor want = CpuBackend.compile(g).run(inputs).get("h");
        assertArrayEquals(want.toFloatArray(), SafeTensors.read(y).get("h").toFloatArray(), "the runtime-only JVM computes the compiler's bits");
        assertTrue(Files.size(y) > 0);
    }
}
