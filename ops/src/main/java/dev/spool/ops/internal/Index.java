package dev.spool.ops.internal;

import dev.spool.graph.Dim;
import dev.spool.graph.Shape;
import dev.spool.graph.ShapeException;
import dev.spool.graph.TensorType;
import dev.spool.graph.Value;
import dev.spool.graph.internal.DimUnifier;
import dev.spool.ops.Builder;

import java.util.ArrayList;
import java.util.List;

/**
 * {@code x[..., index, ...]}: selects one entry of a fixed-size axis and drops that axis.
 *
 * <p>Rules by stage: shape and VJP in this record; folding
 * {@code dev.spool.compiler.simplify.LayoutFolding#FILL_MOVE}; lowering (to a view)
 * {@code dev.spool.compiler.lower.LayoutLowering#INDEX}; reference semantics
 * {@code dev.spool.backend.cpu.reference.LayoutReference#INDEX}; kernel code none (the runtime's
 * executor runs its instruction).
 */
public record Index(int axis, int index) implements Primitive {
    @Override
    public OpCode code() {
        return OpCode.INDEX;
    }

    @Override
    public String name() {
        return "index";
    }

    @Override
    public String attributes() {
        return "axis=" + axis + " " + index;
    }

    @Override
    public List<TensorType> infer(List<TensorType> in, DimUnifier dims) {
        Rules.arity(name(), in, 1);
        TensorType x = in.get(0);
        int a = Rules.axis(name(), axis, x.rank());
        int size = Rules.fixedSize(name(), x, a, dims);
        if (index < 0 || index >= size) {
            throw new ShapeException("index: " + index + " is outside axis " + a + " of " + x);
        }
        List<Dim> out = new ArrayList<>(x.shape().dims());
        out.remove(a);
        return List.of(new TensorType(x.dtype(), new Shape(out)));
    }

    @Override
    public List<Value> vjp(Builder b, Forward fwd, List<Value> cot) {
        Value g = cot.get(0);
        if (g == null) {
            return java.util.Arrays.asList((Value) null);
        }
        TensorType in = fwd.inputType(0);
        int a = Math.floorMod(axis, in.rank());
        Value expanded = b.apply1(new Reshape(in.shape().with(a, Dim.of(1))), g);
        return List.of(b.apply1(new Pad(a, index, in.shape().dim(a).size() - index - 1), expanded));
    }
}
