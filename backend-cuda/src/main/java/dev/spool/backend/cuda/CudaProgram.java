package dev.spool.backend.cuda;

import dev.spool.backend.cpu.FeedBinding;
import dev.spool.compiler.Pipeline;
import dev.spool.compiler.lower.Target;
import dev.spool.graph.Graph;
import dev.spool.graph.Tensor;
import dev.spool.program.internal.MemoryPlanner;
import dev.spool.program.internal.Program;

import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/**
 * A graph compiled for the GPU: the optimised graph, lowered, memory-planned and turned into one
 * generated CUDA module per binding of its symbolic dims (as {@code CpuProgram} does for the CPU;
 * the first run with new dims prepares a plan, later runs reuse its arena and kernels).
 *
 * <pre>{@code
 * CudaProgram p = CudaBackend.compile(graph);
 * Map<String, Tensor> out = p.run(Map.of("x", x));
 * }</pre>
 */
public final class CudaProgram {
    private static final int MAX_PLANS = 8;
    /** No kernel-size limit: the CPU's limit exists for the JIT's Vector API inlining, not for NVRTC. */
    static final Target TARGET = Target.DEFAULT;

    private final Graph graph;
    /** The program stage without memory planning, which {@link CudaPlan} does itself (with {@link #reuseMemory}). */
    private final Pipeline programStage;
    private final boolean reuseMemory;
    private final boolean graphs;
    private final Map<Map<String, Integer>, CudaPlan> plans = new LinkedHashMap<>(16, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<Map<String, Integer>, CudaPlan> e) {
            if (size() > MAX_PLANS) {
                e.getValue().release();
                return true;
            }
            return false;
        }
    };

    CudaProgram(Graph graph, Pipeline pipeline, boolean graphs) {
        this.graph = graph;
        this.programStage = pipeline.without(Set.of(Pipeline.MEMORY_PLANNING));
        this.reuseMemory = pipeline.plansMemory();
        this.graphs = graphs;
    }

    /** The optimised graph this program runs. */
    public Graph graph() {
        return graph;
    }

    /**
     * Runs the graph on named inputs and parameters and returns its named results (on the heap).
     *
     * @throws dev.spool.graph.InputException when a value is missing or does not fit its declared type
     * @throws NoCudaDeviceException          when there is no usable CUDA device
     */
    public synchronized Map<String, Tensor> run(Map<String, Tensor> feeds) {
        Map<String, Integer> dims = new HashMap<>();
        FeedBinding.bind(graph, feeds, dims);
        CudaPlan p = plans.get(dims);
        if (p == null) {
            p = new CudaPlan(Cuda.device(), lowered(dims), reuseMemory, graphs);
            plans.put(Map.copyOf(dims), p);
        }
        return p.run(feeds);
    }

    /**
     * Training with the parameters kept on the GPU: clip all gradients {@code grad.<name>} together
     * to {@code maxNorm} (0: no clipping), then {@code p -= lr · g}; see {@link CudaTraining}. This
     * program must be a training program: a scalar result {@code loss} and a gradient result per
     * parameter.
     *
     * @param parameters initial values, one per parameter feed (copied to the device at the first step)
     */
    public CudaTraining sgdTraining(Map<String, Tensor> parameters, double maxNorm, double lr) {
        return new CudaTraining(this, parameters, maxNorm, lr);
    }

    /** A plan of its own (outside the cache: its arena holds a training's parameters) with the update after the program. */
    CudaPlan trainingPlan(Map<String, Integer> dims, SgdUpdate.Rule rule) {
        return new CudaPlan(Cuda.device(), lowered(dims), reuseMemory, graphs, rule);
    }

    /** The program for these dims from the pipeline's program stage, before memory planning. */
    public Program lowered(Map<String, Integer> dims) {
        return programStage.compile(graph, dims, TARGET);
    }

    /** The generated CUDA C module for these dims (no device needed). */
    public String moduleSource(Map<String, Integer> dims) {
        MemoryPlanner.Plan memory = MemoryPlanner.plan(lowered(dims), reuseMemory);
        return CudaCodegen.generate(memory.program(), memory.offsets(), (memory.arenaBytes() + 7) / 8 * 8).source();
    }

    /** The module of a training plan for these dims: the program's kernels and the update's (no device needed). */
    String trainingModuleSource(Map<String, Integer> dims, SgdUpdate.Rule rule) {
        MemoryPlanner.Plan memory = MemoryPlanner.plan(lowered(dims), reuseMemory);
        long flagByte = (memory.arenaBytes() + 7) / 8 * 8;
        return CudaCodegen.generate(memory.program(), memory.offsets(), flagByte).source()
                + SgdUpdate.generate(memory, rule, flagByte + CudaPlan.FLAG_BYTES).source();
    }

    @Override
    public String toString() {
        return "CudaProgram(" + graph.nodes().size() + " nodes" + (graphs ? ", CUDA graphs" : "") + ")";
    }
}
