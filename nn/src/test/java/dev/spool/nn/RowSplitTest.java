package dev.spool.nn;

import dev.spool.backend.cpu.CpuBackend;
import dev.spool.backend.cpu.CpuProgram;
import dev.spool.compiler.RowSeparability;
import dev.spool.graph.DType;
import dev.spool.graph.Dim;
import dev.spool.graph.Graph;
import dev.spool.graph.Tensor;
import dev.spool.graph.Value;
import dev.spool.runtime.internal.RowSplit;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A forward pass runs as two halves of its batch on two cores ({@code CpuProgram.run}, RowSplit):
 * for every cell, stacked and bidirectional, batch-first or not, with initial state and per-row
 * lengths, and for the language model's logits with state, the results have the bits of its two
 * halves run alone and joined, and equal the whole batch run at once within float rounding (OpenBLAS
 * picks kernels by size); an odd batch, so the halves differ in size. The training step, whose loss
 * and gradients sum over rows, is never split.
 */
class RowSplitTest {
    private static final int T = 3;
    /** Odd, and enough rows to be split (RowSplit.MIN_ROWS). */
    private static final int B = RowSplit.MIN_ROWS + 13;

    /** Random feeds for every param of g: floats, tokens below vocab, lengths in [0, T]. */
    private static Map<String, Tensor> feeds(Graph g, int vocab, long seed) {
        SplittableRandom rnd = new SplittableRandom(seed);
        Map<String, Tensor> feeds = new HashMap<>();
        for (Value p : g.params()) {
            String name = g.source(p).label();
            int[] shape = p.type().shape().dims().stream()
                    .mapToInt(d -> d instanceof Dim.Sym s ? (s.name().equals("T") ? T : B) : ((Dim.Fixed) d).size()).toArray();
            Tensor t = Tensor.zeros(p.dtype(), shape);
            for (int i = 0; i < t.size(); i++) {
                if (p.dtype() == DType.I64) {
                    t.setLong(i, name.equals("lengths") ? rnd.nextInt(T + 1) : rnd.nextInt(vocab));
                } else {
                    t.setDouble(i, rnd.nextDouble(-1, 1));
                }
            }
            feeds.put(name, t);
        }
        return feeds;
    }

    private static void assertSplitRunHasTheWholeRunsBits(Graph graph, int vocab, String what) {
        CpuProgram p = CpuBackend.compile(graph);
        assertTrue(RowSeparability.of(p.graph(), "B").isPresent(), what + ": rows found independent");
        Map<String, Tensor> feeds = feeds(p.graph(), vocab, what.hashCode());
        long splitsBefore = RowSplit.splits();
        Map<String, Tensor> split = p.run(feeds);
        assertEquals(splitsBefore + 1, RowSplit.splits(), what + ": the run was split");
        Map<String, Tensor> whole = p.executable(p.dims(feeds)).runChecked(feeds);
        // Each half run alone, on its own rows: the split run is exactly these two, joined.
        RowSeparability.Split axes = RowSeparability.of(p.graph(), "B").orElseThrow();
        int first = B / 2;
        Map<String, Tensor> firstFeeds = new HashMap<>(feeds);
        Map<String, Tensor> secondFeeds = new HashMap<>(feeds);
        axes.inputAxes().forEach((name, axis) -> {
            firstFeeds.put(name, feeds.get(name).slice(axis, 0, first));
            secondFeeds.put(name, feeds.get(name).slice(axis, first, B - first));
        });
        Map<String, Tensor> firstHalf = p.executable(p.dims(firstFeeds)).runChecked(firstFeeds);
        Map<String, Tensor> secondHalf = p.executable(p.dims(secondFeeds)).runChecked(secondFeeds);
        assertEquals(whole.keySet(), split.keySet(), what);
        for (String name : whole.keySet()) {
            assertArrayEquals(whole.get(name).shape(), split.get(name).shape(), what + " " + name);
            int axis = axes.resultAxes().get(name);
            float[] halves = Tensor.concat(List.of(firstHalf.get(name), secondHalf.get(name)), axis).toFloatArray();
            float[] w = whole.get(name).toFloatArray();
            float[] s = split.get(name).toFloatArray();
            for (int i = 0; i < w.length; i++) {
                assertEquals(Float.floatToIntBits(halves[i]), Float.floatToIntBits(s[i]), what + " " + name + "[" + i + "]");
                // Against the whole batch in one run: OpenBLAS picks its kernels by size, so a row's
                // last bits may depend on how many rows ran with it, as between any two batch sizes.
                assertEquals(w[i], s[i], 1e-6 * Math.max(1, Math.abs(w[i])), what + " " + name + "[" + i + "] against the whole batch");
            }
        }
    }

    @TestFactory
    Stream<DynamicTest> splitForwardPassHasTheBitsOfTheWholeBatch() {
        List<DynamicTest> tests = new ArrayList<>();
        for (CellType cell : CellType.values()) {
            boolean deep = cell != CellType.MYRNN;
            for (boolean batchFirst : new boolean[] {false, true}) {
                RecurrentConfig cfg = new RecurrentConfig(cell, 5, 6, deep ? 2 : 1, deep, batchFirst, DType.F32);
                String what = cell + (deep ? " 2 layers bidirectional" : "") + (batchFirst ? " batch-first" : "");
                tests.add(DynamicTest.dynamicTest(what + ", state and lengths",
                        () -> assertSplitRunHasTheWholeRunsBits(RecurrentLayer.graph(cfg, true, true), 5, what)));
                if (!batchFirst) {
                    tests.add(DynamicTest.dynamicTest(what + ", language model with state",
                            () -> assertSplitRunHasTheWholeRunsBits(new LanguageModel(cfg).statefulLogitsGraph(), 5, what + " lm")));
                }
            }
        }
        return tests.stream();
    }

    @Test
    void trainingStepIsNotSplit() {
        var lm = new LanguageModel(new RecurrentConfig(CellType.GRU, 5, 6, 1, false, false, DType.F32));
        assertFalse(RowSeparability.of(CpuBackend.compile(lm.trainingGraph()).graph(), "B").isPresent());
        assertFalse(RowSeparability.of(CpuBackend.compile(lm.lossGraph()).graph(), "B").isPresent());
    }
}
