package dev.spool.compiler;

import dev.spool.compiler.Accumulators.Decision;
import dev.spool.compiler.Accumulators.Sink;
import dev.spool.compiler.Accumulators.Term;
import dev.spool.graph.Dim;
import dev.spool.graph.Graph;
import dev.spool.graph.GraphBuilder.ScanResult;
import dev.spool.graph.GraphBuilder.Step;
import dev.spool.graph.Shape;
import dev.spool.graph.Value;
import dev.spool.graph.internal.Node;
import dev.spool.graph.internal.ScanOp;
import dev.spool.graph.internal.Source;
import dev.spool.ops.Builder;
import dev.spool.ops.internal.Fill;
import dev.spool.ops.internal.Reshape;
import dev.spool.ops.internal.ScatterAdd;
import dev.spool.ops.internal.rewrite.Key;
import dev.spool.ops.internal.rewrite.Replay;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Accumulation sinking (what cuDNN does for LSTM weight gradients, here for any cell): a carry
 * that only sums per-step contributions, {@code acc' = acc + Σ a_tᵀ b_t + Σ reduce_sum(x_t, [0]) + Σ scatter_add(i_t, u_t)}
 * (see {@link Accumulators} for the exact match), leaves the scan. The scan instead outputs the
 * factors stacked over steps (none when a factor is a slice of a sequence, which is used directly,
 * or already a step output), and after the loop
 * <pre>
 * acc = acc_init + reshape(A, (T*R, M))ᵀ · reshape(B, (T*R, N)) + reduce_sum(X, axes=[0, 1])
 *           + scatter_add(reshape(I, (T*R)), reshape(U, (T*R, N)))
 * </pre>
 * (no {@code acc_init +} when it is a zero {@code fill}). One GEMM over all steps' rows replaces
 * T small ones, and a backward scan left with only its state cotangents has no weight-sized carry
 * serialising its steps. Sums are order-free, so reverse scans are handled alike; a zero-length
 * scan stacks nothing and the sums are zero; masked scans keep their accumulators (a frozen
 * carry row is not a zeroed output row, see {@link Accumulators}). Symbolic T and R merge into a product dim
 * ({@link Dim#product}). The rewritten scan keeps its other carries and outputs in order and
 * appends the stacked factors; the dead in-loop contributions are left for dead-code
 * elimination. Assumes a verified graph. Scans nested in bodies are rewritten too, but each
 * scan is judged on its original body: an outer accumulator that adds an inner scan's final
 * carry is no sinkable form, and stays even when the inner scan's accumulator is sunk. Memory: the
 * stacked factors cost what the factors cost, (T, R, M) and (T, R, N); contributions of any other
 * form stay in the loop, as stacking them would cost T copies of the accumulator.
 */
public final class AccumulationSinking implements Pass {
    @Override
    public String name() {
        return "sink";
    }

    @Override
    public Graph run(Graph graph) {
        Builder b = new Builder();
        Map<Key, Value> env = Replay.graph(b, graph, new HashMap<>(), (n, e) -> sink(b, graph, n, e));
        Map<String, Value> results = new LinkedHashMap<>();
        for (int i = 0; i < graph.results().size(); i++) {
            results.put(graph.resultNames().get(i), env.get(Key.Orig.of(graph.results().get(i))));
        }
        return b.build(results);
    }

    /** Emits scan node n of graph g without its sinkable accumulators, then their totals. */
    private static void sink(Builder b, Graph g, Node n, Map<Key, Value> env) {
        ScanOp scan = (ScanOp) n.op();
        Graph body = scan.body();
        int nc = scan.numCarries();
        List<Value> operands = Replay.operands(n, env);
        Map<Integer, Sink> sunk = new LinkedHashMap<>();
        for (Decision d : Accumulators.of(scan)) {
            if (d instanceof Sink s) {
                sunk.put(s.carry(), s);
            }
        }
        List<Integer> kept = new ArrayList<>();
        for (int i = 0; i < nc; i++) {
            if (!sunk.containsKey(i)) {
                kept.add(i);
            }
        }
        List<Value> stacked = stackedFactors(body, nc, sunk.values());
        List<Value> init = kept.stream().map(operands::get).toList();
        String[] names = kept.stream().map(i -> Replay.carryNames(scan)[i]).toArray(String[]::new);
        ScanResult r = b.scan(Replay.options(scan, operands, scan.reverse()).carryNames(names), init, scan.split(operands).sequences(), (cs, ss) -> {
            Map<Key, Value> benv = bodyEnv(scan, kept, sunk.values(), cs, ss, operands);
            Replay.graph(b, body, benv, (m, e) -> sink(b, body, m, e));
            List<Value> carries = kept.stream().map(i -> benv.get(Key.Orig.of(body.results().get(i)))).toList();
            List<Value> outputs = new ArrayList<>();
            scan.splitResults(body.results()).outputs().forEach(v -> outputs.add(benv.get(Key.Orig.of(v))));
            stacked.forEach(v -> outputs.add(benv.get(Key.Orig.of(v))));
            return Step.of(carries, outputs);
        });
        for (int j = 0; j < kept.size(); j++) {
            env.put(new Key.Orig(n.id(), kept.get(j)), r.carries().get(j));
        }
        for (int j = 0; j < scan.numOutputs(); j++) {
            env.put(new Key.Orig(n.id(), nc + j), r.outputs().get(j));
        }
        Map<Value, Value> outer = outerFactors(body, nc, operands, r.outputs(), stacked);
        for (Sink s : sunk.values()) {
            Value total = total(b, s.terms(), outer);
            boolean zeroInit = g.node(n.inputs().get(s.carry()).node()).op() instanceof Fill f && f.value() == 0;
            env.put(new Key.Orig(n.id(), s.carry()), zeroInit ? total : b.add(operands.get(s.carry()), total));
        }
    }

    /** Factors the scan must newly output: not a slice param (its sequence is used), not already an output. */
    private static List<Value> stackedFactors(Graph body, int nc, Iterable<Sink> sunk) {
        Set<Value> out = new LinkedHashSet<>();
        List<Value> outputs = body.results().subList(nc, body.results().size());
        for (Sink s : sunk) {
            for (Term t : s.terms()) {
                for (Value f : t.factors()) {
                    if (!isSlice(body, f) && !outputs.contains(f)) {
                        out.add(f);
                    }
                }
            }
        }
        return List.copyOf(out);
    }

    private static boolean isSlice(Graph body, Value v) {
        return body.node(v.node()).op() instanceof Source s && s.kind() == Source.Kind.SLICE;
    }

    /** Each factor's values over all steps, (T, ...): its sequence, its existing output, or its new stacked output. */
    private static Map<Value, Value> outerFactors(Graph body, int nc, List<Value> operands, List<Value> outputs, List<Value> stacked) {
        Map<Value, Value> outer = new HashMap<>();
        List<Value> params = body.params();
        for (int i = 0; i < params.size(); i++) {
            if (isSlice(body, params.get(i))) {
                outer.put(params.get(i), operands.get(i));
            }
        }
        int numOutputs = body.results().size() - nc;
        for (int j = numOutputs - 1; j >= 0; j--) {
            outer.put(body.results().get(nc + j), outputs.get(j)); // the first output wins for a value returned twice
        }
        for (int k = 0; k < stacked.size(); k++) {
            outer.put(stacked.get(k), outputs.get(numOutputs + k));
        }
        return outer;
    }

    /**
     * The body's params for one step of the rewritten scan. The sunk carries and their update adds
     * are bound to null: {@link Replay} skips bound nodes, and nothing left in the body reads them.
     */
    private static Map<Key, Value> bodyEnv(ScanOp scan, List<Integer> kept, Iterable<Sink> sunk, List<Value> cs, List<Value> ss, List<Value> operands) {
        Map<Key, Value> env = new HashMap<>();
        List<Value> params = scan.body().params();
        for (int j = 0; j < kept.size(); j++) {
            env.put(Key.Orig.of(params.get(kept.get(j))), cs.get(j));
        }
        for (Sink s : sunk) {
            env.put(Key.Orig.of(params.get(s.carry())), null);
            s.update().forEach(id -> env.put(new Key.Orig(id, 0), null));
        }
        ScanOp.Operands<Value> bodyParams = scan.split(params);
        ScanOp.Operands<Value> in = scan.split(operands);
        for (int i = 0; i < bodyParams.sequences().size(); i++) {
            env.put(Key.Orig.of(bodyParams.sequences().get(i)), ss.get(i));
        }
        for (int i = 0; i < bodyParams.invariants().size(); i++) {
            env.put(Key.Orig.of(bodyParams.invariants().get(i)), in.invariants().get(i));
        }
        return env;
    }

    /** The sum over all steps of every term, one batched op per term. */
    private static Value total(Builder b, List<Term> terms, Map<Value, Value> outer) {
        Value total = null;
        for (Term t : terms) {
            Value sum;
            if (t instanceof Term.Outer o) {
                sum = b.matmul(rows(b, outer.get(o.a())), rows(b, outer.get(o.b())), true, false);
            } else if (t instanceof Term.Scatter sc) {
                sum = b.apply1(new ScatterAdd(sc.rows()), rows(b, outer.get(sc.indices())), rows(b, outer.get(sc.updates())));
                if (sc.transposed()) {
                    sum = b.transpose(sum, 1, 0);
                }
            } else {
                sum = b.sum(outer.get(((Term.RowSum) t).x()), 0, 1);
            }
            total = total == null ? sum : b.add(total, sum);
        }
        return total;
    }

    /** (T, R, ...) viewed as (T*R, ...): every step's rows in one tensor. */
    private static Value rows(Builder b, Value stacked) {
        Shape s = b.typeOf(stacked).shape();
        List<Dim> dims = new ArrayList<>();
        dims.add(Dim.product(s.dim(0), s.dim(1)));
        dims.addAll(s.dims().subList(2, s.rank()));
        return b.apply1(new Reshape(new Shape(dims)), stacked);
    }
}
