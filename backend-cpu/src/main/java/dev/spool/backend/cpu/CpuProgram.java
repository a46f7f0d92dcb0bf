package dev.spool.backend.cpu;

import dev.spool.backend.cpu.codegen.KernelCompiler;
import dev.spool.runtime.internal.RowSplit;
import dev.spool.runtime.internal.cpu.CpuExecutable;
import dev.spool.runtime.internal.cpu.Profile;
import dev.spool.compiler.Pipeline;
import dev.spool.compiler.RowSeparability;
import dev.spool.graph.Graph;
import dev.spool.graph.Tensor;
import dev.spool.program.internal.Program;

import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * A graph compiled for the CPU: the graph stage's result, compiled to a verified {@link Program}
 * once per binding of its symbolic dims (the first run with a new batch size or sequence length
 * compiles; later runs reuse it), executed with OpenBLAS GEMM on native memory and generated
 * Vector API kernels ({@link CpuExecutable}). Runs may come from many threads at once. A graph whose
 * rows along the batch dim {@code B} are independent (a forward pass; {@link RowSeparability}) runs
 * as two halves of the batch on two cores ({@link RowSplit}).
 *
 * <pre>{@code
 * CpuProgram p = CpuBackend.compile(graph);
 * Map<String, Tensor> out = p.run(Map.of("x", x));
 * }</pre>
 */
public final class CpuProgram {
    private static final int MAX_PROGRAMS = 8;

    private final Graph graph;
    private final Pipeline pipeline;
    private volatile Optional<RowSplit> rowSplit;
    private volatile Profile profile;
    private final Map<Map<String, Integer>, CpuExecutable> programs = new LinkedHashMap<>(16, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<Map<String, Integer>, CpuExecutable> e) {
            return size() > MAX_PROGRAMS;
        }
    };

    CpuProgram(Graph graph, Pipeline pipeline) {
        this.graph = graph;
        this.pipeline = pipeline;
    }

    /** The graph this program runs, the result of the pipeline's graph stage: {@code System.out.println(p.graph())}. */
    public Graph graph() {
        return graph;
    }

    /**
     * Runs the graph on named inputs and parameters (the names of its sources) and returns its
     * named results. Tensors may be views; symbolic dims are sized from the tensors. Safe to call
     * from several threads at once.
     *
     * <pre>{@code Tensor y = p.run(Map.of("x", x, "w", w)).get("y");}</pre>
     *
     * @throws dev.spool.graph.InputException when a value is missing or does not fit its declared type
     */
    public Map<String, Tensor> run(Map<String, Tensor> feeds) {
        Map<String, Integer> dims = dims(feeds);
        Optional<RowSplit> split = rowSplit();
        if (split.isPresent() && profile == null && split.get().worthSplitting(dims)) {
            return split.get().run(dims, feeds, this::executable);
        }
        return executable(dims).runChecked(feeds);
    }

    /** How runs split along the batch dim {@code B}, if the graph's rows are independent (computed once). */
    Optional<RowSplit> rowSplit() {
        Optional<RowSplit> s = rowSplit;
        if (s == null) {
            s = RowSeparability.of(graph, RowSeparability.BATCH).map(r -> new RowSplit(r.dim(), r.inputAxes(), r.resultAxes()));
            rowSplit = s;
        }
        return s;
    }

    /**
     * The size of each symbolic dim of the graph as these feeds give it.
     *
     * <pre>{@code Map<String, Integer> dims = p.dims(feeds);   // e.g. {T=35, B=32}}</pre>
     *
     * @throws dev.spool.graph.InputException when a value is missing or does not fit its declared type
     */
    public Map<String, Integer> dims(Map<String, Tensor> feeds) {
        Map<String, Integer> dims = new HashMap<>();
        FeedBinding.bind(graph, feeds, dims);
        return dims;
    }

    /**
     * The program for these dims, compiled on first use (the graph's feeds were checked against the graph).
     *
     * <pre>{@code CpuExecutable exe = p.executable(p.dims(feeds));}</pre>
     */
    public CpuExecutable executable(Map<String, Integer> dims) {
        synchronized (programs) {
            CpuExecutable c = programs.get(dims);
            if (c == null) {
                c = new CpuExecutable(pipeline.compile(graph, dims, CpuBackend.TARGET), profile, KernelCompiler.INSTANCE);
                programs.put(Map.copyOf(dims), c);
            }
            return c;
        }
    }

    /**
     * Turns on per-instruction timing for programs prepared from now on and returns the profile
     * (call before the first run).
     */
    public Profile profile() {
        synchronized (programs) {
            if (profile == null) {
                profile = new Profile();
                programs.clear();
            }
            return profile;
        }
    }

    /**
     * The compiled, verified program for these dims, as the backend runs it.
     *
     * <pre>{@code String text = ProgramText.write(p.program(Map.of("T", 35, "B", 32)));}</pre>
     */
    public Program program(Map<String, Integer> dims) {
        return executable(dims).program();
    }

    /** The generated kernel sources of the program for these dims, in program order. */
    public List<String> kernelSources(Map<String, Integer> dims) {
        return executable(dims).kernelSources();
    }

    @Override
    public String toString() {
        return "CpuProgram(" + graph.nodes().size() + " nodes)";
    }
}
