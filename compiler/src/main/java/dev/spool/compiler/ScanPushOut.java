package dev.spool.compiler;

import dev.spool.graph.Graph;
import dev.spool.graph.GraphBuilder.ScanResult;
import dev.spool.graph.GraphBuilder.Step;
import dev.spool.graph.TensorType;
import dev.spool.graph.Value;
import dev.spool.graph.internal.Node;
import dev.spool.graph.internal.ScanOp;
import dev.spool.graph.internal.Source;
import dev.spool.ops.Builder;
import dev.spool.ops.internal.MatMul;
import dev.spool.ops.internal.OpCode;
import dev.spool.ops.internal.OpKind;
import dev.spool.ops.internal.Primitive;
import dev.spool.ops.internal.rewrite.Key;
import dev.spool.ops.internal.rewrite.Replay;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Scan push-out: body work that does not depend on the carries leaves the loop. A body node whose
 * inputs come only from invariants is computed once before the scan (loop-invariant code motion).
 * A contraction or lookup that also reads per-step slices — a matmul of a per-step rank-2 left
 * operand by an invariant rank-2 right one, a one-hot of per-step indices, a gather from an
 * invariant table — is computed for all steps at once on the stacked sequences, with the per-step
 * pointwise work it reads, and enters the body as a new sequence: the input projection
 * {@code x_t W^T} of every step becomes one GEMM over (T·B, I), or one row lookup for one-hot
 * inputs. Other per-step pointwise work stays in the loop, where fusion folds it into the step's
 * kernels. Top-level scans only; semantics (reverse, masks) are unchanged since masked steps
 * discard whatever the pushed-out work computed for them.
 */
public final class ScanPushOut implements Pass {

    /** How a body value depends on the loop. */
    private enum Dep { INVARIANT, PER_STEP, CARRIED }

    @Override
    public String name() {
        return "pushout";
    }

    @Override
    public Graph run(Graph graph) {
        Builder b = new Builder();
        Map<Key, Value> env = Replay.graph(b, graph, new HashMap<>(), (n, e) -> pushOut(b, n, e));
        Map<String, Value> results = new LinkedHashMap<>();
        for (int i = 0; i < graph.results().size(); i++) {
            results.put(graph.resultNames().get(i), env.get(Key.Orig.of(graph.results().get(i))));
        }
        return b.build(results);
    }

    private static void pushOut(Builder b, Node n, Map<Key, Value> env) {
        ScanOp scan = (ScanOp) n.op();
        Graph body = scan.body();
        int nc = scan.numCarries();
        int ns = scan.numSequences();
        List<Value> operands = Replay.operands(n, env);
        ScanOp.Operands<Value> in = scan.split(operands);
        ScanOp.Operands<Value> params = scan.split(body.params());
        Map<Key, Dep> dep = classify(body, nc, ns);
        // Outer values standing for body values: stacked (T, ...) for PER_STEP, plain for INVARIANT.
        Map<Key, Value> outer = new HashMap<>();
        for (int i = 0; i < ns; i++) {
            outer.put(Key.Orig.of(params.sequences().get(i)), in.sequences().get(i));
        }
        for (int i = 0; i < scan.numInvariants(); i++) {
            outer.put(Key.Orig.of(params.invariants().get(i)), in.invariants().get(i));
        }
        java.util.Set<Key> batched = batchedWork(body, dep);
        List<Key> moved = new ArrayList<>();
        for (Node m : body.nodes()) {
            Key key = new Key.Orig(m.id(), 0);
            if (m.outputs().size() == 1 && (dep.get(key) == Dep.INVARIANT || batched.contains(key)) && m.op() instanceof Primitive) {
                List<Value> ins = m.inputs().stream().map(v -> outer.get(Key.Orig.of(v))).toList();
                Key k = new Key.Orig(m.id(), 0);
                outer.put(k, b.apply1(m.op(), ins.toArray(Value[]::new)));
                moved.add(k);
            }
        }
        // Moved per-step values that the remaining body reads become new sequences.
        List<Key> newSeqs = new ArrayList<>();
        for (Key k : moved) {
            if (dep.get(k) == Dep.PER_STEP && readInLoop(body, k, moved)) {
                newSeqs.add(k);
            }
        }
        List<Value> seqs = new ArrayList<>(in.sequences());
        newSeqs.forEach(k -> seqs.add(outer.get(k)));
        ScanResult r = b.scan(Replay.options(scan, operands, scan.reverse()), in.carries(), seqs, (cs, ss) -> {
            Map<Key, Value> benv = Replay.bodyEnv(scan, cs, ss.subList(0, ns), operands);
            for (int j = 0; j < newSeqs.size(); j++) {
                benv.put(newSeqs.get(j), ss.get(ns + j));
            }
            for (Key k : moved) {
                if (dep.get(k) == Dep.INVARIANT) {
                    benv.put(k, outer.get(k));
                }
            }
            Replay.graph(b, body, benv, (m, e) -> Replay.plainScan(b, m, e));
            ScanOp.Results<Value> res = scan.splitResults(body.results().stream().map(v -> benv.get(Key.Orig.of(v))).toList());
            return Step.of(res.carries(), res.outputs());
        });
        Replay.bindOutputs(n, env, r);
    }

