package dev.spool.compiler.lower;

import dev.spool.graph.internal.Constant;
import dev.spool.graph.DType;
import dev.spool.graph.Dim;
import dev.spool.graph.Graph;
import dev.spool.graph.InputException;
import dev.spool.graph.internal.Node;
import dev.spool.graph.ResourceLimitException;
import dev.spool.graph.internal.ScanOp;
import dev.spool.graph.internal.Source;
import dev.spool.graph.Tensor;
import dev.spool.graph.Value;
import dev.spool.ops.internal.Primitive;
import dev.spool.ops.internal.rewrite.Key;
import dev.spool.program.internal.Buffer;
import dev.spool.program.internal.Instr;
import dev.spool.program.internal.Program;
import dev.spool.program.internal.View;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Lowers an optimised graph whose dims are all sizes (see {@code Pipeline.compile}) to the
 * reference {@link Program}: buffers and instructions over views, one instruction (or a few) per
 * op and a loop per scan, with no optimisation of its own. The Program passes
 * ({@link GemmBiasEpilogue}, {@link PairCrossEntropy}, {@link SplitKernels}, {@link InPlaceCarries},
 * {@link MemoryPlanning}) rewrite its result.
 *
 * <p>This class is the driver: buffers, the scope of each graph level, constants and scans. Each
 * primitive op is lowered by its rule from {@link LoweringRules} (one exhaustive switch over the
 * op codes), grouped per op family: {@link ElementwiseLowering}, {@link GeneratorLowering},
 * {@link LayoutLowering}, {@link GatherScatterLowering}, {@link ReductionLowering},
 * {@link MatMulLowering}, {@link SoftmaxLowering}.
 *
 * <p>A scan becomes a {@link Instr.Loop}. Each carry lives in a slot buffer for the whole loop and
 * its next value is copied there at the end of the step (unless it is the old value unchanged);
 * {@link InPlaceCarries} later makes the producer write the slot directly where that is safe.
 * Per-step outputs are written by their producer directly
 * into row t of a stacked buffer, sequences are read as row t of theirs, so a steady-state step
 * allocates nothing. A masked scan ends each step with a
 * {@link Instr.MaskStep} that keeps inactive rows' carries and zeroes their outputs.
 */
public final class Lowering {
    private final List<Buffer> buffers = new ArrayList<>();
    private final List<Program.Feed> feeds = new ArrayList<>();
    private Lowering() {
    }

    /**
     * The graph with every symbolic dim replaced by its size from {@code dims}, products included
     * ({@code T*B}); a symbol missing from {@code dims} is an error naming it.
     *
     * <pre>{@code Graph g = Lowering.bind(graph, Map.of("T", 35, "B", 32));}</pre>
     */
    public static Graph bind(Graph graph, Map<String, Integer> dims) {
        return graph.mapDims(d -> {
            long size = 1;
            for (Dim f : d.factors()) {
                if (f instanceof Dim.Sym s) {
                    Integer v = dims.get(s.name());
                    if (v == null) {
                        throw new InputException("symbolic dimension " + s.name() + " is not bound; bound are " + dims.keySet());
                    }
                    size *= v;
                } else {
                    size *= f.size();
                }
            }
            return Dim.of(Math.toIntExact(size));
        });
    }

    /**
     * Lowers a graph whose dims are all sizes (see {@link #bind}).
     *
     * <pre>{@code Program p = Lowering.lower(Lowering.bind(graph, Map.of("T", 35, "B", 32)));}</pre>
     */
    public static Program lower(Graph graph) {
        Graph g = bind(graph, Map.of());
        Lowering l = new Lowering();
        Scope top = l.new Scope(0, new HashMap<>());
        for (Value p : g.params()) {
            Source src = g.source(p);
            int[] shape = src.type().shape().sizes();
            Buffer b = l.newBuffer(src.type().dtype(), shape, src.label(), null, true);
            l.feeds.add(new Program.Feed(src.label(), b.id(), src.type().dtype(), shape));
            top.env.put(Key.Orig.of(p), View.contiguous(b.id(), shape));
        }
        top.lowerNodes(g);
        List<Program.Result> results = new ArrayList<>();
        for (int i = 0; i < g.results().size(); i++) {
            Value r = g.results().get(i);
            results.add(new Program.Result(g.resultNames().get(i), top.view(r), r.dtype()));
        }
        return new Program(l.buffers, top.code, l.feeds, results);
    }

