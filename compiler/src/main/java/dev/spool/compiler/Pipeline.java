package dev.spool.compiler;

import dev.spool.compiler.lower.GemmBiasEpilogue;
import dev.spool.compiler.lower.CarryStack;
import dev.spool.compiler.lower.InPlaceCarries;
import dev.spool.compiler.lower.Lowering;
import dev.spool.compiler.lower.MemoryPlanning;
import dev.spool.compiler.lower.LinearCrossEntropyFusion;
import dev.spool.compiler.lower.PairCrossEntropy;
import dev.spool.compiler.lower.ProgramPass;
import dev.spool.compiler.lower.SplitKernels;
import dev.spool.compiler.lower.Target;
import dev.spool.graph.Graph;
import dev.spool.program.internal.Program;
import dev.spool.program.internal.ProgramVerifier;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.IntFunction;
import java.util.function.Supplier;

/**
 * The two compile stages as one ordered list of named passes, each switchable.
 *
 * <p><b>Graph stage</b> ({@link #run}, once per graph, sizes symbolic):
 * <pre>
 * verify → simplify → merge-matmuls → pushout → sink → simplify → pushout → simplify → fusion
 * </pre>
 * Simplification first exposes the patterns the scan passes match (and turns one-hot products into
 * lookups); a scan body's matmuls of one operand by several invariants become one wider matmul; push-out then batches each scan's input projection over all steps; sinking turns the
 * backward scans' weight-gradient accumulators into one GEMM each after the loop; a second round of
 * simplification and push-out cleans up what sinking exposed.
 *
 * <p><b>Program stage</b> ({@link #compile}, once per binding of the symbolic dims, which it does
 * in this one place): the graph passes from the first one that needs sizes on ({@code unroll}, which
 * comes before fusion so that fusion sees across the copied steps), lowering to the reference
 * {@link Program}, then the Program passes:
 * <pre>
 * [unroll → simplify → fusion] → lowering → gemm-bias → xent-grad → linear-xent → kernel-split → inplace-carries → carry-stack → memplan
 * </pre>
 * {@link ProgramVerifier} checks the program after lowering and after every Program pass. With
 * every optimising pass off ({@code --passes verify}) the result is the reference program.
 *
 * <pre>{@code
 * Pipeline p = Pipeline.standard().without(Set.of("fusion", "inplace-carries"));
 * Program program = p.compile(p.run(graph), Map.of("T", 35, "B", 32));
 * }</pre>
 */
public final class Pipeline {
    /** The name that turns memory planning (the last Program pass) off. */
    public static final String MEMORY_PLANNING = "memplan";

    /** Every graph pass by name; {@code unroll} takes its factor (0 unrolls fully). */
    private static final Map<String, IntFunction<Pass>> GRAPH_PASSES = new LinkedHashMap<>();
    /** Every Program pass by name, in their standard order. */
    private static final Map<String, Supplier<ProgramPass>> PROGRAM_PASSES = new LinkedHashMap<>();

    static {
        GRAPH_PASSES.put("verify", k -> new VerifyPass());
        GRAPH_PASSES.put("simplify", k -> new Simplify());
        GRAPH_PASSES.put("merge-matmuls", k -> new MatMulMerging());
        GRAPH_PASSES.put("pushout", k -> new ScanPushOut());
        GRAPH_PASSES.put("sink", k -> new AccumulationSinking());
        GRAPH_PASSES.put("unroll", Unroll::new);
        GRAPH_PASSES.put("fusion", k -> new ElementwiseFusion());
        GRAPH_PASSES.put("dce", k -> new DeadCodeElimination());
        PROGRAM_PASSES.put("gemm-bias", GemmBiasEpilogue::new);
        PROGRAM_PASSES.put("xent-grad", PairCrossEntropy::new);
        PROGRAM_PASSES.put("linear-xent", LinearCrossEntropyFusion::new);
        PROGRAM_PASSES.put("kernel-split", SplitKernels::new);
        PROGRAM_PASSES.put("inplace-carries", InPlaceCarries::new);
        PROGRAM_PASSES.put("carry-stack", CarryStack::new);
        PROGRAM_PASSES.put(MEMORY_PLANNING, MemoryPlanning::new);
    }

