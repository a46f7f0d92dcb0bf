package dev.spool.compiler;

import dev.spool.graph.Graph;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * The ordered list of passes a graph goes through before lowering. Today: verify, dead-code
 * elimination, scan push-out, and dead-code elimination again (push-out leaves the moved work's
 * in-loop copies unused). Passes can be disabled by name for experiments and differential tests.
 *
 * <pre>{@code Graph g2 = Pipeline.standard().without(Set.of("dce")).run(g);}</pre>
 */
public final class Pipeline {
    private final List<Pass> passes;

    private final boolean plansMemory;

    public Pipeline(List<Pass> passes) {
        this(passes, true);
    }

    private Pipeline(List<Pass> passes, boolean plansMemory) {
        this.passes = List.copyOf(passes);
        this.plansMemory = plansMemory;
    }

    /** Whether backends plan memory (buffer reuse, in-place kernels); off gives every buffer its own memory. */
    public boolean plansMemory() {
        return plansMemory;
    }

    /** The name that turns memory planning (a lowering-level pass) off. */
    public static final String MEMORY_PLANNING = "memplan";

    public static Pipeline standard() {
        return new Pipeline(List.of(new VerifyPass(), new Simplify(), new ScanPushOut(), new AccumulationSinking(), new Simplify(),
                new ScanPushOut(), new Simplify(), new ElementwiseFusion()));
    }

    public List<Pass> passes() {
        return passes;
    }

    /** This pipeline without the named passes; an unknown name is an error listing the known ones. */
    public Pipeline without(Set<String> names) {
        List<Pass> out = new ArrayList<>();
        Set<String> known = new java.util.TreeSet<>();
        known.add(MEMORY_PLANNING);
        for (Pass p : passes) {
            known.add(p.name());
            if (!names.contains(p.name())) {
                out.add(p);
            }
        }
        for (String n : names) {
            if (!known.contains(n)) {
                throw new IllegalArgumentException("unknown pass '" + n + "'; passes are " + known);
            }
        }
        return new Pipeline(out, plansMemory && !names.contains(MEMORY_PLANNING));
    }

    public Graph run(Graph g) {
        Graph out = g;
        for (Pass p : passes) {
            out = p.run(out);
        }
        return out;
    }
}
