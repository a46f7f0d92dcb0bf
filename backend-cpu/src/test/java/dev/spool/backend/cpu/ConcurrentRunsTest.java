package dev.spool.backend.cpu;

import dev.spool.backend.cpu.RecurrentGraphs.Cell;
import dev.spool.graph.DType;
import dev.spool.graph.Graph;
import dev.spool.graph.Tensor;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** One compiled program run from many threads at once gives exactly what serial runs give. */
class ConcurrentRunsTest {
    private static final int THREADS = 8;
    private static final int RUNS = 100;
    private static final int[] BATCHES = {1, 2, 3, 5};

    @Test
    void eightThreadsTimesAHundredRunsWithMixedBatchSizesAreBitIdenticalToSerialRuns() throws Exception {
        Graph g = RecurrentGraphs.graph(Cell.LSTM, DType.F32, 3, 6, true);
        CpuProgram program = CpuBackend.compile(g);
        List<Map<String, Tensor>> feeds = new ArrayList<>();
        List<Map<String, Tensor>> serial = new ArrayList<>();
        for (int i = 0; i < BATCHES.length; i++) {
            feeds.add(RecurrentGraphs.feeds(Cell.LSTM, DType.F32, 4, BATCHES[i], 3, 6, 10 + i));
            serial.add(program.run(feeds.get(i)));
        }
        ExecutorService pool = Executors.newFixedThreadPool(THREADS);
        try {
            List<Future<Integer>> done = new ArrayList<>();
            for (int th = 0; th < THREADS; th++) {
                int first = th;
                done.add(pool.submit(() -> {
                    int checked = 0;
                    for (int r = 0; r < RUNS; r++) {
                        int which = (first + r) % BATCHES.length;
                        Map<String, Tensor> got = program.run(feeds.get(which));
                        assertBitIdentical(serial.get(which), got, "thread " + first + " run " + r + " B=" + BATCHES[which]);
                        checked++;
                    }
                    return checked;
                }));
            }
            int total = 0;
            for (Future<Integer> f : done) {
                total += f.get();
            }
            assertEquals(THREADS * RUNS, total);
        } finally {
            pool.shutdownNow();
        }
    }

    private static void assertBitIdentical(Map<String, Tensor> want, Map<String, Tensor> got, String where) {
        assertEquals(want.keySet(), got.keySet(), where);
        for (String name : want.keySet()) {
            double[] a = want.get(name).toDoubles();
            double[] b = got.get(name).toDoubles();
            assertTrue(Arrays.equals(a, b), where + ": " + name + " differs from the serial run");
        }
    }
}
