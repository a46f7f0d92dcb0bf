package dev.spool.ops;

import dev.spool.graph.Dim;
import dev.spool.graph.DimUnifier;
import dev.spool.graph.Shape;
import dev.spool.graph.ShapeException;
import dev.spool.graph.TensorType;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.TreeSet;

/** Sum, mean or max over {@code axes} (all axes when empty), optionally keeping them as size 1. */
public record Reduce(ReduceFn fn, List<Integer> axes, boolean keepDims) implements Primitive {
    public Reduce {
        axes = List.copyOf(axes);
    }

    @Override
    public OpCode code() {
        return OpCode.REDUCE;
    }

    @Override
    public String name() {
        return "reduce_" + fn.name().toLowerCase(Locale.ROOT);
    }

    @Override
    public String attributes() {
        return "axes=" + axes + (keepDims ? " keep" : "");
    }

    /** The normalised, sorted set of reduced axes for a rank. */
    public TreeSet<Integer> axesFor(int rank) {
        TreeSet<Integer> s = new TreeSet<>();
        if (axes.isEmpty()) {
            for (int i = 0; i < rank; i++) {
                s.add(i);
            }
        }
        for (int a : axes) {
            s.add(Rules.axis(name(), a, rank));
        }
        return s;
    }

    @Override
    public List<TensorType> infer(List<TensorType> in, DimUnifier dims) {
        Rules.arity(name(), in, 1);
        TensorType x = in.get(0);
        if (fn == ReduceFn.MEAN) {
            Rules.floatDtype(name(), "the operand", x);
        } else if (!x.dtype().isFloat() && !x.dtype().isInteger()) {
            throw new ShapeException(name() + ": needs a numeric operand, got " + x);
        }
        TreeSet<Integer> red = axesFor(x.rank());
        List<Dim> out = new ArrayList<>();
        for (int i = 0; i < x.rank(); i++) {
            if (!red.contains(i)) {
                out.add(x.shape().dim(i));
            } else if (keepDims) {
                out.add(Dim.of(1));
            }
        }
        return List.of(new TensorType(x.dtype(), new Shape(out)));
    }
}
