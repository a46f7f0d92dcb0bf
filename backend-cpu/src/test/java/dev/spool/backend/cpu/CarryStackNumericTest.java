package dev.spool.backend.cpu;

import dev.spool.backend.cpu.RecurrentGraphs.Cell;
import dev.spool.compiler.Pipeline;
import dev.spool.graph.DType;
import dev.spool.graph.Graph;
import dev.spool.graph.Tensor;
import dev.spool.program.internal.ProgramText;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.util.Map;
import java.util.Random;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

/**
 * {@code carry-stack} moves where a scan's carries live, not what is computed: every result (loss,
 * final state, every gradient) has the same bits with and without it, for each cell, forward and
 * reverse scans (whose carries run through the history the other way), training and inference,
 * and masked scans (which it leaves alone). The training step's program must actually change, so
 * that the comparison is not between two equal programs.
 */
class CarryStackNumericTest {
    private static final int STEPS = 7;
    private static final int BATCH = 5;

    @ParameterizedTest
    @EnumSource(Cell.class)
    void carriesInTheirHistoryChangeNoBit(Cell cell) {
        for (boolean training : new boolean[] {true, false}) {
            for (boolean reverse : new boolean[] {false, true}) {
                for (boolean lengths : new boolean[] {false, true}) {
                    Graph g = RecurrentGraphs.graph(cell, DType.F32, 6, 16, training, reverse, lengths);
                    Map<String, Tensor> feeds = RecurrentGraphs.feeds(cell, DType.F32, STEPS, BATCH, 6, 16, 17);
                    if (lengths) {
                        Random rnd = new Random(3);
                        Tensor l = Tensor.zeros(DType.I64, BATCH);
                        for (int i = 0; i < BATCH; i++) {
                            l.setDouble(i, 1 + rnd.nextInt(STEPS));
                        }
                        feeds.put("lengths", l);
                    }
                    if (!training) {
                        feeds.remove("r");
                    }
                    CpuProgram on = CpuBackend.compile(g, Pipeline.standard());
                    CpuProgram off = CpuBackend.compile(g, Pipeline.standard().without(Set.of("carry-stack")));
                    String what = cell + (training ? " training" : " inference") + (reverse ? ", reverse" : "") + (lengths ? ", masked" : "");
                    if (training && !lengths) {
                        Map<String, Integer> dims = on.dims(feeds);
                        assertNotEquals(ProgramText.write(off.program(dims)), ProgramText.write(on.program(dims)), what + ": the pass changed the program");
                    }
                    Map<String, Tensor> want = off.run(feeds);
                    Map<String, Tensor> got = on.run(feeds);
                    assertEquals(want.keySet(), got.keySet());
                    for (String k : want.keySet()) {
                        Tensor a = want.get(k);
                        Tensor b = got.get(k);
                        for (int i = 0; i < a.size(); i++) {
                            assertEquals(Float.floatToIntBits((float) a.getDouble(i)), Float.floatToIntBits((float) b.getDouble(i)), what + ": " + k + "[" + i + "]");
                        }
                    }
                }
            }
        }
    }
}
