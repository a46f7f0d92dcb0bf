package dev.spool.backend.cpu;

import dev.spool.backend.cpu.RecurrentGraphs.Cell;
import dev.spool.graph.DType;
import dev.spool.graph.Graph;
import dev.spool.graph.Tensor;
import jdk.jfr.Recording;
import jdk.jfr.consumer.RecordedEvent;
import jdk.jfr.consumer.RecordedFrame;
import jdk.jfr.consumer.RecordingFile;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The compiled scan loop allocates nothing per step in steady state: one program (T symbolic) is
 * run with T = 10 and T = 50 steps, and the heap bytes this thread allocates per run are measured
 * with {@code com.sun.management.ThreadMXBean}. A run has a fixed cost (feed binding, the result
 * tensors and map), the same for both lengths since no result grows with T; the difference divided
 * by the 40 extra steps is the per-step allocation and must be below {@link #PER_STEP_SLACK}.
 *
 * <p>Against JIT noise: until C2 compiles a Vector API kernel every vector op allocates, so the
 * programs are run in rounds, each measuring the minimum of several runs per length, until a round
 * is within the bound (or a time limit passes, then the last round's figure is reported); an
 * allocating path that C2 cannot remove shows in every round. The F32 GRU and LSTM programs mix
 * kernels of 256- and 512-bit vectors (8-wide gates, 16-wide elsewhere), the case where vector
 * operations called through {@code FloatVector}'s convenience methods stayed boxed.
 */
class SteadyStateAllocationTest {
    private static final int SHORT = 10;
    private static final int LONG = 50;
    private static final double PER_STEP_SLACK = 64;
    /** Warm-up rounds stop once within the bound or after this long (C2 compiles in the background). */
    private static final long WARMUP_NANOS = 40_000_000_000L;
    private static final int WARM_RUNS_PER_ROUND = 40;
    private static final int MEASURED_RUNS = 5;

    private static final com.sun.management.ThreadMXBean THREADS = threads();

    private static com.sun.management.ThreadMXBean threads() {
        if (ManagementFactory.getThreadMXBean() instanceof com.sun.management.ThreadMXBean t && t.isThreadAllocatedMemorySupported()) {
            t.setThreadAllocatedMemoryEnabled(true);
            return t;
        }
        return null;
    }

    static Stream<Arguments> cases() {
        return Stream.concat(Stream.of(Cell.values()).flatMap(c -> Stream.of(Arguments.of(c, DType.F32, true), Arguments.of(c, DType.F32, false))),
                Stream.of(Arguments.of(Cell.LSTM, DType.F64, true), Arguments.of(Cell.GRU, DType.F64, false)));
    }

    /** Heap bytes this thread allocates in one run (the minimum of several). */
    private static long allocatedPerRun(CpuProgram p, Map<String, Tensor> feeds) {
        long best = Long.MAX_VALUE;
        for (int i = 0; i < MEASURED_RUNS; i++) {
            long before = THREADS.getCurrentThreadAllocatedBytes();
            Map<String, Tensor> out = p.run(feeds);
            long after = THREADS.getCurrentThreadAllocatedBytes();
            if (out.isEmpty()) {
                throw new AssertionError("no results");
            }
            best = Math.min(best, after - before);
        }
        return best;
    }

    /**
     * Where this thread allocates while {@code p} runs: the top frames of JFR's allocation samples
     * (sampled estimates of bytes), most bytes first, so that a failure on another machine (another
     * vector width, another JIT history) says which kernel or exec allocates.
     */
    private static String allocationSites(CpuProgram p, Map<String, Tensor> feeds) {
        Map<String, Long> bytes = new HashMap<>();
        try (Recording r = new Recording()) {
            r.enable("jdk.ObjectAllocationSample").withStackTrace().with("throttle", "10000/s");
            r.start();
            // Starting a recording deoptimises compiled code: run until the JIT has recompiled it, and
            // count only what is allocated after that.
            long settle = System.nanoTime() + 5_000_000_000L;
            while (System.nanoTime() < settle) {
                p.run(feeds);
            }
            Instant after = Instant.now();
            for (int i = 0; i < 2000; i++) {
                p.run(feeds);
            }
            r.stop();
            Path file = Files.createTempFile("allocation", ".jfr");
            try {
                r.dump(file);
                String me = Thread.currentThread().getName();
                for (RecordedEvent e : RecordingFile.readAllEvents(file)) {
                    if (e.getThread() == null || !me.equals(e.getThread().getJavaName()) || e.getStackTrace() == null || e.getStartTime().isBefore(after)) {
                        continue;
                    }
                    // The allocating JDK frame and the first of ours above it (a kernel, an exec).
                    StringBuilder site = new StringBuilder(e.getClass("objectClass").getName());
                    List<RecordedFrame> frames = e.getStackTrace().getFrames();
                    frames.stream().limit(1).forEach(f -> site.append(" < ").append(frame(f)));
                    frames.stream().filter(f -> !isJdk(f)).limit(2)
                            .forEach(f -> site.append(" < ").append(frame(f)));
                    bytes.merge(site.toString(), e.getLong("weight"), Long::sum);
                }
            } finally {
                Files.deleteIfExists(file);
            }
        } catch (IOException | RuntimeException e) {
            return "(no allocation samples: " + e + ")";
        }
        return bytes.entrySet().stream().sorted(Map.Entry.<String, Long>comparingByValue().reversed()).limit(8)
                .map(e -> "  " + e.getValue() + " B  " + e.getKey()).collect(Collectors.joining(System.lineSeparator()));
    }

    private static boolean isJdk(RecordedFrame f) {
        String type = f.getMethod().getType().getName();
        return type.startsWith("java.") || type.startsWith("jdk.");
    }

    private static String frame(RecordedFrame f) {
        return f.getMethod().getType().getName() + "." + f.getMethod().getName() + ":" + f.getLineNumber() + " (" + f.getType() + ")";
    }

    @ParameterizedTest(name = "{0} {1} training={2}")
    @MethodSource("cases")
    void scanStepsAllocateNothingInSteadyState(Cell cell, DType t, boolean training) {
        assumeTrue(THREADS != null, "per-thread allocation counting is not supported by this JVM");
        int batch = 4, input = 5, hidden = 8;
        Graph g = RecurrentGraphs.graph(cell, t, input, hidden, training);
        CpuProgram p = CpuBackend.compile(g);
        Map<String, Tensor> shortFeeds = RecurrentGraphs.feeds(cell, t, SHORT, batch, input, hidden, 1);
        Map<String, Tensor> longFeeds = RecurrentGraphs.feeds(cell, t, LONG, batch, input, hidden, 2);

        // The results are the right ones (the runs measured below compute something real).
        Map<String, Tensor> want = CpuBackend.reference(g).run(shortFeeds);
        Map<String, Tensor> got = p.run(shortFeeds);
        for (String name : want.keySet()) {
            double[] e = want.get(name).toDoubles();
            double[] a = got.get(name).toDoubles();
            assertEquals(e.length, a.length, name);
            for (int i = 0; i < e.length; i++) {
                assertEquals(e[i], a[i], (t == DType.F32 ? 1e-4 : 1e-10) * Math.max(1, Math.abs(e[i])), name + "[" + i + "]");
            }
        }

        double perStep = Double.NaN;
        long shortBytes = 0;
        long longBytes = 0;
        long deadline = System.nanoTime() + WARMUP_NANOS;
        while (System.nanoTime() < deadline) {
            for (int i = 0; i < WARM_RUNS_PER_ROUND; i++) {
                p.run(shortFeeds);
                p.run(longFeeds);
            }
            shortBytes = allocatedPerRun(p, shortFeeds);
            longBytes = allocatedPerRun(p, longFeeds);
            perStep = (double) (longBytes - shortBytes) / (LONG - SHORT);
            if (perStep < PER_STEP_SLACK) {
                break;
            }
        }
        if (perStep >= PER_STEP_SLACK) {
            fail(String.format("%s %s training=%s: %.1f bytes allocated per scan step (T=%d: %d B/run, T=%d: %d B/run); where:%n%s",
                    cell, t, training, perStep, SHORT, shortBytes, LONG, longBytes, allocationSites(p, longFeeds)));
        }
    }
}
