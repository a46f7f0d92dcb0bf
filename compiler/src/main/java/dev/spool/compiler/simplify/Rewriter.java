package dev.spool.compiler.simplify;

import dev.spool.graph.Graph;
import dev.spool.graph.GraphBuilder.ScanResult;
import dev.spool.graph.GraphBuilder.Step;
import dev.spool.graph.Tensor;
import dev.spool.graph.TensorType;
import dev.spool.graph.Value;
import dev.spool.graph.internal.Constant;
import dev.spool.graph.internal.DimUnifier;
import dev.spool.graph.internal.Node;
import dev.spool.graph.internal.Op;
import dev.spool.graph.internal.ScanOp;
import dev.spool.graph.internal.Source;
import dev.spool.ops.Builder;
import dev.spool.ops.internal.Fill;
import dev.spool.ops.internal.OpCode;
import dev.spool.ops.internal.Primitive;
import dev.spool.ops.internal.rewrite.Key;
import dev.spool.ops.internal.rewrite.Replay;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Deque;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalDouble;
import java.util.TreeMap;

/**
 * One bottom-up round of rule rewriting: re-emits a graph into a fresh {@link Builder} in
 * topological order, and every node, before it is created, goes through the rules of its op code
 * (first match wins; the replacement is emitted the same way, so rules compose) and then through
 * common-subexpression elimination against the nodes already emitted in the same scope (constants
 * keyed by content; scans never merged). Scan bodies are rewritten recursively inside the rebuilt
 * scan; a body node whose input is a scan invariant sees the outer value behind it, so rules match
 * across the loop boundary and the builder re-imports what the rewritten body still reads.
 *
 * <p>Rules see the rewritten graph through {@link #def} (a value's producing op and inputs; none
 * for params, scan outputs and invariants the builder imported) and create nodes only through
 * {@link #emit}.
 */
public final class Rewriter {
    /** Nested rule applications per emitted node before the rules are declared non-terminating. */
    private static final int MAX_DEPTH = 200;

    private final Builder b = new Builder();
    private final Map<OpCode, List<Rule>> rules = new HashMap<>();
    private final List<SequenceRule> sequenceRules;
    private final Map<Integer, Def> defs = new HashMap<>();
    private final Deque<Map<Object, Value>> scopes = new ArrayDeque<>();
    private final Map<String, Integer> fired = new TreeMap<>();
    private int depth;

    /** The op and inputs that produced a value in the rewritten graph. */
    public record Def(Op op, List<Value> inputs) {
    }

    /** A round's graph and how often each rule (and {@code cse}) fired; none fired at a fixpoint. */
    public record Round(Graph graph, Map<String, Integer> fired) {
        public int changes() {
            return fired.values().stream().mapToInt(Integer::intValue).sum();
        }
    }

    private Rewriter(List<Rule> rules, List<SequenceRule> sequenceRules) {
        for (Rule r : rules) {
            this.rules.computeIfAbsent(r.on(), k -> new ArrayList<>()).add(r);
        }
        this.sequenceRules = List.copyOf(sequenceRules);
    }

    public static Round run(Graph g, List<Rule> rules, List<SequenceRule> sequenceRules) {
        Rewriter rw = new Rewriter(rules, sequenceRules);
        rw.scopes.push(new HashMap<>());
        Map<Key, Value> env = rw.walk(g, new HashMap<>());
        Map<String, Value> results = new LinkedHashMap<>();
        for (int i = 0; i < g.results().size(); i++) {
            results.put(g.resultNames().get(i), env.get(Key.Orig.of(g.results().get(i))));
        }
        return new Round(rw.b.build(results), Map.copyOf(rw.fired));
    }

    // What rules may ask -------------------------------------------------------------------------

    /** The producer of v in the rewritten graph, or null for a param, scan output or imported invariant. */
    public Def def(Value v) {
        return defs.get(v.node());
    }

    /** The producer's op if it is a {@code cls}, else null. */
    public <T extends Op> T producer(Value v, Class<T> cls) {
        Def d = def(v);
        return d != null && cls.isInstance(d.op()) ? cls.cast(d.op()) : null;
    }

    /** Input i of v's producer (call after {@link #producer} matched). */
    public Value input(Value v, int i) {
        return def(v).inputs().get(i);
    }

    public TensorType type(Value v) {
        return b.typeOf(v);
    }

    /** The type {@code op} would give {@code inputs}, without emitting it. */
    public TensorType resultType(Primitive op, List<Value> inputs) {
        return op.infer(inputs.stream().map(this::type).toList(), new DimUnifier()).get(0);
    }

    /** The single value every element of v has, when v is a fill or a constant with all elements equal. */
    public OptionalDouble uniformValue(Value v) {
        Fill f = producer(v, Fill.class);
        if (f != null) {
            return OptionalDouble.of(f.value());
        }
        Constant c = producer(v, Constant.class);
        if (c == null || c.value().size() == 0) {
            return OptionalDouble.empty();
        }
        double first = c.value().getDouble(0);
        for (int i = 1; i < c.value().size(); i++) {
            if (Double.compare(c.value().getDouble(i), first) != 0) {
                return OptionalDouble.empty();
            }
        }
        return OptionalDouble.of(first);
    }