    private Buffer newBuffer(DType dtype, int[] shape, String name, Tensor constant, boolean feed) {
        long volume = 1;
        for (int s : shape) {
            volume *= s;
        }
        if (volume > Integer.MAX_VALUE) {
            // Views address elements with ints: refuse here, naming the size, rather than overflow.
            long bytes = volume * dtype.byteSize();
            throw new ResourceLimitException(String.format("this program needs %,d bytes (%.1f GB) of working memory for %s alone; a buffer"
                    + " holds at most 2^31 - 1 elements", bytes, bytes / 1e9, name), bytes);
        }
        int n = (int) volume;
        Buffer b = new Buffer(buffers.size(), dtype, n, name, constant, feed);
        buffers.add(b);
        return b;
    }

    /** Instructions of one graph (the top level or a scan body) at a loop depth. */
    private final class Scope implements LoweringContext {
        final int depth;
        final Map<Key, View> env = new HashMap<>();
        /** Destinations fixed before the producer is lowered: stacked output rows, carry slots. */
        final Map<Key, List<View>> homes;
        final List<Instr> code = new ArrayList<>();

        Scope(int depth, Map<Key, List<View>> homes) {
            this.depth = depth;
            this.homes = homes;
        }

        View view(Value v) {
            View x = env.get(Key.Orig.of(v));
            if (x == null) {
                throw new IllegalStateException("value " + v + " has no lowered view");
            }
            return x;
        }

        void lowerNodes(Graph g) {
            for (Node n : g.nodes()) {
                if (n.op() instanceof Source) {
                    continue;
                }
                if (n.op() instanceof Constant c) {
                    int[] shape = n.outputs().get(0).shape().sizes();
                    Buffer b = newBuffer(c.value().dtype(), shape, "constant%" + n.id(), c.value(), false);
                    place(n.output(0), View.contiguous(b.id(), shape));
                } else if (n.op() instanceof ScanOp) {
                    lowerScan(n);
                } else {
                    lowerPrimitive(n, (Primitive) n.op());
                }
            }
        }

        @Override
        public List<View> destinations(Value v) {
            List<View> h = homes.get(Key.Orig.of(v));
            if (h != null && !h.isEmpty()) {
                return h;
            }
            int[] shape = v.shape().sizes();
            Buffer b = newBuffer(v.dtype(), shape, "%" + v.node() + (v.index() == 0 ? "" : "." + v.index()), null, false);
            return List.of(View.contiguous(b.id(), shape));
        }

        @Override
        public View contiguousDestination(Value v) {
            View d = destinations(v).get(0);
            if (d.isContiguous()) {
                return d;
            }
            int[] shape = v.shape().sizes();
            return fresh(v.dtype(), shape, "%" + v.node());
        }

        @Override
        public void place(Value v, View at) {
            env.put(Key.Orig.of(v), at);
            List<View> h = homes.get(Key.Orig.of(v));
            if (h != null) {
                for (View home : h) {
                    if (!home.equals(at)) {
                        code.add(new Instr.Copy(at, home));
                    }
                }
            }
        }

        @Override
        public void record(Value v, View at) {
            env.put(Key.Orig.of(v), at);
        }

        @Override
        public View fresh(DType dtype, int[] shape, String name) {
            return View.contiguous(newBuffer(dtype, shape, name, null, false).id(), shape);
        }

        @Override
        public void emit(Instr instr) {
            code.add(instr);
        }

        @Override
        public View contiguous(View x, DType dtype) {
            if (x.isContiguous()) {
                return x;
            }
            View c = fresh(dtype, x.shape(), "contiguous");
            code.add(new Instr.Copy(x, c));
            return c;
        }

        private void lowerPrimitive(Node n, Primitive p) {
            LoweringRules.of(p.code()).lower(n, p, n.inputs().stream().map(this::view).toList(), this);
        }

