package dev.spool.backend.cpu;

import dev.spool.backend.cpu.artifact.ArtifactCompiler;
import dev.spool.backend.cpu.RecurrentGraphs.Cell;
import dev.spool.compiler.Pipeline;
import dev.spool.graph.DType;
import dev.spool.graph.Graph;
import dev.spool.graph.Tensor;
import dev.spool.runtime.SpoolModel;
import dev.spool.runtime.internal.RowSplit;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

class ArtifactCompilerTest {
    @TempDir
    Path dir;

    /**
     * A loaded artifact runs, at sizes it was never lowered at, exactly the program the backend
     * compiles for them; at a batch large enough to be split across cores, both split it alike.
     */
    @ParameterizedTest
    @EnumSource(Cell.class)
    void loadedArtifactMatchesCompiledGraphBitForBitAtAnySizes(Cell cell) throws Exception {
        for (boolean training : new boolean[] {false, true}) {
            Graph g = RecurrentGraphs.graph(cell, DType.F32, 3, 6, training);
            Path file = dir.resolve(cell + "-" + training + ".spool");
            ArtifactCompiler.write(file, g, Map.of(), Map.of(), List.of(), null, Pipeline.standard());
            SpoolModel model = SpoolModel.load(file);
            CpuProgram compiled = CpuBackend.compile(g);
            // A forward pass's rows are independent: the manifest says how to split them, and 301 rows
            // are run as two halves on two cores, by the artifact as by the compiled graph.
            assertEquals(!training, model.artifact().manifest().has("rowSplit"), cell + " training=" + training + ": rowSplit in the manifest");
            for (int[] tb : new int[][] {{7, 4}, {1, 1}, {35, 32}, {2, 9}, {3, RowSplit.MIN_ROWS + 45}}) {
                Map<String, Tensor> feeds = RecurrentGraphs.feeds(cell, DType.F32, tb[0], tb[1], 3, 6, 42);
                Map<String, Tensor> inputs = new HashMap<>();
                model.signature().inputs().forEach(s -> inputs.put(s.name(), feeds.get(s.name())));
                Map<String, Tensor> want = compiled.run(inputs);
                Map<String, Tensor> got = model.run(inputs);
                assertEquals(want.keySet(), got.keySet());
                for (String k : want.keySet()) {
                    assertArrayEquals(want.get(k).toFloatArray(), got.get(k).toFloatArray(), cell + " training=" + training + " T,B=" + tb[0] + "," + tb[1] + " " + k);
                }
            }
            System.out.println(file.getFileName() + ": " + Files.size(file) + " bytes, " + model.artifact().entries().size() + " entries");
        }
    }
}
