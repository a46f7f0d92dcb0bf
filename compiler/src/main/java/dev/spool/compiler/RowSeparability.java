package dev.spool.compiler;

import dev.spool.graph.Dim;
import dev.spool.graph.Graph;
import dev.spool.graph.Shape;
import dev.spool.graph.TensorType;
import dev.spool.graph.Value;
import dev.spool.graph.internal.Constant;
import dev.spool.graph.internal.Node;
import dev.spool.graph.internal.ScanOp;
import dev.spool.graph.internal.Source;
import dev.spool.ops.internal.Concat;
import dev.spool.ops.internal.Fill;
import dev.spool.ops.internal.Index;
import dev.spool.ops.internal.MatMul;
import dev.spool.ops.internal.Pad;
import dev.spool.ops.internal.Primitive;
import dev.spool.ops.internal.Reduce;
import dev.spool.ops.internal.Slice;
import dev.spool.ops.internal.Softmax;
import dev.spool.ops.internal.Stack;
import dev.spool.ops.internal.Transpose;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Whether a graph computes each row of a symbolic dim (the batch, {@code B}) from the same row of its
 * inputs alone, and if so which axis of each input and result is that dim: then the rows can be run
 * in parts, on several cores at once, and the parts' results joined, with the same values. A
 * language model's forward pass is such a graph; its training step is not (the loss and the weight
 * gradients sum over rows).
 *
 * <p>The analysis is conservative: each value is batch-free, split along one axis, or mixed, by one
 * rule per op (elementwise ops, matrix products with the rows in the left operand, layout ops that
 * keep the axis, reductions and softmax along other axes, gathers of batched indices, scans whose
 * carries keep their axis); any other op, or a dim that mentions the batch symbol anywhere but its
 * own axis (a reshape that merges it, say), makes its result mixed. A mixed value reaching a result
 * means no split.
 *
 * <pre>{@code
 * Optional<RowSeparability.Split> s = RowSeparability.of(graph, "B");
 * s.ifPresent(split -> System.out.println(split.inputAxes()));   // e.g. {tokens=1, h0=1}
 * }</pre>
 */
public final class RowSeparability {
    /** The batch dim, as {@code nn}'s layers name it: the dim runs are split along (CPU programs and artifacts alike). */
    public static final String BATCH = "B";

    /** A value that does not depend on any batched input. */
    private static final int FREE = -1;
    /** A value some row of which depends on other rows, or whose batch axis is not known. */
    private static final int MIXED = -2;

    /**
     * How to split: the dim's axis in each input that has it (inputs without it are passed whole)
     * and in each result (-1: a result that does not depend on the rows, the same in every part).
     */
    public record Split(String dim, Map<String, Integer> inputAxes, Map<String, Integer> resultAxes) {
    }

    private final String dim;

    private RowSeparability(String dim) {
        this.dim = dim;
    }

    /** The split of graph g along the symbolic dim named dim, if every result row is computed from its own input rows. */
    public static Optional<Split> of(Graph g, String dim) {
        RowSeparability a = new RowSeparability(dim);
        Map<Value, Integer> params = new HashMap<>();
        Map<String, Integer> inputs = new LinkedHashMap<>();
        for (Value p : g.params()) {
            int axis = a.axisOf(p.type().shape());
            if (axis == MIXED) {
                return Optional.empty();
            }
            params.put(p, axis);
            if (axis >= 0) {
                inputs.put(g.source(p).label(), axis);
            }
        }
        if (inputs.isEmpty()) {
            return Optional.empty();
        }
        Map<Value, Integer> states = a.analyze(g, params);
        Map<String, Integer> results = new LinkedHashMap<>();
        boolean any = false;
        for (int r = 0; r < g.results().size(); r++) {
            int s = states.get(g.results().get(r));
            if (s == MIXED) {
                return Optional.empty();
            }
            any |= s >= 0;
            results.put(g.resultNames().get(r), s);
        }
        return any ? Optional.of(new Split(dim, Map.copyOf(inputs), Map.copyOf(results))) : Optional.empty();
    }

    /** The axis of shape that is the batch dim, FREE if none, MIXED if it appears more than once or inside a product. */
    private int axisOf(Shape shape) {
        int found = FREE;
        for (int i = 0; i < shape.rank(); i++) {
            Dim d = shape.dim(i);
            if (d instanceof Dim.Sym s && s.name().equals(dim)) {
                if (found != FREE) {
                    return MIXED;
                }
                found = i;
            } else if (d instanceof Dim.Prod p && p.symbols().stream().anyMatch(s -> s.name().equals(dim))) {
                return MIXED;
            }
        }
        return found;
    }

