package dev.spool.graph;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Builds a {@link Graph}, including scan bodies, with one builder object. While a scan's step
 * function runs, new nodes go into the body; a value from an enclosing scope used in the body is
 * closure-converted into an invariant of the scan (through every scan in between), so a step reads
 * like ordinary code. Shapes are inferred as nodes are added, unifying symbolic dims, and a rule
 * violation is reported with the node's path, e.g. {@code scan#4/body/matmul#7: ...}.
 *
 * <p>The primitive ops come from the {@code ops} module, whose {@code Builder} adds a fluent method
 * per op on top of {@link #apply}.
 */
public class GraphBuilder {
    private final DimUnifier dims = new DimUnifier();
    private final Map<Integer, Scope> owner = new HashMap<>();
    private final Map<Integer, Node> nodes = new HashMap<>();
    private Scope current = new Scope(null, "");
    private int nextId;

    /** One graph under construction: the top level or a scan body. */
    private static final class Scope {
        final Scope parent;
        final String path;
        final List<Node> nodes = new ArrayList<>();
        final List<Value> params = new ArrayList<>();
        /** Outer value (keyed by node and index) to the invariant param that stands for it here. */
        final Map<List<Integer>, Value> imports = new LinkedHashMap<>();
        final List<Value> importedFrom = new ArrayList<>();
        boolean closed;

        Scope(Scope parent, String path) {
            this.parent = parent;
            this.path = path;
        }
    }

    /** A graph input such as a batch of data: {@code input("x", F32, "T", "B", 28)}. */
    public Value input(String name, DType dtype, Object... shape) {
        return source(Source.Kind.INPUT, name, TensorType.of(dtype, shape));
    }

    /** A trainable parameter (weight): {@code parameter("weight_ih_l0", F32, 32, 28)}. */
    public Value parameter(String name, DType dtype, Object... shape) {
        return source(Source.Kind.PARAMETER, name, TensorType.of(dtype, shape));
    }

    public Value constant(Tensor value) {
        return apply1(new Constant(value));
    }

    private Value source(Source.Kind kind, String name, TensorType type) {
        if (current.parent != null && (kind == Source.Kind.INPUT || kind == Source.Kind.PARAMETER)) {
            throw new GraphException(current.path, "declare " + kind.name().toLowerCase() + " '" + name
                    + "' outside the scan body; the body can use it directly");
        }
        Value v = apply1(new Source(kind, name, type));
        current.params.add(v);
        return v;
    }

    /** Adds a node with a single output and returns that output. */
    public Value apply1(Op op, Value... inputs) {
        List<Value> out = apply(op, inputs);
        if (out.size() != 1) {
            throw new IllegalStateException(op.name() + " has " + out.size() + " outputs");
        }
        return out.get(0);
    }

    /** Adds a node applying {@code op} to {@code inputs} (from this or any enclosing scope). */
    public List<Value> apply(Op op, Value... inputs) {
        List<Value> local = new ArrayList<>(inputs.length);
        for (Value v : inputs) {
            local.add(localize(v, current));
        }
        return addNode(nextId++, op, local);
    }

    private List<Value> addNode(int id, Op op, List<Value> inputs) {
        List<TensorType> types;
        try {
            types = op.infer(inputs.stream().map(v -> dims.resolve(v.type())).toList(), dims);
        } catch (ShapeException e) {
            throw new GraphException(current.path + op.name() + "#" + id, e.getMessage());
        }
        Node n = new Node(id, op, inputs, types);
        current.nodes.add(n);
        owner.put(id, current);
        nodes.put(id, n);
        List<Value> outs = new ArrayList<>(types.size());
        for (int i = 0; i < types.size(); i++) {
            outs.add(n.output(i));
        }
        return outs;
    }

    /** Makes v usable in scope s, importing it as an invariant through each enclosing scan body. */
    private Value localize(Value v, Scope s) {
        Scope home = owner.get(v.node());
        if (home == null) {
            throw new GraphException(s.path, "value " + v + " was not made by this builder");
        }
        if (home == s) {
            return v;
        }
        if (s.parent == null || home.closed) {
            throw new GraphException(s.path, "value " + v + " belongs to " + home.path
                    + " which has finished; a scan body's values are only visible through the scan's outputs");
        }
        List<Integer> key = List.of(v.node(), v.index());
        Value existing = s.imports.get(key);
        if (existing != null) {
            return existing;
        }
        Value outer = localize(v, s.parent);
        Scope saved = current;
        current = s;
        // Name the invariant after what it stands for: the outer source's label, else the value.
        String label = nodes.get(v.node()).op() instanceof Source src ? src.label() : v.toString();
        Value param = apply1(new Source(Source.Kind.INVARIANT, label, v.type()));
        current = saved;
        s.params.add(param);
        s.imports.put(key, param);
        s.importedFrom.add(outer);
        return param;
    }

    /** The step of a scan: next carries and this step's outputs. */
    public record Step(List<Value> carries, List<Value> outputs) {
        public static Step of(List<Value> carries, List<Value> outputs) {
            return new Step(carries, outputs);
        }
    }

    /** The body of a scan, called once while building with the body's carry and slice params. */
    @FunctionalInterface
    public interface StepFunction {
        Step apply(List<Value> carries, List<Value> slices);
    }

    /** A built scan's results: final carries and the per-step outputs stacked on a new axis 0. */
    public record ScanResult(List<Value> carries, List<Value> outputs) {
    }

    /** Scan options; {@code ScanOptions.DEFAULT.reverse()} etc. */
    public record ScanOptions(boolean reversed, Value lengths, Value mask, Dim length, List<String> carryNames) {
        public static final ScanOptions DEFAULT = new ScanOptions(false, null, null, null, List.of());

        public ScanOptions reverse() {
            return new ScanOptions(true, lengths, mask, length, carryNames);
        }

        /** Per-row sequence lengths (B), I32 or I64: steps t >= lengths[b] are masked for row b. */
        public ScanOptions lengths(Value l) {
            return new ScanOptions(reversed, l, mask, length, carryNames);
        }

        /** A BOOL (T, B) mask: false at (t, b) masks step t for row b. */
        public ScanOptions mask(Value m) {
            return new ScanOptions(reversed, lengths, m, length, carryNames);
        }

        /** The number of steps, required when the scan has no sequences. */
        public ScanOptions length(Object dim) {
            return new ScanOptions(reversed, lengths, mask, Dim.parse(dim), carryNames);
        }

        /** Names for the carries, shown in the printer and in carry errors. */
        public ScanOptions carryNames(String... names) {
            return new ScanOptions(reversed, lengths, mask, length, List.of(names));
        }
    }

    public ScanResult scan(List<Value> init, List<Value> sequences, StepFunction step) {
        return scan(ScanOptions.DEFAULT, init, sequences, step);
    }

    /**
     * Adds a scan. Example, a running sum over the time axis:
     * <pre>{@code
     * ScanResult r = b.scan(List.of(zeros), List.of(xs), (c, x) -> {
     *     Value s = b.add(c.get(0), x.get(0));
     *     return Step.of(List.of(s), List.of(s));
     * });
     * }</pre>
     */
    public ScanResult scan(ScanOptions opts, List<Value> init, List<Value> sequences, StepFunction step) {
        if (opts.lengths() != null && opts.mask() != null) {
            throw new IllegalArgumentException("give a scan either lengths or a mask, not both");
        }
        int id = nextId++;
        String path = current.path + "scan#" + id;
        List<Value> carries = init.stream().map(v -> localize(v, current)).toList();
        List<Value> seqs = sequences.stream().map(v -> localize(v, current)).toList();
        Value maskOperand = opts.lengths() != null ? opts.lengths() : opts.mask();
        if (maskOperand != null) {
            maskOperand = localize(maskOperand, current);
        }
        Dim length = opts.length();
        if (length == null) {
            if (seqs.isEmpty()) {
                throw new GraphException(path, "a scan without sequences needs its length (ScanOptions.length)");
            }
            if (seqs.get(0).type().rank() == 0) {
                throw new GraphException(path, "sequence 0 is a scalar; sequences need a leading time axis");
            }
            length = seqs.get(0).shape().dim(0);
        }

        Scope outer = current;
        Scope body = new Scope(outer, path + "/body/");
        current = body;
        Step result;
        List<Value> bodyResults = new ArrayList<>();
        try {
            List<Value> cParams = new ArrayList<>();
            for (int i = 0; i < carries.size(); i++) {
                String name = i < opts.carryNames().size() ? opts.carryNames().get(i) : "c" + i;
                cParams.add(source(Source.Kind.CARRY, name, carries.get(i).type()));
            }
            List<Value> sParams = new ArrayList<>();
            for (int i = 0; i < seqs.size(); i++) {
                TensorType t = seqs.get(i).type();
                if (t.rank() == 0) {
                    throw new GraphException(path, "sequence " + i + " is a scalar; sequences need a leading time axis");
                }
                sParams.add(source(Source.Kind.SLICE, "s" + i, new TensorType(t.dtype(), t.shape().drop(1))));
            }
            result = step.apply(List.copyOf(cParams), List.copyOf(sParams));
            if (result.carries().size() != carries.size()) {
                throw new GraphException(path, "the step returns " + result.carries().size() + " carries but the scan has "
                        + carries.size() + " initial carries");
            }
            for (Value v : result.carries()) {
                bodyResults.add(localize(v, body));
            }
            for (Value v : result.outputs()) {
                bodyResults.add(localize(v, body));
            }
        } finally {
            current = outer;
            body.closed = true;
        }

        List<String> names = new ArrayList<>();
        for (int i = 0; i < bodyResults.size(); i++) {
            names.add(i < carries.size() ? "carry" + i : "output" + (i - carries.size()));
        }
        Graph bodyGraph = new Graph(body.nodes, body.params, bodyResults, names);
        ScanOp.Masking masking = opts.lengths() != null ? ScanOp.Masking.LENGTHS
                : opts.mask() != null ? ScanOp.Masking.MASK : ScanOp.Masking.NONE;
        ScanOp op = new ScanOp(bodyGraph, carries.size(), seqs.size(), body.importedFrom.size(), opts.reversed(), masking, length);
        List<Value> operands = new ArrayList<>(carries);
        operands.addAll(seqs);
        operands.addAll(body.importedFrom);
        if (maskOperand != null) {
            operands.add(maskOperand);
        }
        List<Value> outs = addNode(id, op, operands);
        return new ScanResult(outs.subList(0, carries.size()), outs.subList(carries.size(), outs.size()));
    }

    /** Current resolution of a value's type (symbols bound so far replaced by sizes). */
    public TensorType typeOf(Value v) {
        return dims.resolve(v.type());
    }

    /**
     * Finishes the top-level graph with the given named results; symbolic dims unified while
     * building are substituted everywhere.
     */
    public Graph build(Map<String, Value> results) {
        if (current.parent != null) {
            throw new IllegalStateException("build() called inside a scan body");
        }
        List<Value> rs = new ArrayList<>();
        for (Value v : results.values()) {
            rs.add(localize(v, current));
        }
        Graph g = new Graph(current.nodes, current.params, rs, new ArrayList<>(results.keySet()));
        return g.mapDims(dims::resolve);
    }

    /** Convenience: {@code build("y", y)}. */
    public Graph build(Object... nameValuePairs) {
        Map<String, Value> m = new LinkedHashMap<>();
        if (nameValuePairs.length % 2 != 0) {
            throw new IllegalArgumentException("build takes name, value pairs: " + Arrays.toString(nameValuePairs));
        }
        for (int i = 0; i < nameValuePairs.length; i += 2) {
            m.put((String) nameValuePairs[i], (Value) nameValuePairs[i + 1]);
        }
        return build(m);
    }
}
