package dev.spool.compiler;

import dev.spool.compiler.simplify.FoldingRules;
import dev.spool.compiler.simplify.IdentityRules;
import dev.spool.compiler.simplify.OneHotRules;
import dev.spool.compiler.simplify.PadRules;
import dev.spool.compiler.simplify.Rewriter;
import dev.spool.compiler.simplify.Rule;
import dev.spool.graph.Graph;

import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * Simplification to a fixpoint: common-subexpression elimination, constant folding
 * ({@link FoldingRules}), algebraic identities ({@link IdentityRules}), one-hot products as row
 * lookups ({@link OneHotRules}) and sums of disjoint pads as one concat ({@link PadRules}),
 * everywhere including scan bodies, then dead-code elimination. Autodiff emits the patterns these
 * rules remove (broadcast seeds, {@code add(x, neg(y))}, gate gradients as padded sums, repeated
 * constants) and the char-LM's input projection multiplies by a one-hot; simplifying before
 * lowering leaves fewer, cheaper kernels. Each round re-emits the graph once through the
 * {@link Rewriter} (rules run bottom-up as nodes are rebuilt); rounds repeat until none fires,
 * at most {@value #MAX_ROUNDS} times, else it fails naming the rules still firing.
 *
 * <p>A scan keeps its carries, sequences and results; invariants its rewritten body no longer
 * reads are dropped, and a scan over a one-hot sequence slices the indices instead. Assumes a
 * verified graph and, for the one-hot rules, indices within the one-hot depth (others fail at run
 * time in {@code gather}/{@code scatter_add} instead of giving zero rows). Exact in real
 * arithmetic; in floating point only a scatter's summation order differs from the GEMM it
 * replaces, and {@code -0.0 + 0} keeps its sign.
 */
public final class Simplify implements Pass {
    /** Rounds before the rules are declared not to converge (two suffice for the rule set today). */
    public static final int MAX_ROUNDS = 8;

    private static final List<Rule> RULES = Stream.of(FoldingRules.RULES, IdentityRules.RULES, OneHotRules.RULES, PadRules.RULES)
            .flatMap(List::stream).toList();

    private final DeadCodeElimination dce = new DeadCodeElimination();

    @Override
    public String name() {
        return "simplify";
    }

    @Override
    public Graph run(Graph graph) {
        Graph g = graph;
        Map<String, Integer> fired = Map.of();
        for (int round = 0; round < MAX_ROUNDS; round++) {
            Rewriter.Round r = Rewriter.run(g, RULES, OneHotRules.SEQUENCE_RULES);
            g = dce.run(r.graph());
            if (r.changes() == 0) {
                return g;
            }
            fired = r.fired();
        }
        throw new IllegalStateException("simplify did not reach a fixpoint in " + MAX_ROUNDS + " rounds; the last round fired " + fired);
    }
}