    /** The state of every value of g, given its params'. */
    private Map<Value, Integer> analyze(Graph g, Map<Value, Integer> params) {
        Map<Value, Integer> states = new HashMap<>(params);
        for (Node n : g.nodes()) {
            if (n.op() instanceof Source) {
                continue;
            }
            List<Integer> in = new ArrayList<>();
            for (Value v : n.inputs()) {
                in.add(states.get(v));
            }
            List<Integer> out = n.op() instanceof ScanOp scan ? scan(scan, n, in) : primitive(n, in);
            for (int i = 0; i < n.outputs().size(); i++) {
                int s = out.get(i);
                // A result whose type names the batch dim elsewhere than the axis found is not understood.
                int declared = axisOf(n.outputs().get(i).shape());
                states.put(n.output(i), s >= 0 && declared != s || s == FREE && declared >= 0 ? MIXED : s);
            }
        }
        return states;
    }

    /**
     * A fused elementwise group's outputs share its iteration space, so each is found as an
     * elementwise op's; any other op of several outputs is understood only when it reads no batched value.
     */
    private List<Integer> primitive(Node n, List<Integer> in) {
        if (n.outputs().size() == 1) {
            return List.of(single(n, in));
        }
        List<Integer> out = new ArrayList<>();
        boolean fused = n.op() instanceof Primitive p && p.code() == dev.spool.ops.internal.OpCode.FUSED;
        for (int k = 0; k < n.outputs().size(); k++) {
            if (in.contains(MIXED)) {
                out.add(MIXED);
            } else if (in.stream().allMatch(s -> s == FREE)) {
                out.add(axisOf(n.outputs().get(k).shape()) == FREE ? FREE : MIXED);
            } else {
                out.add(fused ? elementwise(n, in, n.outputs().get(k).rank()) : MIXED);
            }
        }
        return out;
    }

    private int single(Node n, List<Integer> in) {
        if (n.op() instanceof Constant) {
            return FREE;
        }
        if (!(n.op() instanceof Primitive p)) {
            return MIXED;
        }
        if (in.contains(MIXED)) {
            return MIXED;
        }
        if (in.stream().allMatch(s -> s == FREE)) {
            // Generators: a fill is the same in every row; an iota along the batch axis is not.
            if (p instanceof Fill f) {
                return axisOf(f.shape());
            }
            return axisOf(n.outputs().get(0).shape()) == FREE ? FREE : MIXED;
        }
        int s0 = in.get(0);
        TensorType t0 = n.inputs().get(0).type();
        int rank = t0.rank();
        return switch (p.code()) {
            case UNARY, CAST, CHECK_LENGTHS, ONE_HOT -> s0;
            case BINARY, COMPARE, WHERE, FUSED -> elementwise(n, in, n.outputs().get(0).rank());
            case MATMUL -> matmul((MatMul) p, n, in);
            case TRANSPOSE -> ((Transpose) p).perm().stream().map(a -> Math.floorMod(a, rank)).toList().indexOf(s0);
            case RESHAPE -> reshape(t0.shape(), s0, n.outputs().get(0).shape());
            case SLICE -> Math.floorMod(((Slice) p).axis(), rank) == s0 ? MIXED : s0;
            case PAD -> Math.floorMod(((Pad) p).axis(), rank) == s0 ? MIXED : s0;
            case INDEX -> {
                int axis = Math.floorMod(((Index) p).axis(), rank);
                yield axis == s0 ? MIXED : axis < s0 ? s0 - 1 : s0;
            }
            case CONCAT -> in.stream().allMatch(s -> s == s0) && Math.floorMod(((Concat) p).axis(), rank) != s0 ? s0 : MIXED;
            case STACK -> in.stream().allMatch(s -> s == s0) ? (s0 >= Math.floorMod(((Stack) p).axis(), rank + 1) ? s0 + 1 : s0) : MIXED;
            // gather(table, indices): rows of a batch-free table picked by batched indices.
            case GATHER -> in.get(0) == FREE ? in.get(1) : MIXED;
            case REDUCE -> {
                Reduce r = (Reduce) p;
                java.util.Set<Integer> axes = r.axesFor(rank); // no axes: all of them
                if (axes.contains(s0)) {
                    yield MIXED;
                }
                yield r.keepDims() ? s0 : s0 - (int) axes.stream().filter(a -> a < s0).count();
            }
            case SOFTMAX -> Math.floorMod(((Softmax) p).axis(), rank) == s0 ? MIXED : s0;
            case SCATTER_ADD, CROSS_ENTROPY, CROSS_ENTROPY_GRAD, FILL, IOTA -> MIXED;
        };
    }