    /** Per value: INVARIANT, PER_STEP (movable, batched over time) or CARRIED (stays in the loop). */
    private static Map<Key, Dep> classify(Graph body, int nc, int ns) {
        Map<Key, Dep> dep = new HashMap<>();
        for (Node m : body.nodes()) {
            Dep d;
            if (m.op() instanceof Source src) {
                d = src.kind() == Source.Kind.CARRY ? Dep.CARRIED : src.kind() == Source.Kind.SLICE ? Dep.PER_STEP : Dep.INVARIANT;
            } else if (!(m.op() instanceof Primitive p) || m.outputs().size() != 1) {
                d = Dep.CARRIED; // constants and nested scans stay where they are
            } else {
                d = Dep.INVARIANT;
                for (Value in : m.inputs()) {
                    Dep di = dep.get(Key.Orig.of(in));
                    if (di == Dep.CARRIED) {
                        d = Dep.CARRIED;
                    } else if (di == Dep.PER_STEP && d == Dep.INVARIANT) {
                        d = Dep.PER_STEP;
                    }
                }
                if (d == Dep.PER_STEP && !batchesOverTime(p, m, dep)) {
                    d = Dep.CARRIED;
                }
            }
            for (int i = 0; i < m.outputs().size(); i++) {
                dep.put(new Key.Orig(m.id(), i), d);
            }
        }
        return dep;
    }

    /**
     * The per-step work worth batching over all steps: the contractions and lookups (matmul, one-hot,
     * gather) and the per-step values they read. Per-step elementwise work feeding nothing of the kind
     * stays in the loop, where fusion computes it with the step's other elementwise work in one pass
     * instead of materialising it over (T, B, ...).
     */
    private static java.util.Set<Key> batchedWork(Graph body, Map<Key, Dep> dep) {
        java.util.Set<Key> out = new java.util.HashSet<>();
        List<Node> nodes = body.nodes();
        for (int i = nodes.size() - 1; i >= 0; i--) {
            Node m = nodes.get(i);
            Key k = new Key.Orig(m.id(), 0);
            if (dep.get(k) != Dep.PER_STEP || !(m.op() instanceof Primitive p)) {
                continue;
            }
            if (p.kind() != OpKind.ELEMENTWISE || out.contains(k)) {
                out.add(k);
                for (Value in : m.inputs()) {
                    out.add(Key.Orig.of(in));
                }
            }
        }
        out.removeIf(k -> dep.get(k) != Dep.PER_STEP);
        return out;
    }

    /** Whether computing m on (T, ...) stacked per-step operands gives the stacked per-step results. */
    private static boolean batchesOverTime(Primitive p, Node m, Map<Key, Dep> dep) {
        if (p.kind() == OpKind.ELEMENTWISE) {
            int stepRank = -1;
            int maxInvariantRank = 0;
            for (Value in : m.inputs()) {
                int rank = in.type().rank();
                if (dep.get(Key.Orig.of(in)) == Dep.PER_STEP) {
                    if (stepRank >= 0 && rank != stepRank) {
                        return false; // (T, B, H) against (T, H) would broadcast T against B
                    }
                    stepRank = rank;
                } else {
                    maxInvariantRank = Math.max(maxInvariantRank, rank);
                }
            }
            return maxInvariantRank <= stepRank;
        }
        if (p.code() == OpCode.ONE_HOT) {
            return true; // one_hot(i_t) for all t is one_hot of the stacked indices
        }
        if (p.code() == OpCode.GATHER) {
            // Rows of an invariant table picked by per-step indices: one gather of the stacked indices.
            return dep.get(Key.Orig.of(m.inputs().get(0))) == Dep.INVARIANT;
        }
        if (p instanceof MatMul mm) {
            TensorType a = m.inputs().get(0).type();
            TensorType w = m.inputs().get(1).type();
            return !mm.transA() && a.rank() == 2 && w.rank() == 2 && dep.get(Key.Orig.of(m.inputs().get(0))) == Dep.PER_STEP
                    && dep.get(Key.Orig.of(m.inputs().get(1))) == Dep.INVARIANT;
        }
        return false;
    }

    /** Whether a body node that stays in the loop, or a body result, reads k. */
    private static boolean readInLoop(Graph body, Key k, List<Key> moved) {
        for (Value r : body.results()) {
            if (Key.Orig.of(r).equals(k)) {
                return true;
            }
        }
        for (Node m : body.nodes()) {
            if (!moved.contains(new Key.Orig(m.id(), 0)) && m.inputs().stream().anyMatch(v -> Key.Orig.of(v).equals(k))) {
                return true;
            }
        }
        return false;
    }
}
