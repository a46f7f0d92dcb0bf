package dev.spool.runtime.internal;

import dev.spool.graph.Tensor;
import dev.spool.runtime.internal.cpu.CpuExecutable;
import dev.spool.runtime.internal.cpu.SecondCore;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;

/**
 * Runs a program whose rows along one dim are independent (the compiler's {@code RowSeparability}
 * proves it, per graph) as two halves of that dim at once, one on the calling thread and one on
 * {@link SecondCore}, each with its own arena, and joins the results. Why: inside a step the two cores
 * share each GEMM and kernel, a hand-over per instruction; split by rows, each core runs the whole
 * recurrence of its rows with none until the end (the RNN of 1,024 rows). With few rows each half
 * still multiplies by the whole recurrent weight at every step, so below {@link #MIN_ROWS} the
 * shared steps are faster. Each half's results have the bits of that half run alone (the test compares
 * them); against the whole batch in one run they agree within rounding, since OpenBLAS picks its
 * kernels by matrix size. One run is split at a time; runs that come while one is split (a service
 * calling from many threads, which already keeps the cores busy) run whole.
 *
 * <pre>{@code
 * RowSplit split = new RowSplit("B", Map.of("tokens", 1), Map.of("logits", 1));
 * Map<String, Tensor> out = split.run(dims, feeds, program::executable);
 * }</pre>
 */
public final class RowSplit {
    /** Whether forward passes are split (the default; {@code -Dspool.rowSplit=false} turns it off). */
    public static final boolean ENABLED = !"false".equals(System.getProperty("spool.rowSplit"));
    /**
     * Fewer rows are not split. Each half multiplies its rows by the whole of every weight at each
     * step, where the shared step splits a GEMM by columns and each core reads half the weight: with
     * 32 rows split the GRU and LSTM (H 256) forward passes ran 18–27 % slower than shared steps,
     * while the RNN of 1,024 rows ran 1.4× faster split.
     */
    public static final int MIN_ROWS = Integer.getInteger("spool.rowSplitMinRows", 256);
    private static final AtomicLong SPLITS = new AtomicLong();

    private final String dim;
    private final Map<String, Integer> inputAxes;
    private final Map<String, Integer> resultAxes;

    /**
     * A split along dim: its axis in each input that has it (the others are passed whole to both
     * halves) and in each result (-1 or absent: the same in both halves, the first one's is kept).
     */
    public RowSplit(String dim, Map<String, Integer> inputAxes, Map<String, Integer> resultAxes) {
        this.dim = dim;
        this.inputAxes = Map.copyOf(inputAxes);
        this.resultAxes = Map.copyOf(resultAxes);
    }

    /** The dim split along. */
    public String dim() {
        return dim;
    }

    /** Its axis in each input that has it. */
    public Map<String, Integer> inputAxes() {
        return inputAxes;
    }

    /** Its axis in each result (-1: a result that does not depend on the rows). */
    public Map<String, Integer> resultAxes() {
        return resultAxes;
    }

    /** Runs split so far in this JVM (for tests and diagnostics). */
    public static long splits() {
        return SPLITS.get();
    }

    /** Whether a run with these dims is split: splitting and the second core are on, and at least {@link #MIN_ROWS} rows. */
    public boolean worthSplitting(Map<String, Integer> dims) {
        Integer rows = dims.get(dim);
        return ENABLED && SecondCore.ENABLED && rows != null && rows >= MIN_ROWS;
    }

    /**
     * The run of feeds (with the dims they bind; checked against the program by the caller) as two
     * halves of the dim, the executable for each half's dims from {@code executables}, results joined.
     */
    public Map<String, Tensor> run(Map<String, Integer> dims, Map<String, Tensor> feeds, Function<Map<String, Integer>, CpuExecutable> executables) {
        int rows = dims.get(dim);
        int first = rows / 2;
        Map<String, Integer> dimsA = new HashMap<>(dims);
        Map<String, Integer> dimsB = new HashMap<>(dims);
        dimsA.put(dim, first);
        dimsB.put(dim, rows - first);
        Map<String, Tensor> feedsA = new HashMap<>(feeds);
        Map<String, Tensor> feedsB = new HashMap<>(feeds);
        for (Map.Entry<String, Integer> e : inputAxes.entrySet()) {
            Tensor t = feeds.get(e.getKey());
            if (t == null) {
                continue;
            }
            feedsA.put(e.getKey(), t.slice(e.getValue(), 0, first));
            feedsB.put(e.getKey(), t.slice(e.getValue(), first, rows - first));
        }
        CpuExecutable a = executables.apply(dimsA);
        CpuExecutable b = executables.apply(dimsB);
        List<Map<String, Tensor>> results = new ArrayList<>(List.of(Map.of(), Map.of()));
        // One split at a time: concurrent callers already use the cores, and a second half queued
        // behind another call's would only wait. They run whole.
        // (OpenBLAS already runs each call on its calling thread while SecondCore is on.)
        if (!SecondCore.tryRun(() -> results.set(0, a.runChecked(feedsA)), () -> results.set(1, b.runChecked(feedsB)))) {
            return executables.apply(dims).runChecked(feeds);
        }
        SPLITS.incrementAndGet();
        Map<String, Tensor> out = new LinkedHashMap<>();
        for (Map.Entry<String, Tensor> e : results.get(0).entrySet()) {
            int axis = resultAxes.getOrDefault(e.getKey(), -1);
            out.put(e.getKey(), axis < 0 ? e.getValue() : Tensor.concat(List.of(e.getValue(), results.get(1).get(e.getKey())), axis));
        }
        return out;
    }
}