    /** Broadcasting: every batched operand's axis, aligned to the right, must be the same output axis, where batch-free operands have size 1 or no axis. */
    private int elementwise(Node n, List<Integer> in, int rank) {
        int axis = FREE;
        for (int i = 0; i < in.size(); i++) {
            int s = in.get(i);
            if (s >= 0) {
                int aligned = s + rank - n.inputs().get(i).type().rank();
                if (axis != FREE && axis != aligned) {
                    return MIXED;
                }
                axis = aligned;
            }
        }
        for (int i = 0; i < in.size(); i++) {
            TensorType t = n.inputs().get(i).type();
            int at = axis - (rank - t.rank());
            if (in.get(i) == FREE && at >= 0 && !t.shape().dim(at).equals(new Dim.Fixed(1))) {
                return MIXED;
            }
        }
        return axis;
    }

    /** (..., M, K) · (..., K, N): rows split along M or a leading axis of a batched left operand, the right one batch-free. */
    private static int matmul(MatMul p, Node n, List<Integer> in) {
        if (in.get(1) != FREE) {
            return MIXED;
        }
        int s = in.get(0);
        int ra = n.inputs().get(0).type().rank();
        int rank = n.outputs().get(0).rank();
        int rows = p.transA() ? ra - 1 : ra - 2;
        int inner = p.transA() ? ra - 2 : ra - 1;
        if (s == inner) {
            return MIXED;
        }
        if (s == rows) {
            return rank - 2;
        }
        int rb = n.inputs().get(1).type().rank();
        int at = s + rank - ra;
        // The right operand's matching leading axis, if it has one, must broadcast (size 1).
        int bAt = at - (rank - rb);
        if (bAt >= 0 && bAt < rb - 2 && !n.inputs().get(1).type().shape().dim(bAt).equals(new Dim.Fixed(1))) {
            return MIXED;
        }
        return at;
    }

    /** A reshape keeps the rows apart when the dims before the batch axis and the batch dim itself are unchanged. */
    private int reshape(Shape from, int s, Shape to) {
        int axis = axisOf(to);
        if (axis < 0 || axis != s) {
            return MIXED;
        }
        for (int i = 0; i <= s; i++) {
            if (!from.dim(i).equals(to.dim(i))) {
                return MIXED;
            }
        }
        return s;
    }

    /**
     * A scan: carries keep their axis across steps (found by iterating, a batch-free initial carry
     * may become batched), a sequence's step drops its time axis, and a masked scan's lengths (or
     * mask) are batched along the carries' leading axis.
     */
    private List<Integer> scan(ScanOp scan, Node n, List<Integer> in) {
        List<Integer> mixed = new ArrayList<>();
        for (int i = 0; i < n.outputs().size(); i++) {
            mixed.add(MIXED);
        }
        if (in.contains(MIXED)) {
            return mixed;
        }
        ScanOp.Operands<Integer> ops = scan.split(in);
        List<Integer> carries = new ArrayList<>(ops.carries());
        for (int round = 0; round <= carries.size(); round++) {
            Map<Value, Integer> params = new HashMap<>();
            List<Value> ps = scan.body().params();
            int k = 0;
            for (int c : carries) {
                params.put(ps.get(k++), c);
            }
            for (int s : ops.sequences()) {
                if (s == 0) {
                    return mixed; // the batch would be the time axis
                }
                params.put(ps.get(k++), s > 0 ? s - 1 : FREE);
            }
            for (int s : ops.invariants()) {
                params.put(ps.get(k++), s);
            }
            Map<Value, Integer> states = analyze(scan.body(), params);
            List<Integer> results = new ArrayList<>();
            for (Value r : scan.body().results()) {
                results.add(states.get(r));
            }
            if (results.contains(MIXED)) {
                return mixed;
            }
            List<Integer> next = results.subList(0, carries.size());
            if (next.equals(carries)) {
                if (scan.masking() != ScanOp.Masking.NONE) {
                    int want = scan.masking() == ScanOp.Masking.LENGTHS ? 0 : 1;
                    if (ops.mask() != want || carries.stream().anyMatch(c -> c != 0)
                            || results.subList(carries.size(), results.size()).stream().anyMatch(y -> y != 0)) {
                        return mixed;
                    }
                }
                List<Integer> out = new ArrayList<>(carries);
                for (int y : results.subList(carries.size(), results.size())) {
                    out.add(y >= 0 ? y + 1 : FREE);
                }
                return out;
            }
            for (int i = 0; i < carries.size(); i++) {
                int was = carries.get(i);
                int now = next.get(i);
                if (was >= 0 && now != was) {
                    return mixed;
                }
                carries.set(i, now);
            }
        }
        return mixed;
    }
}
