package dev.spool.ops.internal;

import dev.spool.graph.Dim;
import dev.spool.graph.ShapeException;
import dev.spool.graph.TensorType;
import dev.spool.graph.Value;
import dev.spool.graph.internal.DimUnifier;
import dev.spool.ops.Builder;

import java.util.List;

/**
 * Joins operands along an existing axis (fixed sizes there); the other axes must agree.
 *
 * <p>Rules by stage: shape and VJP in this record; folding none; lowering (to copies)
 * {@code dev.spool.compiler.lower.LayoutLowering#CONCAT}; reference semantics
 * {@code dev.spool.backend.cpu.reference.LayoutReference#CONCAT}; kernel code none (the runtime's
 * executor runs its instruction).
 */
public record Concat(int axis) implements Primitive {
    @Override
    public OpCode code() {
        return OpCode.CONCAT;
    }

    @Override
    public String name() {
        return "concat";
    }

    @Override
    public String attributes() {
        return "axis=" + axis;
    }

    @Override
    public List<TensorType> infer(List<TensorType> in, DimUnifier dims) {
        if (in.isEmpty()) {
            throw new ShapeException("concat: needs at least one operand");
        }
        TensorType first = in.get(0);
        int a = Rules.axis(name(), axis, first.rank());
        Rules.sameExceptAxis(name(), in, a, dims);
        int total = 0;
        for (TensorType t : in) {
            total += Rules.fixedSize(name(), t, a, dims);
        }
        return List.of(new TensorType(first.dtype(), dims.resolve(first.shape().with(a, Dim.of(total)))));
    }

    @Override
    public List<Value> vjp(Builder b, Forward fwd, List<Value> cot) {
        Value g = cot.get(0);
        List<Value> out = new java.util.ArrayList<>();
        int a = Math.floorMod(axis, fwd.outputType(0).rank());
        int at = 0;
        for (int i = 0; i < fwd.numInputs(); i++) {
            int n = fwd.inputType(i).shape().dim(a).size();
            out.add(g == null ? null : b.slice(g, a, at, at + n));
            at += n;
        }
        return out;
    }
}