    private static final List<String> GRAPH_STANDARD = List.of("verify", "simplify", "merge-matmuls", "pushout", "sink", "simplify", "pushout", "simplify");

    private final List<Pass> passes;
    private final List<ProgramPass> programPasses;

    /** Exactly these graph passes and no Program pass (the reference program). */
    public Pipeline(List<Pass> passes) {
        this(passes, List.of());
    }

    public Pipeline(List<Pass> passes, List<ProgramPass> programPasses) {
        this.passes = List.copyOf(passes);
        this.programPasses = List.copyOf(programPasses);
    }

    /** The standard pipeline; loops stay scans. */
    public static Pipeline standard() {
        List<String> names = new ArrayList<>(GRAPH_STANDARD);
        names.add("fusion");
        names.addAll(PROGRAM_PASSES.keySet());
        return named(names, 0);
    }

    /** The standard pipeline with every fixed-length scan unrolled by k (0: fully) before fusion. */
    public static Pipeline unrolling(int k) {
        List<String> names = new ArrayList<>(GRAPH_STANDARD);
        names.addAll(List.of("unroll", "simplify", "fusion"));
        names.addAll(PROGRAM_PASSES.keySet());
        return named(names, k);
    }

    /**
     * The standard pipeline with each fixed-length scan unrolled as {@link LoopStrategy#auto()}
     * decides for it ({@code --mode auto}); scans of symbolic length stay loops.
     */
    public static Pipeline auto() {
        Pipeline unrolling = unrolling(0);
        List<Pass> passes = new ArrayList<>(unrolling.passes());
        passes.replaceAll(p -> p instanceof Unroll ? new Unroll(LoopStrategy.auto(), Unroll.OnSymbolic.KEEP, UnrollEstimate.DEFAULT_NODE_LIMIT) : p);
        return new Pipeline(passes, unrolling.programPasses());
    }

    /**
     * The pass combinations that must all compute the same function, by name: standard; nothing but
     * verification (the reference program); each optimising pass of both stages turned off in turn;
     * only fusion and memory planning; unrolled fully and by 2. The differential tests run every
     * graph under each of them.
     *
     * <pre>{@code Pipeline.variants().forEach((name, p) -> check(name, CpuBackend.compile(g, p).run(feeds)));}</pre>
     */
    public static Map<String, Pipeline> variants() {
        Map<String, Pipeline> v = new LinkedHashMap<>();
        v.put("standard", standard());
        v.put("no passes", named(List.of("verify"), 0));
        for (String pass : List.of("simplify", "merge-matmuls", "pushout", "sink", "fusion")) {
            v.put("no " + pass, standard().without(Set.of(pass)));
        }
        for (String pass : PROGRAM_PASSES.keySet()) {
            v.put("no " + pass, standard().without(Set.of(pass)));
        }
        v.put("only fusion and memplan", named(List.of("fusion", MEMORY_PLANNING), 0));
        v.put("unrolled", unrolling(0));
        v.put("unrolled by 2", unrolling(2));
        return v;
    }

    /**
     * Exactly the named passes, in this order, after a verification; {@code unroll} unrolls by
     * {@code unrollFactor}. Graph passes run before lowering and Program passes after it, each in
     * the order named; {@value #MEMORY_PLANNING} must be the last Program pass. An unknown name is
     * an error listing the known ones.
     */
    public static Pipeline named(List<String> names, int unrollFactor) {
        List<Pass> graph = new ArrayList<>();
        List<ProgramPass> program = new ArrayList<>();
        for (String n : names) {
            IntFunction<Pass> p = GRAPH_PASSES.get(n);
            Supplier<ProgramPass> pp = PROGRAM_PASSES.get(n);
            if (p == null && pp == null) {
                throw new IllegalArgumentException("unknown pass '" + n + "'; passes are " + names());
            }
            if (p != null) {
                graph.add(p.apply(unrollFactor));
            } else {
                if (!program.isEmpty() && program.get(program.size() - 1).name().equals(MEMORY_PLANNING)) {
                    throw new IllegalArgumentException("'" + n + "' comes after " + MEMORY_PLANNING + ", which must be the last Program pass");
                }
                program.add(pp.get());
            }
        }
        if (graph.isEmpty() || !graph.get(0).name().equals("verify")) {
            graph.add(0, new VerifyPass());
        }
        return new Pipeline(graph, program);
    }

