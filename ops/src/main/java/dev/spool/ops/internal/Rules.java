package dev.spool.ops.internal;

import dev.spool.graph.DType;
import dev.spool.graph.Dim;
import dev.spool.graph.Shape;
import dev.spool.graph.ShapeException;
import dev.spool.graph.TensorType;
import dev.spool.graph.internal.DimUnifier;

import java.util.List;

/** Checks shared by the shape rules, each throwing a {@link ShapeException} that names the op. */
final class Rules {
    private Rules() {
    }

    static void arity(String op, List<TensorType> in, int n) {
        if (in.size() != n) {
            throw new ShapeException(op + ": expects " + n + " operand" + (n == 1 ? "" : "s") + ", got " + in.size());
        }
    }

    static void sameNumericDtype(String op, List<TensorType> in) {
        DType d = in.get(0).dtype();
        for (TensorType t : in) {
            if (t.dtype() != d) {
                throw new ShapeException(op + ": operands differ in dtype: " + in.get(0) + " vs " + t + "; cast one of them");
            }
            if (t.dtype() == DType.BOOL) {
                throw new ShapeException(op + ": needs numeric operands, got " + t);
            }
        }
    }

    static void floatDtype(String op, String what, TensorType t) {
        if (!t.dtype().isFloat()) {
            throw new ShapeException(op + ": " + what + " must be F32 or F64, got " + t);
        }
    }

    static void integerDtype(String op, String what, TensorType t) {
        if (!t.dtype().isInteger()) {
            throw new ShapeException(op + ": " + what + " must be I32 or I64, got " + t);
        }
    }

    static List<Shape> shapes(List<TensorType> in) {
        return in.stream().map(TensorType::shape).toList();
    }

    /** Normalises a possibly negative axis against rank, or throws naming the op. */
    static int axis(String op, int axis, int rank) {
        int a = axis < 0 ? axis + rank : axis;
        if (a < 0 || a >= rank) {
            throw new ShapeException(op + ": axis " + axis + " is out of range for rank " + rank);
        }
        return a;
    }

    static void sameDtypeAndRank(String op, TensorType first, TensorType t) {
        if (t.dtype() != first.dtype() || t.rank() != first.rank()) {
            throw new ShapeException(op + ": operands must share dtype and rank: " + first + " vs " + t);
        }
    }

    /** The size of a fixed-size axis, or an error saying the op needs one there. */
    static int fixedSize(String op, TensorType x, int axis, DimUnifier dims) {
        Dim d = dims.resolve(x.shape().dim(axis));
        if (!d.isFixed()) {
            throw new ShapeException(op + ": axis " + axis + " of " + x + " is symbolic; " + op + " needs a fixed size there");
        }
        return d.size();
    }

    /**
     * Checks that operands share dtype and rank and agree on every axis but {@code except}
     * (-1 for none), unifying symbols; used by concat and stack.
     */
    static void sameExceptAxis(String op, List<TensorType> in, int except, DimUnifier dims) {
        if (in.isEmpty()) {
            throw new ShapeException(op + ": needs at least one operand");
        }
        TensorType first = in.get(0);
        for (TensorType t : in) {
            sameDtypeAndRank(op, first, t);
            for (int i = 0; i < first.rank(); i++) {
                if (i != except && !dims.tryUnify(first.shape().dim(i), t.shape().dim(i))) {
                    throw new ShapeException(op + ": operands " + first + " and " + t + " differ on axis " + i);
                }
            }
        }
    }
}
