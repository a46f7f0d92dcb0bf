package dev.spool.ops.internal;

import dev.spool.graph.Dim;
import dev.spool.graph.Shape;
import dev.spool.graph.TensorType;
import dev.spool.graph.Value;
import dev.spool.graph.internal.DimUnifier;
import dev.spool.ops.Builder;

import java.util.ArrayList;
import java.util.List;

/**
 * Stacks same-typed operands along a new axis.
 *
 * <p>Rules by stage: shape and VJP in this record; folding none; lowering (to copies)
 * {@code dev.spool.compiler.lower.LayoutLowering#STACK}; reference semantics
 * {@code dev.spool.backend.cpu.reference.LayoutReference#STACK}; kernel code none (the runtime's
 * executor runs its instruction).
 */
public record Stack(int axis) implements Primitive {
    @Override
    public OpCode code() {
        return OpCode.STACK;
    }

    @Override
    public String name() {
        return "stack";
    }

    @Override
    public String attributes() {
        return "axis=" + axis;
    }

    @Override
    public List<TensorType> infer(List<TensorType> in, DimUnifier dims) {
        Rules.sameExceptAxis(name(), in, -1, dims);
        TensorType first = in.get(0);
        int a = Rules.axis(name(), axis, first.rank() + 1);
        List<Dim> out = new ArrayList<>(dims.resolve(first.shape()).dims());
        out.add(a, Dim.of(in.size()));
        return List.of(new TensorType(first.dtype(), new Shape(out)));
    }

    @Override
    public List<Value> vjp(Builder b, Forward fwd, List<Value> cot) {
        Value g = cot.get(0);
        List<Value> out = new java.util.ArrayList<>();
        int a = Math.floorMod(axis, fwd.outputType(0).rank());
        for (int i = 0; i < fwd.numInputs(); i++) {
            out.add(g == null ? null : b.index(g, a, i));
        }
        return out;
    }
}
