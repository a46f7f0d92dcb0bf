package dev.spool.compiler;

import dev.spool.graph.Graph;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.IntFunction;

/**
 * The ordered list of passes a graph goes through before lowering, plus whether the backend plans
 * memory ({@value #MEMORY_PLANNING}, which works on the lowered program). The standard order:
 * <pre>
 * verify → simplify → pushout → sink → simplify → pushout → simplify → [unroll] → fusion
 * </pre>
 * Simplification first exposes the patterns the scan passes match (and turns one-hot products into
 * lookups); push-out then batches each scan's input projection over all steps; sinking turns the
 * backward scans' weight-gradient accumulators into one GEMM each after the loop; a second round of
 * simplification and push-out cleans up what sinking exposed; unrolling (only when asked for)
 * comes before fusion so that fusion sees across the copied steps. Every pass can be turned off by
 * name for experiments and differential tests, or the list given outright.
 *
 * <pre>{@code
 * Graph g2 = Pipeline.standard().without(Set.of("fusion")).run(g);
 * Pipeline p = Pipeline.named(List.of("simplify", "fusion"), 0);
 * }</pre>
 */
public final class Pipeline {
    /** The name that turns memory planning (a lowering-level pass) off. */
    public static final String MEMORY_PLANNING = "memplan";

    /** Every graph pass by name; {@code unroll} takes its factor (0 unrolls fully). */
    private static final Map<String, IntFunction<Pass>> PASSES = new LinkedHashMap<>();

    static {
        PASSES.put("verify", k -> new VerifyPass());
        PASSES.put("simplify", k -> new Simplify());
        PASSES.put("pushout", k -> new ScanPushOut());
        PASSES.put("sink", k -> new AccumulationSinking());
        PASSES.put("unroll", Unroll::new);
        PASSES.put("fusion", k -> new ElementwiseFusion());
        PASSES.put("dce", k -> new DeadCodeElimination());
    }

    private final List<Pass> passes;
    private final boolean plansMemory;

    public Pipeline(List<Pass> passes) {
        this(passes, true);
    }

    private Pipeline(List<Pass> passes, boolean plansMemory) {
        this.passes = List.copyOf(passes);
        this.plansMemory = plansMemory;
    }

    /** The standard pipeline; loops stay scans. */
    public static Pipeline standard() {
        return named(List.of("verify", "simplify", "pushout", "sink", "simplify", "pushout", "simplify", "fusion", MEMORY_PLANNING), 0);
    }

    /** The standard pipeline with every fixed-length scan unrolled by k (0: fully) before fusion. */
    public static Pipeline unrolling(int k) {
        return named(List.of("verify", "simplify", "pushout", "sink", "simplify", "pushout", "simplify", "unroll", "simplify", "fusion",
                MEMORY_PLANNING), k);
    }

    /**
     * The standard pipeline with each fixed-length scan unrolled as {@link LoopStrategy#auto()}
     * decides for it ({@code --mode auto}); scans of symbolic length stay loops.
     */
    public static Pipeline auto() {
        List<Pass> passes = new ArrayList<>(standard().passes());
        passes.add(passes.size() - 1, new Unroll(LoopStrategy.auto(), Unroll.OnSymbolic.KEEP, UnrollEstimate.DEFAULT_NODE_LIMIT));
        return new Pipeline(passes, true);
    }

    /**
     * The pass combinations that must all compute the same function, by name: standard; nothing but
     * verification; each optimising pass turned off in turn; only fusion and memory planning; unrolled
     * fully and by 2 (these two need the time dim bound to a size). The differential tests run every
     * graph under each of them.
     *
     * <pre>{@code Pipeline.variants().forEach((name, p) -> check(name, CpuBackend.compile(g, p).run(feeds)));}</pre>
     */
    public static Map<String, Pipeline> variants() {
        Map<String, Pipeline> v = new LinkedHashMap<>();
        v.put("standard", standard());
        v.put("no passes", named(List.of("verify"), 0));
        for (String pass : List.of("simplify", "pushout", "sink", "fusion", MEMORY_PLANNING)) {
            v.put("no " + pass, standard().without(Set.of(pass)));
        }
        v.put("only fusion and memplan", named(List.of("fusion", MEMORY_PLANNING), 0));
        v.put("unrolled", unrolling(0));
        v.put("unrolled by 2", unrolling(2));
        return v;
    }

    /**
     * Exactly the named passes, in this order, after a verification, with memory planning when
     * {@value #MEMORY_PLANNING} is named; {@code unroll} unrolls by {@code unrollFactor}. An unknown
     * name is an error listing the known ones.
     */
    public static Pipeline named(List<String> names, int unrollFactor) {
        List<Pass> out = new ArrayList<>();
        for (String n : names) {
            if (n.equals(MEMORY_PLANNING)) {
                continue;
            }
            IntFunction<Pass> p = PASSES.get(n);
            if (p == null) {
                throw new IllegalArgumentException("unknown pass '" + n + "'; passes are " + names());
            }
            out.add(p.apply(unrollFactor));
        }
        if (out.isEmpty() || !out.get(0).name().equals("verify")) {
            out.add(0, new VerifyPass());
        }
        return new Pipeline(out, names.contains(MEMORY_PLANNING));
    }

    /** The known pass names, memory planning included. */
    public static Set<String> names() {
        Set<String> s = new TreeSet<>(PASSES.keySet());
        s.add(MEMORY_PLANNING);
        return s;
    }

    public List<Pass> passes() {
        return passes;
    }

    /** Whether backends plan memory (buffer reuse, in-place kernels); off gives every buffer its own memory. */
    public boolean plansMemory() {
        return plansMemory;
    }

    /** This pipeline without the named passes; an unknown name is an error listing the known ones. */
    public Pipeline without(Set<String> names) {
        for (String n : names) {
            if (!names().contains(n)) {
                throw new IllegalArgumentException("unknown pass '" + n + "'; passes are " + names());
            }
        }
        List<Pass> out = new ArrayList<>();
        for (Pass p : passes) {
            if (!names.contains(p.name())) {
                out.add(p);
            }
        }
        return new Pipeline(out, plansMemory && !names.contains(MEMORY_PLANNING));
    }

    /** The names of this pipeline's passes in order, with memplan last when it is on. */
    public List<String> describe() {
        List<String> out = new ArrayList<>(passes.stream().map(Pass::name).toList());
        if (plansMemory) {
            out.add(MEMORY_PLANNING);
        }
        return out;
    }

    public Graph run(Graph g) {
        Graph out = g;
        for (Pass p : passes) {
            out = p.run(out);
        }
        return out;
    }
}
