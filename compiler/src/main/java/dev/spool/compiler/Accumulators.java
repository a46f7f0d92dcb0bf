package dev.spool.compiler;

import dev.spool.graph.Graph;
import dev.spool.graph.Value;
import dev.spool.graph.internal.Node;
import dev.spool.graph.internal.ScanOp;
import dev.spool.graph.internal.Source;
import dev.spool.ops.BinaryFn;
import dev.spool.ops.internal.Binary;
import dev.spool.ops.internal.MatMul;
import dev.spool.ops.internal.Reduce;
import dev.spool.ops.internal.ReduceFn;
import dev.spool.ops.internal.ScatterAdd;
import dev.spool.ops.internal.Transpose;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Which carries of a scan are pure accumulators that {@link AccumulationSinking} can take out of
 * the loop, and what each one adds per step. A carry {@code acc} qualifies when
 * <ul>
 * <li>its update {@code acc'} is a tree of adds (no broadcasting) read by nothing but the carry
 * result, whose leaves are {@code acc} itself, read nowhere else (so no contribution depends on
 * it), and one or more terms;</li>
 * <li>every term is {@code matmul[transA](a_t, b_t)} of rank-2 per-step factors (R, M) and (R, N)
 * ({@link Term.Outer}), {@code reduce_sum(x_t)} over axis 0 only ({@link Term.RowSum}), or
 * {@code scatter_add(i_t, u_t)}, possibly transposed ({@link Term.Scatter}: the weight gradient of a
 * one-hot input once simplification has turned its matmul into a scatter), with per-step operands:
 * a value that depends on a carry or a slice;</li>
 * <li>the scan is not masked.</li>
 * </ul>
 * Every other carry is {@link Keep kept}, with the reason. Both term forms have a batched
 * equivalent over the stacked factors that costs no more memory than the factors themselves;
 * any other contribution would have to be stacked whole, (T, M, N) for an (M, N) weight, i.e.
 * T times the accumulator. A loop-invariant factor would be stacked as T identical copies.
 *
 * <p>A masked scan keeps every carry: a masked step freezes row b of a (B, ...) carry, which for
 * {@code acc += a_tᵀ b_t} means dropping column b of a_t, while a masked step <em>output</em> is
 * zeroed by its row b, and every output must have B first. No stacking of the factors carries that
 * mask, so sinking would change results (the unmasked backward scans of masked forward scans,
 * which mask with {@code where} on an active-rows sequence, are sunk normally).
 */
public final class Accumulators {
    private Accumulators() {
    }

    /** A per-step contribution whose sum over steps is one batched op after the loop. */
    public sealed interface Term permits Term.Outer, Term.RowSum, Term.Scatter {
        /** {@code matmul[transA](a, b)}: a_tᵀ b_t; over all steps, one GEMM over T·R rows. */
        record Outer(Value a, Value b) implements Term {
        }

        /** {@code reduce_sum(x, axes=[0])}: over all steps, a sum over axes 0 and 1 of the stacked x. */
        record RowSum(Value x) implements Term {
        }

        /**
         * {@code scatter_add[rows](i, u)} with indices i (R) and rows u (R, N...), transposed (a 2-D
         * result read as its transpose) or not; over all steps, one scatter of T·R rows.
         */
        record Scatter(Value indices, Value updates, int rows, boolean transposed) implements Term {
        }

        /** The per-step values to be available, stacked, after the loop. */
        default List<Value> factors() {
            if (this instanceof Outer o) {
                return List.of(o.a(), o.b());
            }
            if (this instanceof Scatter sc) {
                return List.of(sc.indices(), sc.updates());
            }
            return List.of(((RowSum) this).x());
        }
    }

    /** The verdict on one carry, by its index. */
    public sealed interface Decision permits Sink, Keep {
        int carry();
    }

    /** The carry leaves the loop; {@code update} are the ids of the add nodes computing acc'. */
    public record Sink(int carry, Set<Integer> update, List<Term> terms) implements Decision {
        public Sink {
            update = Set.copyOf(update);
            terms = List.copyOf(terms);
        }
    }

    /** The carry stays in the loop, for {@code reason}. */
    public record Keep(int carry, String reason) implements Decision {
    }

    /** One decision per carry of the scan, in carry order. */
    public static List<Decision> of(ScanOp scan) {
        Graph body = scan.body();
        Map<Value, Integer> uses = uses(body);
        Set<Integer> varying = varying(body);
        List<Decision> out = new ArrayList<>();
        for (int i = 0; i < scan.numCarries(); i++) {
            out.add(scan.masking() != ScanOp.Masking.NONE
                    ? new Keep(i, "the scan is masked: a frozen carry row is not a zeroed output row")
                    : decide(body, i, uses, varying));
        }
        return out;
    }

    private static Decision decide(Graph body, int i, Map<Value, Integer> uses, Set<Integer> varying) {
        Value acc = body.params().get(i);
        Value next = body.results().get(i);
        if (uses.get(next) != 1 || !isAdd(body, next)) {
            return new Keep(i, "the update is not acc + d_t read only as the next carry");
        }
        Set<Integer> update = new LinkedHashSet<>();
        List<Value> leaves = new ArrayList<>();
        addTree(body, next, true, uses, update, leaves);
        if (uses.get(acc) != 1 || !leaves.remove(acc)) {
            return new Keep(i, "the accumulator is read by more than its own update");
        }
        List<Term> terms = new ArrayList<>();
        for (Value leaf : leaves) {
            Term t = term(body, leaf, varying);
            if (t == null) {
                return new Keep(i, "contribution " + leaf + " is not a_tᵀ b_t or a row sum of per-step values");
            }
            terms.add(t);
        }
        return new Sink(i, update, terms);
    }

    /** Splits v into leaves along adds that are only read inside the tree (the root is v itself). */
    private static void addTree(Graph body, Value v, boolean root, Map<Value, Integer> uses, Set<Integer> update, List<Value> leaves) {
        if (!isAdd(body, v) || (!root && uses.get(v) != 1)) {
            leaves.add(v);
            return;
        }
        Node n = body.node(v.node());
        update.add(n.id());
        for (Value in : n.inputs()) {
            addTree(body, in, false, uses, update, leaves);
        }
    }

    /** Whether v is an add whose operands have its own type (no broadcasting). */
    private static boolean isAdd(Graph body, Value v) {
        Node n = body.node(v.node());
        return n.op() instanceof Binary bin && bin.fn() == BinaryFn.ADD
                && n.inputs().stream().allMatch(in -> in.type().equals(v.type()));
    }

    /** The term v is, or null when it has neither sinkable form. */
    private static Term term(Graph body, Value v, Set<Integer> varying) {
        Node n = body.node(v.node());
        List<Value> ins = n.inputs();
        if (!ins.stream().allMatch(in -> varying.contains(in.node()))) {
            return null;
        }
        if (n.op() instanceof MatMul mm && mm.transA() && !mm.transB() && ins.get(0).type().rank() == 2 && ins.get(1).type().rank() == 2) {
            return new Term.Outer(ins.get(0), ins.get(1));
        }
        if (n.op() instanceof Reduce r && r.fn() == ReduceFn.SUM && !r.keepDims() && ins.get(0).type().rank() >= 1
                && r.axesFor(ins.get(0).type().rank()).equals(Set.of(0))) {
            return new Term.RowSum(ins.get(0));
        }
        if (n.op() instanceof Transpose t && t.perm().equals(List.of(1, 0)) && term(body, ins.get(0), varying) instanceof Term.Scatter sc
                && !sc.transposed()) {
            return new Term.Scatter(sc.indices(), sc.updates(), sc.rows(), true);
        }
        if (n.op() instanceof ScatterAdd sa && ins.get(0).type().rank() == 1) {
            return new Term.Scatter(ins.get(0), ins.get(1), sa.rows(), false);
        }
        return null;
    }

    /** How many times each value is read: by body nodes and as a body result. */
    private static Map<Value, Integer> uses(Graph body) {
        Map<Value, Integer> uses = new HashMap<>();
        for (Node n : body.nodes()) {
            for (int k = 0; k < n.outputs().size(); k++) {
                uses.put(n.output(k), 0);
            }
        }
        for (Node n : body.nodes()) {
            n.inputs().forEach(v -> uses.merge(v, 1, Integer::sum));
        }
        body.results().forEach(v -> uses.merge(v, 1, Integer::sum));
        return uses;
    }

    /** Ids of the body nodes whose values change from step to step: those reading a carry or a slice. */
    private static Set<Integer> varying(Graph body) {
        Set<Integer> varying = new HashSet<>();
        for (Node n : body.nodes()) {
            boolean v = n.op() instanceof Source s ? s.kind() == Source.Kind.CARRY || s.kind() == Source.Kind.SLICE
                    : n.inputs().stream().anyMatch(in -> varying.contains(in.node()));
            if (v) {
                varying.add(n.id());
            }
        }
        return varying;
    }
}
