package dev.spool.compiler.simplify;

import dev.spool.graph.Shape;
import dev.spool.graph.Tensor;
import dev.spool.graph.TensorType;
import dev.spool.graph.Value;
import dev.spool.graph.internal.Constant;
import dev.spool.ops.internal.Fill;
import dev.spool.ops.internal.OpCode;
import dev.spool.ops.internal.OpKind;
import dev.spool.ops.internal.Primitive;

import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;

/**
 * Constant folding. An elementwise op whose operands are all uniform (fills, or constants with
 * every element equal) and at least one a fill becomes a fill of its result type, which may have
 * symbolic dims: autodiff seeds and broadcasts gradients this way ({@code fill0 + reshape(fill1)}).
 * Otherwise an elementwise op of constants and fixed-shape fills with a fixed result of at most
 * {@value #MAX_ELEMENTS} elements becomes a constant; a symbolic result never does. Values are
 * computed by {@link Eval} with the ops' scalar semantics; integer division by zero is left for
 * run time, as is an integer result a fill's double cannot hold exactly.
 */
public final class FoldRules {
    /** The largest result folded into a constant. */
    public static final int MAX_ELEMENTS = 64;

    private static final Set<OpCode> SHAPE_MOVES = EnumSet.of(OpCode.RESHAPE, OpCode.TRANSPOSE, OpCode.SLICE, OpCode.INDEX);

    public static final List<Rule> RULES = rules();

    private FoldRules() {
    }

    private static List<Rule> rules() {
        List<Rule> out = new ArrayList<>();
        for (OpCode c : OpCode.values()) {
            if (c.kind() == OpKind.ELEMENTWISE) {
                // op(fill a, fill b) -> fill(op(a, b)) of the broadcast shape
                out.add(Rule.of("fold-uniform", c, FoldRules::uniform));
                // op(constant, constant) -> constant, when the result is fixed and small
                out.add(Rule.of("fold-constant", c, FoldRules::constant));
            }
        }
        for (OpCode c : SHAPE_MOVES) {
            // reshape(fill) -> fill (and transpose, slice, index): a fill has no layout
            out.add(Rule.of("fill-move", c, FoldRules::moveFill));
        }
        return List.copyOf(out);
    }

    private static Value uniform(Rewriter r, Primitive op, List<Value> in) {
        if (in.stream().noneMatch(v -> r.producer(v, Fill.class) != null)
                || in.stream().anyMatch(v -> r.uniformValue(v).isEmpty())) {
            return null;
        }
        List<Tensor> scalars = in.stream().map(v -> scalar(r, v)).toList();
        TensorType t = r.resultType(op, in);
        Tensor res = Eval.elementwise(op, scalars, t.dtype(), new int[0]);
        if (res == null || (t.dtype().isInteger() && (long) res.getDouble(0) != res.getLong(0))) {
            return null;
        }
        return r.emit(new Fill(res.getDouble(0), t.dtype(), t.shape()));
    }

    /** One element of a uniform value, read exactly (integers as longs). */
    private static Tensor scalar(Rewriter r, Value v) {
        Fill f = r.producer(v, Fill.class);
        if (f != null) {
            return Tensor.scalar(f.value(), f.dtype()); // rounded to the dtype as the fill kernel stores it
        }
        Tensor c = r.producer(v, Constant.class).value();
        Tensor s = Tensor.zeros(c.dtype());
        if (c.dtype().isInteger()) {
            s.setLong(0, c.getLong(0));
        } else {
            s.setDouble(0, c.getDouble(0));
        }
        return s;
    }

    private static Value constant(Rewriter r, Primitive op, List<Value> in) {
        TensorType t = r.resultType(op, in);
        if (!t.shape().isFixed() || Shape.volume(t.shape().sizes()) > MAX_ELEMENTS) {
            return null;
        }
        List<Tensor> values = new ArrayList<>();
        for (Value v : in) {
            Tensor x = materialized(r, v);
            if (x == null) {
                return null;
            }
            values.add(x);
        }
        Tensor res = Eval.elementwise(op, values, t.dtype(), t.shape().sizes());
        return res == null ? null : r.emit(new Constant(res));
    }

    /** A constant's value, or a fixed-shape fill as a tensor; null for anything else. */
    private static Tensor materialized(Rewriter r, Value v) {
        Constant c = r.producer(v, Constant.class);
        if (c != null) {
            return c.value();
        }
        Fill f = r.producer(v, Fill.class);
        if (f == null || !r.type(v).shape().isFixed()) {
            return null;
        }
        Tensor t = Tensor.zeros(f.dtype(), r.type(v).shape().sizes());
        for (int i = 0; i < t.size(); i++) {
            t.setDouble(i, f.value());
        }
        return t;
    }

    private static Value moveFill(Rewriter r, Primitive op, List<Value> in) {
        Fill f = r.producer(in.get(0), Fill.class);
        if (f == null) {
            return null;
        }
        TensorType t = r.resultType(op, in);
        return r.emit(new Fill(f.value(), t.dtype(), t.shape()));
    }
}
