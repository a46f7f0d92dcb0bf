package dev.spool.ops.internal;

import dev.spool.graph.Dim;
import dev.spool.graph.ShapeException;
import dev.spool.graph.TensorType;
import dev.spool.graph.Value;
import dev.spool.graph.internal.DimUnifier;
import dev.spool.ops.Builder;

import java.util.Arrays;
import java.util.List;

/**
 * Zero-pads a fixed-size axis with {@code before} and {@code after} entries (the VJP of slice).
 *
 * <p>Rules by stage: shape and VJP in this record; folding none; lowering (to a fill and a copy)
 * {@code dev.spool.compiler.lower.LayoutLowering#PAD}; reference semantics
 * {@code dev.spool.backend.cpu.reference.LayoutReference#PAD}; kernel code none (the runtime's
 * executor runs its instruction).
 */
public record Pad(int axis, int before, int after) implements Primitive {
    @Override
    public OpCode code() {
        return OpCode.PAD;
    }

    @Override
    public String name() {
        return "pad";
    }

    @Override
    public String attributes() {
        return "axis=" + axis + " " + before + "," + after;
    }

    @Override
    public List<TensorType> infer(List<TensorType> in, DimUnifier dims) {
        Rules.arity(name(), in, 1);
        TensorType x = in.get(0);
        int a = Rules.axis(name(), axis, x.rank());
        int size = Rules.fixedSize(name(), x, a, dims);
        if (before < 0 || after < 0) {
            throw new ShapeException("pad: padding must be non-negative, got " + before + ", " + after);
        }
        return List.of(new TensorType(x.dtype(), x.shape().with(a, Dim.of(size + before + after))));
    }

    @Override
    public List<Value> vjp(Builder b, Forward fwd, List<Value> cot) {
        int a = Math.floorMod(axis, fwd.inputType(0).rank());
        int n = fwd.inputType(0).shape().dim(a).size();
        return Arrays.asList(b.slice(cot.get(0), a, before, before + n));
    }
}
