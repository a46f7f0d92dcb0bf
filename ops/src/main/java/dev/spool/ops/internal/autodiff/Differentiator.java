package dev.spool.ops.internal.autodiff;

import dev.spool.graph.Dim;
import dev.spool.graph.Graph;
import dev.spool.graph.GraphBuilder.ScanOptions;
import dev.spool.graph.GraphBuilder.ScanResult;
import dev.spool.graph.GraphBuilder.Step;
import dev.spool.graph.GraphException;
import dev.spool.graph.TensorType;
import dev.spool.graph.Value;
import dev.spool.graph.internal.Constant;
import dev.spool.graph.internal.Node;
import dev.spool.graph.internal.ScanOp;
import dev.spool.graph.internal.Source;
import dev.spool.ops.Builder;
import dev.spool.ops.internal.Forward;
import dev.spool.ops.internal.Primitive;
import dev.spool.ops.internal.rewrite.Key;
import dev.spool.ops.internal.rewrite.Replay;
import dev.spool.ops.internal.rewrite.TimeAxis;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * Builds forward and backward graph ops into one {@link Builder}.
 *
 * <p>Forward: the original graph is replayed node by node; each scan is replayed as an
 * <em>augmented</em> scan that also stacks, per step, the body values its VJP needs (its
 * residuals: carries as they entered the step, gate activations, ...). A masked scan with
 * residuals is augmented unmasked, masking its carries and outputs explicitly, so that residuals
 * are stacked as computed on every row and need not have the batch dim first.
 *
 * <p>Backward: nodes are visited in reverse, each primitive contributing its VJP rule. A scan
 * becomes a second scan in the opposite direction whose carries are the carry cotangents plus one
 * accumulator per invariant (the weight gradients, summed over steps) and whose sequences are the
 * output cotangents, the stacked residuals, the forward sequences the body reads, and the active-row
 * mask when the forward scan was masked. Inside it, the forward body's VJP is built against the
 * residual slices. A masked step passes the carry cotangent through unchanged for its inactive
 * rows and contributes nothing else for them.
 *
 * <p>Which residuals a scan needs is found by building its body's VJP once into a scratch builder
 * and recording what the rules ask for ({@link #plan}); nested scans nest this.
 */
final class Differentiator {
    private final Builder b;
    private final Map<Integer, Plan> plans;
    /** Scan nodes whose backward recomputes the body from stacked carries instead of reading residuals. */
    private final java.util.Set<Integer> recompute;

    /** The residuals of one scan node: body values (or inner residuals) stacked by the forward scan. */
    private record Plan(List<Key> stacked, List<Integer> sequencesRead, Map<Key, TensorType> types, java.util.Set<Key> loopInvariant) {
    }

    Differentiator(Builder b, java.util.Set<Integer> recompute) {
        this(b, new HashMap<>(), recompute);
    }

    private Differentiator(Builder b, Map<Integer, Plan> plans, java.util.Set<Integer> recompute) {
        this.b = b;
        this.plans = plans;
        this.recompute = recompute;
    }

    // Forward ----------------------------------------------------------------------------------

    /** Replays g into the builder, scans augmented with their residuals; env receives every key. */
    Map<Key, Value> replay(Graph g, Map<Key, Value> env) {
        return Replay.graph(b, g, env, this::replayScan);
    }

    private void replayScan(Node n, Map<Key, Value> env) {
        ScanOp scan = (ScanOp) n.op();
        int nc = scan.numCarries();
        int ns = scan.numSequences();
        Plan plan = plan(n);
        List<Value> operands = Replay.operands(n, env);
        ScanOp.Operands<Value> in = scan.split(operands);
        ScanResult r;
        if (scan.masking() == ScanOp.Masking.NONE || plan.stacked().isEmpty()) {
            r = b.scan(Replay.options(scan, operands, scan.reverse()), in.carries(), in.sequences(), (cs, ss) -> {
                Map<Key, Value> benv = replay(scan.body(), Replay.bodyEnv(scan, cs, ss, operands));
                return augmentedStep(scan, plan, benv, null, cs);
            });
        } else {
            // A masked scan would stack zeros on the inactive rows and could stack only batch-first
            // values, but the backward body needs every residual as computed, on every row (its VJP
            // at a zero residual can be 0 * inf). So the augmented scan runs unmasked with the active
            // rows as a sequence and applies the masking itself to carries and outputs only.
            List<Value> seqs = new ArrayList<>(in.sequences());
            seqs.add(TimeAxis.activeSteps(b, scan, in.mask()));
            ScanOptions opts = ScanOptions.DEFAULT.length(scan.length()).carryNames(Replay.carryNames(scan));
            if (scan.reverse()) {
                opts = opts.reverse();
            }
            r = b.scan(opts, in.carries(), seqs, (cs, ss) -> {
                Map<Key, Value> benv = replay(scan.body(), Replay.bodyEnv(scan, cs, ss.subList(0, ns), operands));
                return augmentedStep(scan, plan, benv, ss.get(ns), cs);
            });
        }
        Replay.bindOutputs(n, env, r);
        for (int k = 0; k < plan.stacked().size(); k++) {
            env.put(new Key.Residual(n.id(), k), r.outputs().get(scan.numOutputs() + k));
        }
    }

    /**
     * One step of an augmented scan: the body's carries and outputs, then its residuals. With
     * {@code active} (the step's active rows), an inactive row keeps its carry and outputs zeros,
     * as a masked scan does; the residuals are stacked as computed.
     */
    private Step augmentedStep(ScanOp scan, Plan plan, Map<Key, Value> benv, Value active, List<Value> carriesIn) {
        int nc = scan.numCarries();
        List<Value> results = scan.body().results().stream().map(v -> benv.get(Key.Orig.of(v))).toList();
        List<Value> carries = new ArrayList<>(results.subList(0, nc));
        List<Value> outputs = new ArrayList<>(results.subList(nc, results.size()));
        if (active != null) {
            for (int i = 0; i < nc; i++) {
                Value next = carries.get(i);
                carries.set(i, b.where(TimeAxis.rowsLike(b, active, next), next, carriesIn.get(i)));
            }
            for (int j = 0; j < outputs.size(); j++) {
                Value y = outputs.get(j);
                outputs.set(j, b.where(TimeAxis.rowsLike(b, active, y), y, b.scalar(0, b.typeOf(y).dtype())));
            }
        }
        for (Key k : plan.stacked()) {
            outputs.add(benv.get(k));
        }
        return Step.of(carries, outputs);
    }

    // Backward ---------------------------------------------------------------------------------

    /**
     * Accumulates cotangents from the results' {@code seeds} back through g; {@code fwd} gives the
     * forward value of a key in the builder's current scope. Returns every key's cotangent.
     */
    Map<Key, Value> backward(Graph g, Function<Key, Value> fwd, Map<Key, Value> seeds) {
        Map<Key, Value> cot = new HashMap<>(seeds);
        List<Node> nodes = g.nodes();
        for (int idx = nodes.size() - 1; idx >= 0; idx--) {
            Node n = nodes.get(idx);
            if (n.op() instanceof Source || n.op() instanceof Constant) {
                continue;
            }
            List<Value> outCot = new ArrayList<>();
            boolean any = false;
            for (int i = 0; i < n.outputs().size(); i++) {
                Value c = cot.get(new Key.Orig(n.id(), i));
                outCot.add(c);
                any |= c != null;
            }
            if (!any) {
                continue;
            }
            List<Value> inCot;
            if (n.op() instanceof ScanOp) {
                inCot = scanVjp(n, fwd, outCot);
            } else if (n.op() instanceof Primitive p) {
                inCot = p.vjp(b, view(n, fwd), outCot);
            } else {
                throw new GraphException(n.label(), "no gradient rule for op " + n.op().name());
            }
            for (int i = 0; i < n.inputs().size(); i++) {
                Value c = inCot.get(i);
                if (c != null) {
                    accumulate(cot, Key.Orig.of(n.inputs().get(i)), c);
                }
            }
        }
        return cot;
    }

    private void accumulate(Map<Key, Value> cot, Key k, Value c) {
        Value prev = cot.get(k);
        cot.put(k, prev == null ? c : b.add(prev, c));
    }

    private static Forward view(Node n, Function<Key, Value> fwd) {
        return new Forward() {
            @Override
            public int numInputs() {
                return n.inputs().size();
            }

            @Override
            public Value input(int i) {
                return fwd.apply(Key.Orig.of(n.inputs().get(i)));
            }

            @Override
            public Value output(int i) {
                return fwd.apply(new Key.Orig(n.id(), i));
            }

            @Override
            public TensorType inputType(int i) {
                return n.inputs().get(i).type();
            }

            @Override
            public TensorType outputType(int i) {
                return n.outputs().get(i);
            }
        };
    }

    /** The backward scan of scan node n; returns the cotangents of n's operands. */
    private List<Value> scanVjp(Node n, Function<Key, Value> fwd, List<Value> outCot) {
        ScanOp scan = (ScanOp) n.op();
        Graph body = scan.body();
        int nc = scan.numCarries();
        int ns = scan.numSequences();
        int ni = scan.numInvariants();
        int no = scan.numOutputs();
        Plan plan = plan(n);
        List<Value> params = body.params();

        // Carries of the backward scan: cotangents of the float carries, then one gradient accumulator per float invariant.
        List<Integer> fc = floats(params, 0, nc);
        List<Integer> fi = floats(params, nc + ns, ni);
        List<Value> init = new ArrayList<>();
        for (int i : fc) {
            init.add(outCot.get(i) != null ? outCot.get(i) : zeros(params.get(i).type()));
        }
        for (int i : fi) {
            init.add(zeros(scan.split(params).invariants().get(i).type()));
        }
        // Sequences: present output cotangents, stacked residuals, forward sequences the body reads, active rows.
        List<Integer> dys = new ArrayList<>();
        List<Value> seqs = new ArrayList<>();
        for (int j = 0; j < no; j++) {
            if (outCot.get(nc + j) != null) {
                dys.add(j);
                seqs.add(outCot.get(nc + j));
            }
        }
        for (int k = 0; k < plan.stacked().size(); k++) {
            seqs.add(fwd.apply(new Key.Residual(n.id(), k)));
        }
        for (int i : plan.sequencesRead()) {
            seqs.add(fwd.apply(Key.Orig.of(n.inputs().get(nc + i))));
        }
        boolean masked = scan.masking() != ScanOp.Masking.NONE;
        if (masked) {
            seqs.add(TimeAxis.activeSteps(b, scan, fwd.apply(Key.Orig.of(n.inputs().get(n.inputs().size() - 1)))));
        }
        List<Value> invariants = new ArrayList<>();
        for (int i = 0; i < ni; i++) {
            invariants.add(null);
        }

        ScanOptions opts = ScanOptions.DEFAULT.length(scan.length());
        if (!scan.reverse()) {
            opts = opts.reverse();
        }
        ScanResult r = b.scan(opts, init, seqs, (cs, ss) -> {
            Map<Key, Value> slices = new HashMap<>();
            int at = dys.size();
            for (Key k : plan.stacked()) {
                slices.put(k, ss.get(at++));
            }
            for (int i : plan.sequencesRead()) {
                slices.put(Key.Orig.of(params.get(nc + i)), ss.get(at++));
            }
            Value active = masked ? ss.get(at) : null;
            Function<Key, Value> bodyFwd;
            if (recompute.contains(n.id())) {
                Map<Key, Value> benv = new HashMap<>(slices);
                List<Value> invariantParams = scan.split(params).invariants();
                List<Value> invariantOperands = scan.split(n.inputs()).invariants();
                for (int i = 0; i < ni; i++) {
                    benv.put(Key.Orig.of(invariantParams.get(i)), fwd.apply(Key.Orig.of(invariantOperands.get(i))));
                }
                replay(body, benv);
                bodyFwd = benv::get;
            } else {
                Map<Key, Value> recomputed = new HashMap<>();
                bodyFwd = new Function<>() {
                    @Override
                    public Value apply(Key k) {
                        Value v = slices.get(k);
                        if (v != null) {
                            return v;
                        }
                        int inv = invariantIndex(body, k, nc + ns);
                        if (inv >= 0) {
                            if (invariants.get(inv) == null) {
                                invariants.set(inv, fwd.apply(Key.Orig.of(n.inputs().get(nc + ns + inv))));
                            }
                            return invariants.get(inv);
                        }
                        if (plan.loopInvariant().contains(k)) {
                            Value r = recomputed.get(k);
                            if (r == null) {
                                Node m = body.node(((Key.Orig) k).node());
                                Value[] ins = m.inputs().stream().map(x -> apply(Key.Orig.of(x))).toArray(Value[]::new);
                                r = m.op() instanceof Constant c ? b.constant(c.value()) : b.apply(m.op(), ins).get(((Key.Orig) k).index());
                                recomputed.put(k, r);
                            }
                            return r;
                        }
                        throw new IllegalStateException("residual " + k + " of " + n.label() + " was not planned");
                    }
                };
            }
            Map<Key, Value> seeds = new HashMap<>();
            for (int c = 0; c < fc.size(); c++) {
                Value dc = cs.get(c);
                accumulateSeed(seeds, body.results().get(fc.get(c)), masked ? onActive(active, dc, true) : dc);
            }
            for (int d = 0; d < dys.size(); d++) {
                Value dy = ss.get(d);
                accumulateSeed(seeds, body.results().get(nc + dys.get(d)), masked ? onActive(active, dy, true) : dy);
            }
            Map<Key, Value> bc = backward(body, bodyFwd, seeds);
            List<Value> nextCarries = new ArrayList<>();
            for (int c = 0; c < fc.size(); c++) {
                Value param = params.get(fc.get(c));
                Value d = bc.get(Key.Orig.of(param));
                if (masked) {
                    Value frozen = onActive(active, cs.get(c), false);
                    d = d == null ? frozen : b.add(d, frozen);
                }
                nextCarries.add(d != null ? d : zeros(param.type()));
            }
            for (int w = 0; w < fi.size(); w++) {
                Value d = bc.get(Key.Orig.of(params.get(nc + ns + fi.get(w))));
                Value acc = cs.get(fc.size() + w);
                nextCarries.add(d == null ? acc : b.add(acc, d));
            }
            List<Value> dxs = new ArrayList<>();
            for (int i = 0; i < ns; i++) {
                Value param = params.get(nc + i);
                Value d = bc.get(Key.Orig.of(param));
                dxs.add(d != null ? d : zeros(param.type()));
            }
            return Step.of(nextCarries, dxs);
        });

        List<Value> inCot = new ArrayList<>();
        for (int i = 0; i < n.inputs().size(); i++) {
            inCot.add(null);
        }
        for (int c = 0; c < fc.size(); c++) {
            inCot.set(fc.get(c), r.carries().get(c));
        }
        for (int w = 0; w < fi.size(); w++) {
            inCot.set(nc + ns + fi.get(w), r.carries().get(fc.size() + w));
        }
        for (int i = 0; i < ns; i++) {
            if (params.get(nc + i).dtype().isFloat()) {
                inCot.set(nc + i, r.outputs().get(i));
            }
        }
        return inCot;
    }

    private void accumulateSeed(Map<Key, Value> seeds, Value result, Value c) {
        accumulate(seeds, Key.Orig.of(result), c);
    }

    /** v on the active rows (zeros elsewhere) when {@code keepActive}, else v on the inactive rows. */
    private Value onActive(Value active, Value v, boolean keepActive) {
        Value rows = TimeAxis.rowsLike(b, active, v);
        Value zero = b.scalar(0, b.typeOf(v).dtype());
        return keepActive ? b.where(rows, v, zero) : b.where(rows, zero, v);
    }

    private Value zeros(TensorType t) {
        return b.fill(0, t.dtype(), t.shape().dims().toArray());
    }

    private static List<Integer> floats(List<Value> params, int from, int count) {
        List<Integer> out = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            if (params.get(from + i).dtype().isFloat()) {
                out.add(i);
            }
        }
        return out;
    }

    private static int invariantIndex(Graph body, Key k, int firstInvariant) {
        if (k instanceof Key.Orig o && o.index() == 0 && body.contains(o.node())
                && body.node(o.node()).op() instanceof Source s && s.kind() == Source.Kind.INVARIANT) {
            return body.params().indexOf(body.node(o.node()).output(0)) - firstInvariant;
        }
        return -1;
    }

    // Residual planning ------------------------------------------------------------------------

    /**
     * Which body values the backward scan of n reads: found by building the body's VJP into a
     * scratch builder whose forward values are placeholders that record every request.
     */
    private Plan plan(Node n) {
        Plan cached = plans.get(n.id());
        if (cached != null) {
            return cached;
        }
        ScanOp scan = (ScanOp) n.op();
        Graph body = scan.body();
        int nc = scan.numCarries();
        int ns = scan.numSequences();
        if (recompute.contains(n.id())) {
            // Only the carries entering each step are kept; the backward body replays the forward body from them.
            List<Key> stacked = new ArrayList<>();
            Map<Key, TensorType> types = new HashMap<>();
            for (int i = 0; i < nc; i++) {
                Key k = Key.Orig.of(body.params().get(i));
                stacked.add(k);
                types.put(k, body.params().get(i).type());
            }
            Plan plan = new Plan(stacked, java.util.stream.IntStream.range(0, ns).boxed().toList(), types, java.util.Set.of());
            plans.put(n.id(), plan);
            return plan;
        }
        Builder scratch = new Builder();
        Differentiator sd = new Differentiator(scratch, plans, recompute);
        // Placeholders are made up front, at the scratch graph's top level: a rule may ask for a
        // value while the scratch builder is inside a nested backward scan.
        Map<Key, Value> placeholders = new HashMap<>();
        Map<Key, TensorType> types = new HashMap<>();
        for (Node m : body.nodes()) {
            for (int i = 0; i < m.outputs().size(); i++) {
                addPlaceholder(scratch, placeholders, types, new Key.Orig(m.id(), i), m.outputs().get(i));
            }
            if (m.op() instanceof ScanOp) {
                for (int k = 0; k < plan(m).stacked().size(); k++) {
                    Key key = new Key.Residual(m.id(), k);
                    addPlaceholder(scratch, placeholders, types, key, typeOf(body, key));
                }
            }
        }
        LinkedHashSet<Key> requested = new LinkedHashSet<>();
        Function<Key, Value> recorder = k -> {
            requested.add(k);
            return placeholders.get(k);
        };
        Map<Key, Value> seeds = new HashMap<>();
        for (Value res : body.results()) {
            if (res.dtype().isFloat() && !seeds.containsKey(Key.Orig.of(res))) {
                seeds.put(Key.Orig.of(res), scratch.input("seed" + seeds.size(), res.dtype(), res.shape().dims().toArray()));
            }
        }
        sd.backward(body, recorder, seeds);
        List<Key> stacked = new ArrayList<>();
        List<Integer> sequencesRead = new ArrayList<>();
        java.util.Set<Key> loopInvariant = loopInvariant(body);
        for (Key k : requested) {
            int p = paramIndex(body, k);
            if (p >= nc && p < nc + ns) {
                sequencesRead.add(p - nc);
            } else if (p < nc + ns && !loopInvariant.contains(k)) {
                // Values computed from invariants alone are recomputed in the backward body instead:
                // stacking them would waste T copies.
                stacked.add(k);
            }
        }
        Plan plan = new Plan(stacked, sequencesRead, types, loopInvariant);
        plans.put(n.id(), plan);
        return plan;
    }

    private static void addPlaceholder(Builder scratch, Map<Key, Value> placeholders, Map<Key, TensorType> types, Key k, TensorType t) {
        types.put(k, t);
        placeholders.put(k, scratch.input("r" + placeholders.size(), t.dtype(), t.shape().dims().toArray()));
    }

    /** Body values computed from invariants and constants only (the same at every step). */
    private static java.util.Set<Key> loopInvariant(Graph body) {
        java.util.Set<Key> inv = new java.util.HashSet<>();
        for (Node m : body.nodes()) {
            boolean invariant = m.op() instanceof Source s ? s.kind() == Source.Kind.INVARIANT
                    : m.op() instanceof Constant || (m.op() instanceof Primitive && m.inputs().stream().allMatch(v -> inv.contains(Key.Orig.of(v))));
            if (invariant) {
                for (int i = 0; i < m.outputs().size(); i++) {
                    inv.add(new Key.Orig(m.id(), i));
                }
            }
        }
        return inv;
    }

    /** Index of k among the body's params, -1 for an inner value; invariants count too. */
    private static int paramIndex(Graph body, Key k) {
        if (k instanceof Key.Orig o && o.index() == 0 && body.contains(o.node()) && body.node(o.node()).op() instanceof Source) {
            return body.params().indexOf(body.node(o.node()).output(0));
        }
        return -1;
    }

    private TensorType typeOf(Graph body, Key k) {
        if (k instanceof Key.Orig o) {
            return body.node(o.node()).outputs().get(o.index());
        }
        Key.Residual r = (Key.Residual) k;
        Node inner = body.node(r.scan());
        Plan p = plan(inner);
        TensorType t = p.types().get(p.stacked().get(r.k()));
        Dim len = ((ScanOp) inner.op()).length();
        return new TensorType(t.dtype(), t.shape().prepend(len));
    }
}
