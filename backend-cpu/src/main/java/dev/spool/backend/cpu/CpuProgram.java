package dev.spool.backend.cpu;

import dev.spool.compiler.lower.Lowering;
import dev.spool.compiler.lower.MemoryPlanner;
import dev.spool.graph.Graph;
import dev.spool.graph.Tensor;
import dev.spool.program.Program;

import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A graph compiled for the CPU: the optimised graph, lowered and memory-planned once per binding of
 * its symbolic dims (the first run with a new batch size or sequence length prepares a plan; later
 * runs reuse it), executed with OpenBLAS GEMM on native memory and generated Vector API kernels.
 *
 * <pre>{@code
 * CpuProgram p = CpuBackend.compile(graph);
 * Map<String, Tensor> out = p.run(Map.of("x", x));
 * }</pre>
 */
public final class CpuProgram {
    private static final int MAX_PLANS = 8;
    /**
     * Vector operations plus operands per generated kernel: past about this many, C2 stops
     * intrinsifying some Vector API calls in the loop and the kernel gets 2–3× slower per element
     * (measured on the LSTM cell), so larger fused groups are split (see {@link Lowering.Options}).
     */
    static final Lowering.Options LOWERING = new Lowering.Options(36);

    private final Graph graph;
    private final boolean reuseMemory;
    private Profile profile;
    private final Map<Map<String, Integer>, CompiledPlan> plans = new LinkedHashMap<>(16, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<Map<String, Integer>, CompiledPlan> e) {
            return size() > MAX_PLANS;
        }
    };

    CpuProgram(Graph graph, boolean reuseMemory) {
        this.graph = graph;
        this.reuseMemory = reuseMemory;
    }

    /** The optimised graph this program runs. */
    public Graph graph() {
        return graph;
    }

    /**
     * Runs the graph on named inputs and parameters (the names of its sources) and returns its
     * named results.
     *
     * @throws dev.spool.graph.InputException when a value is missing or does not fit its declared type
     */
    public synchronized Map<String, Tensor> run(Map<String, Tensor> feeds) {
        Map<String, Integer> dims = new HashMap<>();
        FeedBinding.bind(graph, feeds, dims);
        return plan(dims).run(feeds);
    }

    private CompiledPlan plan(Map<String, Integer> dims) {
        CompiledPlan p = plans.get(dims);
        if (p == null) {
            p = new CompiledPlan(Lowering.lower(graph, dims, LOWERING), reuseMemory, VectorSupport.floatLanes(), profile);
            plans.put(Map.copyOf(dims), p);
        }
        return p;
    }

    /**
     * Turns on per-instruction timing for plans prepared from now on and returns the profile
     * (call before the first run).
     */
    public synchronized Profile profile() {
        if (profile == null) {
            profile = new Profile();
            plans.clear();
        }
        return profile;
    }

    /** The lowered, memory-planned program for these dims (for inspection). */
    public synchronized MemoryPlanner.Plan memoryPlan(Map<String, Integer> dims) {
        return plan(dims).memory();
    }

    /** The generated kernel sources of the program for these dims, in program order. */
    public synchronized List<String> kernelSources(Map<String, Integer> dims) {
        return plan(dims).kernelSources();
    }

    /** The lowered program before memory planning. */
    public Program lowered(Map<String, Integer> dims) {
        return Lowering.lower(graph, dims, LOWERING);
    }

    @Override
    public String toString() {
        return "CpuProgram(" + graph.nodes().size() + " nodes)";
    }
}
