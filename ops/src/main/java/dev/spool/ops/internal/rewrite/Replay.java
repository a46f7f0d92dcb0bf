package dev.spool.ops.internal.rewrite;

import dev.spool.graph.Graph;
import dev.spool.graph.GraphBuilder.ScanOptions;
import dev.spool.graph.GraphBuilder.ScanResult;
import dev.spool.graph.GraphBuilder.Step;
import dev.spool.graph.Value;
import dev.spool.graph.internal.Constant;
import dev.spool.graph.internal.Node;
import dev.spool.graph.internal.ScanOp;
import dev.spool.graph.internal.Source;
import dev.spool.ops.Builder;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Re-emits a graph's nodes into a builder, mapping each original value to its copy. Nodes whose
 * value the caller already bound are skipped; unbound sources become inputs/parameters of the same name; scans go to a {@link ScanEmitter},
 * so a transformation (differentiation, chunking) changes only how scans are emitted.
 */
public final class Replay {
    private Replay() {
    }

    /** Emits one scan node, binding its outputs in env. */
    public interface ScanEmitter {
        void emit(Node scan, Map<Key, Value> env);
    }

    public static Map<Key, Value> graph(Builder b, Graph g, Map<Key, Value> env, ScanEmitter scans) {
        for (Node n : g.nodes()) {
            node(b, n, env, scans);
        }
        return env;
    }

    /** Emits one node (skipped when the caller bound its value already), binding its outputs in env. */
    public static void node(Builder b, Node n, Map<Key, Value> env, ScanEmitter scans) {
        if (!n.outputs().isEmpty() && env.containsKey(new Key.Orig(n.id(), 0))) {
            return; // bound by the caller: a param, or a value a rewrite computed elsewhere
        }
        if (n.op() instanceof Source src) {
            Object[] dims = src.type().shape().dims().toArray();
            Value v = src.kind() == Source.Kind.PARAMETER ? b.parameter(src.label(), src.type().dtype(), dims)
                    : b.input(src.label(), src.type().dtype(), dims);
            env.put(new Key.Orig(n.id(), 0), v);
        } else if (n.op() instanceof Constant c) {
            env.put(new Key.Orig(n.id(), 0), b.constant(c.value()));
        } else if (n.op() instanceof ScanOp) {
            scans.emit(n, env);
        } else {
            List<Value> outs = b.apply(n.op(), operands(n, env).toArray(Value[]::new));
            for (int i = 0; i < outs.size(); i++) {
                env.put(new Key.Orig(n.id(), i), outs.get(i));
            }
        }
    }

    /** Emits the nodes of one graph scope (a top-level graph or a scan body) into a builder. */
    public interface ScopeEmitter {
        void emit(Builder b, Graph g, Map<Key, Value> env);
    }

    /**
     * Rebuilds a whole graph, each scope (the top level and, recursively, every scan body) emitted
     * by {@code scope}, which recurses into scans through {@link #scanWith}.
     */
    public static Graph rewrite(Graph g, ScopeEmitter scope) {
        Builder b = new Builder();
        Map<Key, Value> env = new HashMap<>();
        scope.emit(b, g, env);
        Map<String, Value> results = new java.util.LinkedHashMap<>();
        for (int i = 0; i < g.results().size(); i++) {
            results.put(g.resultNames().get(i), env.get(Key.Orig.of(g.results().get(i))));
        }
        return b.build(results);
    }

    /** A scan emitter that keeps the scan and emits its body with {@code scope}. */
    public static ScanEmitter scanWith(Builder b, ScopeEmitter scope) {
        return (n, env) -> {
            ScanOp scan = (ScanOp) n.op();
            List<Value> operands = operands(n, env);
            ScanOp.Operands<Value> in = scan.split(operands);
            ScanResult r = b.scan(options(scan, operands, scan.reverse()), in.carries(), in.sequences(), (cs, ss) -> {
                Map<Key, Value> benv = bodyEnv(scan, cs, ss, operands);
                scope.emit(b, scan.body(), benv);
                ScanOp.Results<Value> results = scan.splitResults(scan.body().results().stream().map(v -> benv.get(Key.Orig.of(v))).toList());
                return Step.of(results.carries(), results.outputs());
            });
            bindOutputs(n, env, r);
        };
    }

    public static List<Value> operands(Node n, Map<Key, Value> env) {
        return n.inputs().stream().map(v -> env.get(Key.Orig.of(v))).toList();
    }

    /**
     * Binds a body's params for one step: carries and slices to the step function's params,
     * invariants to the scan's (outer) operands, which the builder imports as invariants.
     */
    public static Map<Key, Value> bodyEnv(ScanOp scan, List<Value> carries, List<Value> slices, List<Value> operands) {
        Map<Key, Value> env = new HashMap<>();
        ScanOp.Operands<Value> params = scan.split(scan.body().params());
        List<Value> invariants = scan.split(operands).invariants();
        for (int i = 0; i < params.carries().size(); i++) {
            env.put(Key.Orig.of(params.carries().get(i)), carries.get(i));
        }
        for (int i = 0; i < params.sequences().size(); i++) {
            env.put(Key.Orig.of(params.sequences().get(i)), slices.get(i));
        }
        for (int i = 0; i < invariants.size(); i++) {
            env.put(Key.Orig.of(params.invariants().get(i)), invariants.get(i));
        }
        return env;
    }

    /** The options of a scan as the builder takes them, with its masking operand and carry names. */
    public static ScanOptions options(ScanOp scan, List<Value> operands, boolean reverse) {
        ScanOptions opts = ScanOptions.DEFAULT.length(scan.length());
        if (reverse) {
            opts = opts.reverse();
        }
        Value m = scan.masking() == ScanOp.Masking.NONE ? null : operands.get(operands.size() - 1);
        if (scan.masking() == ScanOp.Masking.LENGTHS) {
            opts = opts.lengths(m);
        } else if (scan.masking() == ScanOp.Masking.MASK) {
            opts = opts.mask(m);
        }
        return opts.carryNames(carryNames(scan));
    }

    public static String[] carryNames(ScanOp scan) {
        List<String> names = new ArrayList<>();
        for (int i = 0; i < scan.numCarries(); i++) {
            names.add(scan.body().source(scan.body().params().get(i)).label());
        }
        return names.toArray(String[]::new);
    }

    /** Emits a scan unchanged (its body replayed the same way). */
    public static void plainScan(Builder b, Node n, Map<Key, Value> env) {
        scanWith(b, (bb, body, benv) -> graph(bb, body, benv, (m, e) -> plainScan(bb, m, e))).emit(n, env);
    }

    public static void bindOutputs(Node n, Map<Key, Value> env, ScanResult r) {
        int nc = r.carries().size();
        for (int i = 0; i < nc; i++) {
            env.put(new Key.Orig(n.id(), i), r.carries().get(i));
        }
        for (int j = 0; j < ((ScanOp) n.op()).numOutputs(); j++) {
            env.put(new Key.Orig(n.id(), nc + j), r.outputs().get(j));
        }
    }
}