        private void lowerScan(Node n) {
            ScanOp scan = (ScanOp) n.op();
            Graph body = scan.body();
            int nc = scan.numCarries();
            List<View> ops = n.inputs().stream().map(this::view).toList();
            int steps = scan.length().size();
            int level = depth;
            boolean masked = scan.masking() != ScanOp.Masking.NONE;
            View maskOperand = masked ? ops.get(ops.size() - 1) : null;
            if (scan.masking() == ScanOp.Masking.LENGTHS) {
                code.add(new Instr.CheckLengths(flat(maskOperand, n.inputs().get(n.inputs().size() - 1).dtype()), steps, n.label()));
            }
            // Carry slots, initialised before the loop.
            List<View> slots = new ArrayList<>();
            for (int i = 0; i < nc; i++) {
                Value init = n.inputs().get(i);
                int[] shape = init.shape().sizes();
                View slot = fresh(init.dtype(), shape, n.label() + " carry " + scan.carryName(i));
                code.add(new Instr.Copy(ops.get(i), slot));
                slots.add(slot);
            }
            // Stacked outputs: the scan output's destination (a home if it has one), row t per step.
            List<View> stacked = new ArrayList<>();
            for (int j = 0; j < scan.numOutputs(); j++) {
                stacked.add(contiguousDestination(n.output(nc + j)));
            }
            Map<Key, List<View>> bodyHomes = new HashMap<>();
            List<View> stepOut = new ArrayList<>();
            for (int j = 0; j < stacked.size(); j++) {
                View s = stacked.get(j);
                View row = s.index(0, 0).atLoop(level, s.strides()[0]);
                stepOut.add(row);
                Value r = body.results().get(nc + j);
                if (!isParamOrConstant(body, r)) {
                    bodyHomes.computeIfAbsent(Key.Orig.of(r), k -> new ArrayList<>()).add(row);
                }
            }
            Set<Integer> coalesced = new HashSet<>();
            if (!masked) {
                for (int i = 0; i < nc; i++) {
                    if (body.results().get(i).equals(body.params().get(i))) {
                        coalesced.add(i); // the carry passes through unchanged
                    }
                }
            }
            Scope inner = new Scope(depth + 1, bodyHomes);
            ScanOp.Operands<Value> params = scan.split(body.params());
            ScanOp.Operands<View> in = scan.split(ops);
            for (int i = 0; i < nc; i++) {
                inner.env.put(Key.Orig.of(params.carries().get(i)), slots.get(i));
            }
            for (int i = 0; i < params.sequences().size(); i++) {
                View seq = in.sequences().get(i);
                inner.env.put(Key.Orig.of(params.sequences().get(i)), seq.index(0, 0).atLoop(level, seq.strides()[0]));
            }
            for (int i = 0; i < params.invariants().size(); i++) {
                inner.env.put(Key.Orig.of(params.invariants().get(i)), in.invariants().get(i));
            }
            // Step outputs that are params or constants are copied first, before any carry slot changes.
            for (Node m : body.nodes()) {
                if (m.op() instanceof Constant) {
                    inner.lowerNodes(new Graph(List.of(m), List.of(), List.of(), List.of()));
                }
            }
            for (int j = 0; j < stacked.size(); j++) {
                Value r = body.results().get(nc + j);
                if (isParamOrConstant(body, r)) {
                    inner.code.add(new Instr.Copy(inner.view(r), stepOut.get(j)));
                }
            }
            inner.lowerNodes(withoutConstants(body));
            List<View> next = new ArrayList<>();
            for (int i = 0; i < nc; i++) {
                next.add(inner.view(body.results().get(i)));
            }
            // A next value read from a carry's slot (the slot or a view of it) is saved first: the slots change below.
            for (int i = 0; i < nc; i++) {
                int buffer = next.get(i).buffer();
                if (!coalesced.contains(i) && slots.stream().anyMatch(slot -> slot.buffer() == buffer)) {
                    View tmp = fresh(body.results().get(i).dtype(), next.get(i).shape(), "carry-save");
                    inner.code.add(new Instr.Copy(next.get(i), tmp));
                    next.set(i, tmp);
                }
            }
            if (masked) {
                View active = scan.masking() == ScanOp.Masking.LENGTHS ? flat(maskOperand, n.inputs().get(n.inputs().size() - 1).dtype())
                        : maskOperand.index(0, 0).atLoop(level, maskOperand.strides()[0]);
                inner.code.add(new Instr.MaskStep(level, active, scan.masking() == ScanOp.Masking.LENGTHS, next, slots, stepOut));
            } else {
                for (int i = 0; i < nc; i++) {
                    if (!coalesced.contains(i)) {
                        inner.code.add(new Instr.Copy(next.get(i), slots.get(i)));
                    }
                }
            }
            code.add(new Instr.Loop(level, steps, scan.reverse(), inner.code, n.label()));
            for (int i = 0; i < nc; i++) {
                place(n.output(i), slots.get(i));
            }
            for (int j = 0; j < stacked.size(); j++) {
                place(n.output(nc + j), stacked.get(j));
            }
        }
    }

    private static boolean isParamOrConstant(Graph body, Value v) {
        Node p = body.node(v.node());
        return p.op() instanceof Source || p.op() instanceof Constant;
    }

    private static Graph withoutConstants(Graph body) {
        List<Node> rest = body.nodes().stream().filter(m -> !(m.op() instanceof Constant)).toList();
        return new Graph(rest, body.params(), body.results(), body.resultNames());
    }
}
