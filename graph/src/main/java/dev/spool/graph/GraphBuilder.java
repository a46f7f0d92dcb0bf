package dev.spool.graph;

import dev.spool.graph.internal.Constant;
import dev.spool.graph.internal.DimUnifier;
import dev.spool.graph.internal.Node;
import dev.spool.graph.internal.Op;
import dev.spool.graph.internal.ScanOp;
import dev.spool.graph.internal.Source;

import java.util.AbstractList;
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
 * like ordinary code. Shapes are inferred as nodes are added, joining symbolic dims (a symbol
 * never becomes a size, see {@link DimUnifier}), and a rule violation is reported with the node's
 * path, e.g. {@code scan#4/body/matmul#7: ...}.
 *
 * <p>The primitive ops come from the {@code ops} module, whose {@code Builder} adds a fluent method
 * per op on top of {@link #apply}; use that.
 *
 * <pre>{@code
 * var b = new dev.spool.ops.Builder();
 * Value xs = b.input("xs", F32, "T", "B", 4);
 * ScanResult r = b.scan(List.of(b.zeros(F32, "B", 4)), List.of(xs),
 *         (c, x) -> Step.of(List.of(b.add(c.get(0), x.get(0))), List.of()));
 * Graph g = b.build("sum", r.carries().get(0));
 * }</pre>
 */
public class GraphBuilder {
    /** A builder of an empty top-level graph; {@code new dev.spool.ops.Builder()} is the one with op methods. */
    public GraphBuilder() {
    }

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

    /** A constant tensor baked into the graph: {@code b.constant(Tensor.of(new float[] {1, 2}))}. */
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

    /** Adds a node with a single output and returns that output: {@code b.apply1(new Unary(UnaryFn.EXP), x)}. */
    public Value apply1(Op op, Value... inputs) {
        List<Value> out = apply(op, inputs);
        if (out.size() != 1) {
            throw new IllegalStateException(op.name() + " has " + out.size() + " outputs");
        }
        return out.get(0);
    }

    /** Adds a node applying {@code op} to {@code inputs} (from this or any enclosing scope): {@code b.apply(op, x, y).get(1)}. */
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

    /**
     * What a scan's step function returns: the next carries and this step's outputs, by position
     * ({@link #of(List, List)}) or by name ({@link #of(Map, Map)}).
     *
     * <pre>{@code
     * return Step.of(List.of(h), List.of(y));                       // positional
     * return Step.of(Map.of("h", h, "c", c), Map.of("y", h));        // named: any order
     * }</pre>
     *
     * @param carries     the next carries, in the scan's carry order (empty when named)
     * @param outputs     this step's outputs (empty when named)
     * @param namedCarries the next carries by carry name, or null when positional
     * @param namedOutputs this step's outputs by output name, or null when positional
     */
    public record Step(List<Value> carries, List<Value> outputs, Map<String, Value> namedCarries, Map<String, Value> namedOutputs) {
        public Step {
            carries = List.copyOf(carries);
            outputs = List.copyOf(outputs);
            namedCarries = namedCarries == null ? null : Map.copyOf(namedCarries);
            namedOutputs = namedOutputs == null ? null : Map.copyOf(namedOutputs);
        }

        /** A positional step: {@code new Step(List.of(h), List.of(h))}. */
        public Step(List<Value> carries, List<Value> outputs) {
            this(carries, outputs, null, null);
        }

        /**
         * The next carries in the order of the scan's initial carries, and this step's outputs.
         *
         * <pre>{@code return Step.of(List.of(next), List.of(next));}</pre>
         */
        public static Step of(List<Value> carries, List<Value> outputs) {
            return new Step(carries, outputs);
        }

        /**
         * The next carries by carry name (every carry exactly once; names from
         * {@link ScanOptions#carryNames} or the init map of {@link #scan(ScanOptions, Map, List, StepFunction)})
         * and this step's outputs by name. Outputs take the positions of {@link ScanOptions#outputNames}
         * when given, else the alphabetical order of their names.
         *
         * <pre>{@code return Step.of(Map.of("h", h, "c", c), Map.of("y", h));}</pre>
         */
        public static Step of(Map<String, Value> carries, Map<String, Value> outputs) {
            return new Step(List.of(), List.of(), carries, outputs);
        }
    }

    /**
     * The body of a scan, called once while building with the body's carries and per-step slices
     * (lists that also answer by name: {@code carries.get("h")}).
     *
     * <pre>{@code StepFunction running = (c, x) -> Step.of(List.of(b.add(c.get(0), x.get(0))), List.of());}</pre>
     */
    @FunctionalInterface
    public interface StepFunction {
        /**
         * Builds one step from the carries entering it and this step's slice of every sequence.
         *
         * @param carries the carries, named as declared (default {@code c0, c1, ...})
         * @param slices  step t of every sequence, named {@code s0, s1, ...}
         * @return the next carries and this step's outputs
         */
        Step apply(Values carries, Values slices);
    }

    /**
     * Values that are a {@code List} by position and also answer by name: a scan's carries and
     * slices in its body, a scan's results.
     *
     * <pre>{@code Value h = carries.get("h");   // the same as carries.get(0) when h is carry 0}</pre>
     */
    public static final class Values extends AbstractList<Value> {
        private final List<Value> values;
        private final List<String> names;

        /** Values with one name each: {@code new Values(List.of(h, c), List.of("h", "c"))}. */
        public Values(List<Value> values, List<String> names) {
            if (values.size() != names.size()) {
                throw new IllegalArgumentException(values.size() + " values but " + names.size() + " names " + names);
            }
            if (new java.util.HashSet<>(names).size() != names.size()) {
                throw new IllegalArgumentException("names must be distinct, got " + names);
            }
            this.values = List.copyOf(values);
            this.names = List.copyOf(names);
        }

        /** The value at a position: {@code carries.get(0)}. */
        @Override
        public Value get(int i) {
            return values.get(i);
        }

        /**
         * The value of a name: {@code carries.get("c")}.
         *
         * @throws IllegalArgumentException naming the known names when there is no such name
         */
        public Value get(String name) {
            int i = names.indexOf(name);
            if (i < 0) {
                throw new IllegalArgumentException("no value named '" + name + "'; the names are " + names);
            }
            return values.get(i);
        }

        /** The names in positional order: {@code [h, c]}. */
        public List<String> names() {
            return names;
        }

        /** The number of values: {@code carries.size()}. */
        @Override
        public int size() {
            return values.size();
        }
    }

    /**
     * A built scan's results: final carries and the per-step outputs stacked on a new axis 0,
     * by position or by name.
     *
     * <pre>{@code
     * Value h = r.carry("h");          // or r.carries().get(0)
     * Value ys = r.output("y");        // (T, B, H); or r.outputs().get(0)
     * }</pre>
     *
     * @param carries the final carries, named as the scan's carries
     * @param outputs the stacked outputs, named as the step named them (default {@code y0, y1, ...})
     */
    public record ScanResult(Values carries, Values outputs) {
        /** Results with default names {@code c0, ...} and {@code y0, ...}: {@code new ScanResult(carries, outputs)}. */
        public ScanResult(List<Value> carries, List<Value> outputs) {
            this(new Values(carries, defaultNames("c", carries.size())), new Values(outputs, defaultNames("y", outputs.size())));
        }

        /** The final value of a carry by name: {@code r.carry("h")}. */
        public Value carry(String name) {
            return carries.get(name);
        }

        /** A stacked output by name: {@code r.output("y")}. */
        public Value output(String name) {
            return outputs.get(name);
        }
    }

    private static List<String> defaultNames(String prefix, int n) {
        List<String> names = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            names.add(prefix + i);
        }
        return names;
    }

    /**
     * Scan options, built fluently from {@link #DEFAULT}.
     *
     * <pre>{@code ScanOptions.DEFAULT.reverse().lengths(lengths).carryNames("h", "c")}</pre>
     *
     * @param reversed    visit t = T-1 .. 0
     * @param lengths     per-row lengths (B), or null
     * @param mask        a BOOL (T, B) mask, or null
     * @param length      the number of steps, or null to take it from the first sequence
     * @param carryNames  names of the carries (default {@code c0, c1, ...})
     * @param outputNames names (and order) of the step's outputs (default {@code y0, y1, ...})
     */
    public record ScanOptions(boolean reversed, Value lengths, Value mask, Dim length, List<String> carryNames, List<String> outputNames) {
        /** A forward scan without masking, its length taken from the first sequence. */
        public static final ScanOptions DEFAULT = new ScanOptions(false, null, null, null, List.of(), List.of());

        /** All options: {@code new ScanOptions(true, lengths, null, null, List.of("h"), List.of("y"))}. */
        public ScanOptions {
            carryNames = List.copyOf(carryNames);
            outputNames = List.copyOf(outputNames);
        }

        /** Options without output names: {@code new ScanOptions(false, null, null, Dim.of(5), List.of("h"))}. */
        public ScanOptions(boolean reversed, Value lengths, Value mask, Dim length, List<String> carryNames) {
            this(reversed, lengths, mask, length, carryNames, List.of());
        }

        /** A reverse scan: {@code ScanOptions.DEFAULT.reverse()} visits t = T-1 .. 0 and still writes output t at index t. */
        public ScanOptions reverse() {
            return new ScanOptions(true, lengths, mask, length, carryNames, outputNames);
        }

        /** Per-row sequence lengths (B), I32 or I64: steps t >= lengths[b] are masked for row b: {@code DEFAULT.lengths(lens)}. */
        public ScanOptions lengths(Value l) {
            return new ScanOptions(reversed, l, mask, length, carryNames, outputNames);
        }

        /** A BOOL (T, B) mask: false at (t, b) masks step t for row b: {@code DEFAULT.mask(m)}. */
        public ScanOptions mask(Value m) {
            return new ScanOptions(reversed, lengths, m, length, carryNames, outputNames);
        }

        /** The number of steps, required when the scan has no sequences: {@code DEFAULT.length("T")} or {@code length(10)}. */
        public ScanOptions length(Object dim) {
            return new ScanOptions(reversed, lengths, mask, Dim.parse(dim), carryNames, outputNames);
        }

        /** Names for the carries, shown in the printer and in carry errors: {@code DEFAULT.carryNames("h", "c")}. */
        public ScanOptions carryNames(String... names) {
            return new ScanOptions(reversed, lengths, mask, length, List.of(names), outputNames);
        }

        /** Names, and so positions, of the step's outputs in the scan's results: {@code DEFAULT.outputNames("y")}. */
        public ScanOptions outputNames(String... names) {
            return new ScanOptions(reversed, lengths, mask, length, carryNames, List.of(names));
        }
    }

    /**
     * Adds a forward scan without masking; see {@link #scan(ScanOptions, List, List, StepFunction)}.
     *
     * <pre>{@code ScanResult r = b.scan(List.of(h0), List.of(xs), (c, x) -> Step.of(List.of(h), List.of(h)));}</pre>
     */
    public ScanResult scan(List<Value> init, List<Value> sequences, StepFunction step) {
        return scan(ScanOptions.DEFAULT, init, sequences, step);
    }

    /**
     * Adds a scan whose carries are named by the keys of {@code init}; the body reads them by name
     * and may return them by name. Carry positions follow {@link ScanOptions#carryNames} when given,
     * else the alphabetical order of the names.
     *
     * <pre>{@code
     * ScanResult r = b.scan(ScanOptions.DEFAULT, Map.of("h", h0, "c", c0), List.of(xs), (s, x) -> {
     *     Value c = b.add(s.get("c"), x.get(0));
     *     Value h = b.tanh(c);
     *     return Step.of(Map.of("h", h, "c", c), Map.of("y", h));
     * });
     * Value ys = r.output("y");
     * }</pre>
     */
    public ScanResult scan(ScanOptions opts, Map<String, Value> init, List<Value> sequences, StepFunction step) {
        List<String> names = opts.carryNames().isEmpty() ? init.keySet().stream().sorted().toList() : opts.carryNames();
        if (!new java.util.HashSet<>(names).equals(init.keySet()) || names.size() != init.size()) {
            throw new GraphException(current.path, "the initial carries are named " + new java.util.TreeSet<>(init.keySet())
                    + " but ScanOptions.carryNames are " + names);
        }
        return scan(opts.carryNames(names.toArray(String[]::new)), names.stream().map(init::get).toList(), sequences, step);
    }

    /**
     * Adds a scan. Example, a running sum over the time axis:
     * <pre>{@code
     * ScanResult r = b.scan(List.of(zeros), List.of(xs), (c, x) -> {
     *     Value s = b.add(c.get(0), x.get(0));
     *     return Step.of(List.of(s), List.of(s));
     * });
     * }</pre>
     *
     * @param opts      direction, masking, length and names
     * @param init      the initial carries; a carry keeps its dtype and shape across steps
     * @param sequences time-major sequences (T, ...), sliced on axis 0
     * @param step      builds one step; values from outside it become invariants of the scan
     * @return the final carries and the stacked outputs (T, ...)
     * @throws GraphException naming the scan's path, e.g. when a carry's shape changes
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
        List<String> carryNames = new ArrayList<>();
        for (int i = 0; i < carries.size(); i++) {
            carryNames.add(i < opts.carryNames().size() ? opts.carryNames().get(i) : "c" + i);
        }
        if (new java.util.HashSet<>(carryNames).size() != carryNames.size()) {
            throw new GraphException(path, "carry names must be distinct, got " + carryNames);
        }

        Scope outer = current;
        Scope body = new Scope(outer, path + "/body/");
        current = body;
        List<Value> bodyResults = new ArrayList<>();
        List<String> outputNames;
        try {
            List<Value> cParams = new ArrayList<>();
            for (int i = 0; i < carries.size(); i++) {
                cParams.add(source(Source.Kind.CARRY, carryNames.get(i), carries.get(i).type()));
            }
            List<Value> sParams = new ArrayList<>();
            for (int i = 0; i < seqs.size(); i++) {
                TensorType t = seqs.get(i).type();
                if (t.rank() == 0) {
                    throw new GraphException(path, "sequence " + i + " is a scalar; sequences need a leading time axis");
                }
                sParams.add(source(Source.Kind.SLICE, "s" + i, new TensorType(t.dtype(), t.shape().drop(1))));
            }
            Step result = step.apply(new Values(cParams, carryNames), new Values(sParams, defaultNames("s", sParams.size())));
            List<Value> next = result.namedCarries() == null ? result.carries() : byName(path, "carries", result.namedCarries(), carryNames);
            if (next.size() != carries.size()) {
                throw new GraphException(path, "the step returns " + next.size() + " carries but the scan has "
                        + carries.size() + " initial carries");
            }
            List<Value> outs;
            if (result.namedOutputs() == null) {
                outs = result.outputs();
                if (!opts.outputNames().isEmpty() && opts.outputNames().size() != outs.size()) {
                    throw new GraphException(path, "the step returns " + outs.size() + " outputs but ScanOptions.outputNames are "
                            + opts.outputNames());
                }
                outputNames = opts.outputNames().isEmpty() ? defaultNames("y", outs.size()) : opts.outputNames();
            } else {
                outputNames = opts.outputNames().isEmpty() ? result.namedOutputs().keySet().stream().sorted().toList() : opts.outputNames();
                outs = byName(path, "outputs", result.namedOutputs(), outputNames);
            }
            for (Value v : next) {
                bodyResults.add(localize(v, body));
            }
            for (Value v : outs) {
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
        return new ScanResult(new Values(outs.subList(0, carries.size()), carryNames),
                new Values(outs.subList(carries.size(), outs.size()), outputNames));
    }

    /** The values of a named step in the order of {@code names}, which must be exactly its keys. */
    private static List<Value> byName(String path, String what, Map<String, Value> given, List<String> names) {
        if (!given.keySet().equals(new java.util.HashSet<>(names)) || given.size() != names.size()) {
            throw new GraphException(path, "the step returns " + what + " named " + new java.util.TreeSet<>(given.keySet())
                    + " but the scan's " + what + " are named " + names);
        }
        return names.stream().map(given::get).toList();
    }

    /**
     * The current type of a value, symbols joined so far replaced by their class's representative.
     *
     * <pre>{@code b.typeOf(x)   // F32(T, B, 3)}</pre>
     */
    public TensorType typeOf(Value v) {
        return dims.resolve(v.type());
    }

    /**
     * Finishes the top-level graph with the given named results, in the map's order; symbolic
     * dims joined while building are substituted everywhere.
     *
     * <pre>{@code Graph g = b.build(Map.of("loss", loss));}</pre>
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

    /** Finishes the graph with name, value pairs: {@code build("y", y, "h", h)}. */
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
