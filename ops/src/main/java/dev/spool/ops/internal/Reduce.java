package dev.spool.ops.internal;

import dev.spool.graph.Dim;
import dev.spool.graph.Shape;
import dev.spool.graph.ShapeException;
import dev.spool.graph.TensorType;
import dev.spool.graph.Value;
import dev.spool.graph.internal.DimUnifier;
import dev.spool.ops.Builder;
import dev.spool.ops.CompareFn;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.TreeSet;

/**
 * Sum, mean or max over {@code axes} (all axes when empty), optionally keeping them as size 1.
 *
 * <p>Rules by stage: shape and VJP in this record; folding none; lowering (to a reduction)
 * {@code dev.spool.compiler.lower.ReductionLowering#REDUCE}; reference semantics
 * {@code dev.spool.backend.cpu.reference.ReductionReference#REDUCE}; kernel code none (the
 * runtime's executor runs its instruction).
 */
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

    @Override
    public List<Value> vjp(Builder b, Forward fwd, List<Value> cot) {
        Value g = cot.get(0);
        TensorType in = fwd.inputType(0);
        if (g == null || !in.dtype().isFloat()) {
            return java.util.Arrays.asList((Value) null);
        }
        var red = axesFor(in.rank());
        Value kept = keepDims ? g : Grads.keepDims(b, g, in, red);
        return List.of(switch (fn) {
            case SUM -> Grads.broadcastTo(b, kept, in);
            case MEAN -> {
                // The count may be symbolic (T * B), so it is computed as a sum of ones at run time.
                Value ones = b.fill(1, in.dtype(), in.shape().dims().toArray());
                Value count = b.apply1(new Reduce(ReduceFn.SUM, axes, true), ones);
                yield b.div(Grads.broadcastTo(b, kept, in), count);
            }
            case MAX -> {
                Value max = keepDims ? fwd.output(0) : Grads.keepDims(b, fwd.output(0), in, red);
                Value hit = b.compare(CompareFn.EQ, fwd.input(0), max);
                yield b.where(hit, Grads.broadcastTo(b, kept, in), b.scalar(0, in.dtype()));
            }
        });
    }
}