    /** The known pass names of both stages. */
    public static Set<String> names() {
        Set<String> s = new TreeSet<>(GRAPH_PASSES.keySet());
        s.addAll(PROGRAM_PASSES.keySet());
        return s;
    }

    /** Every graph pass, both those of the graph stage and those that need sizes. */
    public List<Pass> passes() {
        return passes;
    }

    public List<ProgramPass> programPasses() {
        return programPasses;
    }

    /** The graph passes that run once per graph: those before the first that needs sizes. */
    public List<Pass> graphStage() {
        return passes.subList(0, firstSized());
    }

    /** The graph passes that run per binding of the dims, before lowering. */
    public List<Pass> sizedStage() {
        return passes.subList(firstSized(), passes.size());
    }

    private int firstSized() {
        for (int i = 0; i < passes.size(); i++) {
            if (passes.get(i).needsSizes()) {
                return i;
            }
        }
        return passes.size();
    }

    /** Whether the program's buffers are placed in one arena with reuse (else each has its own memory). */
    public boolean plansMemory() {
        return programPasses.stream().anyMatch(p -> p.name().equals(MEMORY_PLANNING));
    }

    /** This pipeline without the named passes; an unknown name is an error listing the known ones. */
    public Pipeline without(Set<String> names) {
        for (String n : names) {
            if (!names().contains(n)) {
                throw new IllegalArgumentException("unknown pass '" + n + "'; passes are " + names());
            }
        }
        return new Pipeline(passes.stream().filter(p -> !names.contains(p.name())).toList(),
                programPasses.stream().filter(p -> !names.contains(p.name())).toList());
    }

    /** The names of this pipeline's passes in order: graph passes, then Program passes. */
    public List<String> describe() {
        List<String> out = new ArrayList<>(passes.stream().map(Pass::name).toList());
        programPasses.forEach(p -> out.add(p.name()));
        return out;
    }

    /** The graph stage: every graph pass before the first that needs sizes. */
    public Graph run(Graph g) {
        return run(g, Trace.NONE);
    }

    /** As {@link #run(Graph)}, reporting the graph after each pass. */
    public Graph run(Graph g, Trace trace) {
        Graph out = g;
        for (Pass p : graphStage()) {
            out = p.run(out);
            trace.graph(p.name(), out);
        }
        return out;
    }

    /**
     * The program stage for a graph from {@link #run}: binds every symbolic dim to its size from
     * {@code dims}, runs the graph passes that need sizes, lowers, and runs the Program passes for a
     * backend that wants {@code target}, verifying the program after lowering and after each pass.
     *
     * <pre>{@code Program p = pipeline.compile(pipeline.run(graph), Map.of("T", 35, "B", 32), new Target(36));}</pre>
     *
     * @throws dev.spool.graph.InputException when a symbolic dim is not in {@code dims}
     */
    public Program compile(Graph graph, Map<String, Integer> dims, Target target) {
        return compile(graph, dims, target, Trace.NONE);
    }

    /** As {@link #compile(Graph, Map, Target)} with no limit on kernel size. */
    public Program compile(Graph graph, Map<String, Integer> dims) {
        return compile(graph, dims, Target.DEFAULT);
    }

    /** As {@link #compile(Graph, Map, Target)}, reporting the graph or program after each pass. */
    public Program compile(Graph graph, Map<String, Integer> dims, Target target, Trace trace) {
        Graph g = Lowering.bind(graph, dims);
        for (Pass p : sizedStage()) {
            g = p.run(g);
            trace.graph(p.name(), g);
        }
        Program program = Lowering.lower(g);
        ProgramVerifier.verify(program, "lowering");
        trace.program("lowering", program);
        for (ProgramPass p : programPasses) {
            program = p.run(program, target);
            ProgramVerifier.verify(program, p.name());
            trace.program(p.name(), program);
        }
        return program;
    }

    /** What {@code spool inspect} sees: the graph or program after each pass. */
    public interface Trace {
        Trace NONE = new Trace() {
        };

        default void graph(String pass, Graph g) {
        }

        default void program(String pass, Program p) {
        }
    }
}
