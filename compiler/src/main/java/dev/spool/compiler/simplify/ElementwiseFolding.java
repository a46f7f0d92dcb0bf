package dev.spool.compiler.simplify;

import dev.spool.graph.internal.Constant;
import dev.spool.graph.DType;
import dev.spool.graph.Shape;
import dev.spool.graph.Tensor;
import dev.spool.graph.TensorType;
import dev.spool.graph.Value;
import dev.spool.ops.internal.Binary;
import dev.spool.ops.internal.Cast;
import dev.spool.ops.internal.Compare;
import dev.spool.ops.internal.Fill;
import dev.spool.ops.internal.OpCode;
import dev.spool.ops.internal.Primitive;
import dev.spool.ops.internal.Unary;

import java.util.ArrayList;
import java.util.List;
import java.util.function.DoubleSupplier;
import java.util.function.LongSupplier;

/**
 * Constant folding of the elementwise ops, one constant per op holding its scalar semantics at
 * compile time ({@code UnaryFn.apply}, {@code BinaryFn.apply}, {@code CompareFn.apply}; integers
 * exactly in longs; results rounded to the output dtype on store), which {@link Eval} broadcasts.
 * An op whose operands are all uniform (fills, or constants with every element equal) and at least
 * one a fill becomes a fill of its result type, which may have symbolic dims: autodiff seeds and
 * broadcasts gradients this way ({@code fill0 + reshape(fill1)}). Otherwise an op of constants and
 * fixed-shape fills with a fixed result of at most {@value FoldingRules#MAX_ELEMENTS} elements
 * becomes a constant; a symbolic result never does. Integer division by zero is left for run time,
 * as is an integer result a fill's double cannot hold exactly.
 */
enum ElementwiseFolding {
    UNARY {
        @Override
        void store(Primitive op, List<Tensor> in, int[] at, Tensor out, int i) {
            Unary u = (Unary) op;
            Tensor a = in.get(0);
            set(out, i, a.dtype().isInteger(), () -> u.fn().applyLong(a.getLong(at[0])), () -> u.fn().apply(a.getDouble(at[0])));
        }
    },
    BINARY {
        @Override
        void store(Primitive op, List<Tensor> in, int[] at, Tensor out, int i) {
            Binary bin = (Binary) op;
            Tensor a = in.get(0);
            Tensor b = in.get(1);
            set(out, i, a.dtype().isInteger(), () -> bin.fn().applyLong(a.getLong(at[0]), b.getLong(at[1])),
                    () -> bin.fn().apply(a.getDouble(at[0]), b.getDouble(at[1])));
        }
    },
    COMPARE {
        @Override
        void store(Primitive op, List<Tensor> in, int[] at, Tensor out, int i) {
            Compare c = (Compare) op;
            Tensor a = in.get(0);
            Tensor b = in.get(1);
            boolean r = a.dtype().isInteger() ? c.fn().apply(Long.compare(a.getLong(at[0]), b.getLong(at[1])), 0)
                    : c.fn().apply(a.getDouble(at[0]), b.getDouble(at[1]));
            out.setDouble(i, r ? 1 : 0);
        }
    },
    WHERE {
        @Override
        void store(Primitive op, List<Tensor> in, int[] at, Tensor out, int i) {
            boolean pick = in.get(0).getDouble(at[0]) != 0;
            Tensor src = pick ? in.get(1) : in.get(2);
            int j = pick ? at[1] : at[2];
            set(out, i, src.dtype().isInteger(), () -> src.getLong(j), () -> src.getDouble(j));
        }
    },
    CAST {
        @Override
        void store(Primitive op, List<Tensor> in, int[] at, Tensor out, int i) {
            DType to = ((Cast) op).to();
            Tensor a = in.get(0);
            if (a.dtype().isInteger() && (to.isInteger() || to == DType.BOOL)) {
                long v = a.getLong(at[0]);
                out.setLong(i, to == DType.BOOL ? (v != 0 ? 1 : 0) : v);
            } else {
                out.setDouble(i, a.getDouble(at[0]));
            }
        }
    };

    /**
     * Stores op's value at element i of {@code out} from the operands' elements {@code at}
     * (already broadcast); throws {@link ArithmeticException} where it is undefined.
     */
    abstract void store(Primitive op, List<Tensor> in, int[] at, Tensor out, int i);

    /** Stores an integer result exactly (as a long), a float one as a double. */
    private static void set(Tensor out, int i, boolean integer, LongSupplier whole, DoubleSupplier real) {
        if (integer) {
            out.setLong(i, whole.getAsLong());
        } else {
            out.setDouble(i, real.getAsDouble());
        }
    }

    /** This op's folding rules. */
    List<Rule> rules(OpCode code) {
        return List.of(
                // op(fill a, fill b) -> fill(op(a, b)) of the broadcast shape
                Rule.of("fold-uniform", code, this::uniform),
                // op(constant, constant) -> constant, when the result is fixed and small
                Rule.of("fold-constant", code, this::constant));
    }

    private Value uniform(Rewriter r, Primitive op, List<Value> in) {
        if (in.stream().noneMatch(v -> r.producer(v, Fill.class) != null)
                || in.stream().anyMatch(v -> r.uniformValue(v).isEmpty())) {
            return null;
        }
        List<Tensor> scalars = in.stream().map(v -> scalar(r, v)).toList();
        TensorType t = r.resultType(op, in);
        Tensor res = Eval.elementwise(this, op, scalars, t.dtype(), new int[0]);
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

    private Value constant(Rewriter r, Primitive op, List<Value> in) {
        TensorType t = r.resultType(op, in);
        if (!t.shape().isFixed() || Shape.volume(t.shape().sizes()) > FoldingRules.MAX_ELEMENTS) {
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
        Tensor res = Eval.elementwise(this, op, values, t.dtype(), t.shape().sizes());
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
}
