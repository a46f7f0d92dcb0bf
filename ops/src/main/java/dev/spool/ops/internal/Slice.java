package dev.spool.ops.internal;

import dev.spool.graph.Dim;
import dev.spool.graph.ShapeException;
import dev.spool.graph.TensorType;
import dev.spool.graph.Value;
import dev.spool.graph.internal.DimUnifier;
import dev.spool.ops.Builder;

import java.util.List;

/**
 * {@code x[start:end]} along {@code axis} (a fixed-size axis).
 *
 * <p>Rules by stage: shape and VJP in this record; folding
 * {@code dev.spool.compiler.simplify.LayoutFolding#FILL_MOVE}; lowering (to a view)
 * {@code dev.spool.compiler.lower.LayoutLowering#SLICE}; reference semantics
 * {@code dev.spool.backend.cpu.reference.LayoutReference#SLICE}; kernel code none (the runtime's
 * executor runs its instruction).
 */
public record Slice(int axis, int start, int end) implements Primitive {
    @Override
    public OpCode code() {
        return OpCode.SLICE;
    }

    @Override
    public String name() {
        return "slice";
    }

    @Override
    public String attributes() {
        return "axis=" + axis + " " + start + ":" + end;
    }

    @Override
    public List<TensorType> infer(List<TensorType> in, DimUnifier dims) {
        Rules.arity(name(), in, 1);
        TensorType x = in.get(0);
        int a = Rules.axis(name(), axis, x.rank());
        int size = Rules.fixedSize(name(), x, a, dims);
        if (start < 0 || end < start || end > size) {
            throw new ShapeException("slice: range " + start + ":" + end + " is outside axis " + a + " of size " + size + " in " + x);
        }
        return List.of(new TensorType(x.dtype(), x.shape().with(a, Dim.of(end - start))));
    }

    @Override
    public List<Value> vjp(Builder b, Forward fwd, List<Value> cot) {
        Value g = cot.get(0);
        if (g == null) {
            return java.util.Arrays.asList((Value) null);
        }
        int a = Math.floorMod(axis, fwd.inputType(0).rank());
        int n = fwd.inputType(0).shape().dim(a).size();
        return List.of(b.apply1(new Pad(a, start, n - end), g));
    }
}
