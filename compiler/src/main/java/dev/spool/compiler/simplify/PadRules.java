package dev.spool.compiler.simplify;

import dev.spool.graph.Dim;
import dev.spool.graph.TensorType;
import dev.spool.graph.Value;
import dev.spool.ops.BinaryFn;
import dev.spool.ops.internal.Binary;
import dev.spool.ops.internal.Concat;
import dev.spool.ops.internal.Fill;
import dev.spool.ops.internal.OpCode;
import dev.spool.ops.internal.Pad;
import dev.spool.ops.internal.Primitive;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.TreeSet;

/**
 * Sums of zero-padded parts become one concat. The VJP of {@code slice} is {@code pad}, so the
 * gradient of a cell's gate pre-activations arrives as
 * {@code pad(a, before=8) + (pad(b, 4, 4) + pad(c, after=8))}: three full-width buffers added.
 * When the parts occupy disjoint ranges of one axis, the sum is their concatenation in order,
 * with {@code fill(0)} parts for inner gaps and a pad for empty ends, written once. Operands are
 * read as parts at offsets through pads, concats and zero fills, so nested sums (rewritten
 * bottom-up) flatten into one concat. Sums that broadcast are left alone. Exact: every element
 * of the sum adds zeros to at most one part's value.
 */
public final class PadRules {
    private PadRules() {
    }

    public static final List<Rule> RULES = List.of(
            // pad(a, axis, 8, 0) + pad(b, axis, 0, 8) -> concat(b, a) (fill(0) in gaps, pad for empty ends)
            Rule.of("disjoint-pads", OpCode.BINARY, PadRules::disjointSum),
            // pad(pad(x, a, b1, e1), a, b2, e2) -> pad(x, a, b1 + b2, e1 + e2)
            Rule.of("pad-pad", OpCode.PAD, PadRules::padPad),
            // concat(a, concat(b, c), d) -> concat(a, b, c, d) along one axis
            Rule.of("concat-concat", OpCode.CONCAT, PadRules::flatten),
            // concat(x) -> x
            Rule.of("concat-one", OpCode.CONCAT, (r, op, in) -> in.size() == 1 ? in.get(0) : null));

    /** A value occupying [start, end) of the axis; zero elsewhere. */
    private record Part(int start, int end, Value value) {
    }

    private static Value disjointSum(Rewriter r, Primitive op, List<Value> in) {
        TensorType t = r.type(in.get(0));
        if (((Binary) op).fn() != BinaryFn.ADD || !t.equals(r.type(in.get(1)))) {
            return null;
        }
        TreeSet<Integer> axes = new TreeSet<>();
        for (Value v : in) {
            axes.addAll(axisOf(r, v, t.rank()));
        }
        for (int axis : axes) {
            List<Part> parts = new ArrayList<>(parts(r, in.get(0), axis, 0));
            parts.addAll(parts(r, in.get(1), axis, 0));
            parts.sort(Comparator.comparingInt(Part::start));
            if (disjoint(parts)) {
                return assemble(r, t, axis, parts);
            }
        }
        return null;
    }

    /** The axis a pad or concat producing v works on, as a one-element list; else empty. */
    private static List<Integer> axisOf(Rewriter r, Value v, int rank) {
        Pad p = r.producer(v, Pad.class);
        if (p != null) {
            return List.of(Math.floorMod(p.axis(), rank));
        }
        Concat c = r.producer(v, Concat.class);
        return c == null ? List.of() : List.of(Math.floorMod(c.axis(), rank));
    }

    /** v along axis as its non-zero parts, shifted by offset. */
    private static List<Part> parts(Rewriter r, Value v, int axis, int offset) {
        TensorType t = r.type(v);
        Fill f = r.producer(v, Fill.class);
        if (f != null && f.value() == 0) {
            return List.of();
        }
        Pad p = r.producer(v, Pad.class);
        if (p != null && Math.floorMod(p.axis(), t.rank()) == axis) {
            return parts(r, r.input(v, 0), axis, offset + p.before());
        }
        Concat c = r.producer(v, Concat.class);
        if (c != null && Math.floorMod(c.axis(), t.rank()) == axis) {
            List<Part> out = new ArrayList<>();
            int at = offset;
            for (Value part : r.def(v).inputs()) {
                out.addAll(parts(r, part, axis, at));
                at += r.type(part).shape().dim(axis).size();
            }
            return out;
        }
        int size = t.shape().dim(axis).size();
        return size == 0 ? List.of() : List.of(new Part(offset, offset + size, v));
    }

    private static boolean disjoint(List<Part> sorted) {
        for (int i = 1; i < sorted.size(); i++) {
            if (sorted.get(i).start() < sorted.get(i - 1).end()) {
                return false;
            }
        }
        return true;
    }

    /** The parts laid out along axis of t: zeros between them, a pad around them. */
    private static Value assemble(Rewriter r, TensorType t, int axis, List<Part> parts) {
        if (parts.isEmpty()) {
            return r.emit(new Fill(0, t.dtype(), t.shape()));
        }
        List<Value> pieces = new ArrayList<>();
        int at = parts.get(0).start();
        for (Part p : parts) {
            if (p.start() > at) {
                pieces.add(r.emit(new Fill(0, t.dtype(), t.shape().with(axis, Dim.of(p.start() - at)))));
            }
            pieces.add(p.value());
            at = p.end();
        }
        Value joined = r.emit(new Concat(axis), pieces);
        int before = parts.get(0).start();
        int after = t.shape().dim(axis).size() - at;
        return r.emit(new Pad(axis, before, after), joined);
    }

    private static Value padPad(Rewriter r, Primitive op, List<Value> in) {
        Pad outer = (Pad) op;
        Pad inner = r.producer(in.get(0), Pad.class);
        int rank = r.type(in.get(0)).rank();
        if (inner == null || Math.floorMod(inner.axis(), rank) != Math.floorMod(outer.axis(), rank)) {
            return null;
        }
        return r.emit(new Pad(Math.floorMod(outer.axis(), rank), inner.before() + outer.before(), inner.after() + outer.after()),
                r.input(in.get(0), 0));
    }

    private static Value flatten(Rewriter r, Primitive op, List<Value> in) {
        int axis = Math.floorMod(((Concat) op).axis(), r.type(in.get(0)).rank());
        List<Value> flat = new ArrayList<>();
        boolean changed = false;
        for (Value v : in) {
            Concat c = r.producer(v, Concat.class);
            if (c != null && Math.floorMod(c.axis(), r.type(v).rank()) == axis) {
                flat.addAll(r.def(v).inputs());
                changed = true;
            } else {
                flat.add(v);
            }
        }
        return changed ? r.emit(new Concat(axis), flat) : null;
    }
}
