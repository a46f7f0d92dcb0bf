package dev.spool.ops.rewrite;

import dev.spool.graph.Constant;
import dev.spool.graph.GraphBuilder.ScanOptions;
import dev.spool.graph.GraphBuilder.ScanResult;
import dev.spool.graph.GraphBuilder.Step;
import dev.spool.graph.Graph;
import dev.spool.graph.Node;
import dev.spool.graph.ScanOp;
import dev.spool.graph.Source;
import dev.spool.graph.Value;
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
            if (!n.outputs().isEmpty() && env.containsKey(new Key.Orig(n.id(), 0))) {
                continue; // bound by the caller: a param, or a value a rewrite computed elsewhere
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
        return env;
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
        List<Value> params = scan.body().params();
        int nc = scan.numCarries();
        int ns = scan.numSequences();
        for (int i = 0; i < nc; i++) {
            env.put(Key.Orig.of(params.get(i)), carries.get(i));
        }
        for (int i = 0; i < ns; i++) {
            env.put(Key.Orig.of(params.get(nc + i)), slices.get(i));
        }
        for (int i = 0; i < scan.numInvariants(); i++) {
            env.put(Key.Orig.of(params.get(nc + ns + i)), operands.get(nc + ns + i));
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
        ScanOp scan = (ScanOp) n.op();
        int nc = scan.numCarries();
        int ns = scan.numSequences();
        List<Value> operands = operands(n, env);
        ScanResult r = b.scan(options(scan, operands, scan.reverse()), operands.subList(0, nc), operands.subList(nc, nc + ns), (cs, ss) -> {
            Map<Key, Value> benv = graph(b, scan.body(), bodyEnv(scan, cs, ss, operands), (m, e) -> plainScan(b, m, e));
            List<Value> results = scan.body().results().stream().map(v -> benv.get(Key.Orig.of(v))).toList();
            return Step.of(results.subList(0, nc), results.subList(nc, results.size()));
        });
        bindOutputs(n, env, r);
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