    // Emission -------------------------------------------------------------------------------------

    public Value emit(Op op, Value... inputs) {
        return emit(op, Arrays.asList(inputs));
    }

    /** The simplified value of {@code op(inputs)}: a rule's replacement, an equal earlier node, or a new node. */
    public Value emit(Op op, List<Value> inputs) {
        if (op instanceof Primitive p) {
            if (++depth > MAX_DEPTH) {
                throw new IllegalStateException("simplify: rules do not terminate on " + op.name() + " (more than "
                        + MAX_DEPTH + " nested rewrites)");
            }
            try {
                for (Rule r : rules.getOrDefault(p.code(), List.of())) {
                    Value v = r.rewrite().apply(this, p, inputs);
                    if (v != null) {
                        fired.merge(r.name(), 1, Integer::sum);
                        return v;
                    }
                }
            } finally {
                depth--;
            }
        }
        Object key = key(op, inputs);
        Value seen = scopes.peek().get(key);
        if (seen != null) {
            fired.merge("cse", 1, Integer::sum);
            return seen;
        }
        Value v = b.apply1(op, inputs.toArray(Value[]::new));
        defs.put(v.node(), new Def(op, List.copyOf(inputs)));
        scopes.peek().put(key, v);
        return v;
    }

    /** Structural identity: equal op records and equal inputs; constants by dtype, shape and content. */
    private static Object key(Op op, List<Value> inputs) {
        if (op instanceof Constant c) {
            return ConstantKey.of(c.value());
        }
        return List.of(op, List.copyOf(inputs));
    }

    /** A constant's identity: dtype, shape and the bits of every element (so 0.0 and -0.0 differ). */
    private record ConstantKey(String dtype, List<Integer> shape, List<Long> bits) {
        static ConstantKey of(Tensor t) {
            List<Long> bits = new ArrayList<>(t.size());
            for (int i = 0; i < t.size(); i++) {
                bits.add(t.dtype().isFloat() ? Double.doubleToLongBits(t.getDouble(i)) : t.getLong(i));
            }
            return new ConstantKey(t.dtype().name(), Arrays.stream(t.shape()).boxed().toList(), bits);
        }
    }

    // The walk -------------------------------------------------------------------------------------

    private Map<Key, Value> walk(Graph g, Map<Key, Value> env) {
        for (Node n : g.nodes()) {
            if (env.containsKey(new Key.Orig(n.id(), 0))) {
                continue; // a body param, bound by the enclosing scan
            }
            if (n.op() instanceof Source src) {
                Object[] dims = src.type().shape().dims().toArray();
                env.put(new Key.Orig(n.id(), 0), src.kind() == Source.Kind.PARAMETER
                        ? b.parameter(src.label(), src.type().dtype(), dims) : b.input(src.label(), src.type().dtype(), dims));
            } else if (n.op() instanceof ScanOp) {
                scan(n, env);
            } else if (n.outputs().size() == 1) {
                env.put(new Key.Orig(n.id(), 0), emit(n.op(), Replay.operands(n, env)));
            } else {
                List<Value> outs = b.apply(n.op(), Replay.operands(n, env).toArray(Value[]::new));
                for (int i = 0; i < outs.size(); i++) {
                    env.put(new Key.Orig(n.id(), i), outs.get(i));
                }
            }
        }
        return env;
    }

    /** Rebuilds a scan with its sequences sunk where a sequence rule matches and its body rewritten. */
    private void scan(Node n, Map<Key, Value> env) {
        ScanOp scan = (ScanOp) n.op();
        int ns = scan.numSequences();
        List<Value> operands = Replay.operands(n, env);
        ScanOp.Operands<Value> in = scan.split(operands);
        List<Value> sequences = new ArrayList<>(in.sequences());
        List<Primitive> perStep = new ArrayList<>();
        for (int j = 0; j < ns; j++) {
            SequenceRule.Sunk sunk = sink(sequences.get(j));
            perStep.add(sunk == null ? null : sunk.perStep());
            if (sunk != null) {
                sequences.set(j, sunk.sequence());
            }
        }
        ScanResult r = b.scan(Replay.options(scan, operands, scan.reverse()), in.carries(), sequences, (cs, ss) -> {
            scopes.push(new HashMap<>());
            try {
                List<Value> slices = new ArrayList<>();
                for (int j = 0; j < ns; j++) {
                    slices.add(perStep.get(j) == null ? ss.get(j) : emit(perStep.get(j), ss.get(j)));
                }
                Map<Key, Value> benv = walk(scan.body(), Replay.bodyEnv(scan, cs, slices, operands));
                ScanOp.Results<Value> results = scan.splitResults(scan.body().results().stream().map(v -> benv.get(Key.Orig.of(v))).toList());
                return Step.of(results.carries(), results.outputs());
            } finally {
                scopes.pop();
            }
        });
        Replay.bindOutputs(n, env, r);
    }

    private SequenceRule.Sunk sink(Value sequence) {
        for (SequenceRule rule : sequenceRules) {
            SequenceRule.Sunk s = rule.match().apply(this, sequence);
            if (s != null) {
                fired.merge(rule.name(), 1, Integer::sum);
                return s;
            }
        }
        return null;
    }
}
