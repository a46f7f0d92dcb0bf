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
 * Row lookup {@code table[indices]}: (V, d...) with int indices (i...) gives (i..., d...).
 *
 * <p>Rules by stage: shape and VJP in this record; folding none; lowering (to a gather)
 * {@code dev.spool.compiler.lower.GatherScatterLowering#GATHER}; reference semantics
 * {@code dev.spool.backend.cpu.reference.GatherScatterReference#GATHER}; kernel code none (the
 * runtime's executor runs its instruction).
 */
public record Gather() implements Primitive {
    @Override
    public OpCode code() {
        return OpCode.GATHER;
    }

    @Override
    public String name() {
        return "gather";
    }

    @Override
    public List<TensorType> infer(List<TensorType> in, DimUnifier dims) {
        Rules.arity(name(), in, 2);
        TensorType table = in.get(0);
        Rules.integerDtype(name(), "indices", in.get(1));
        if (table.rank() < 1) {
            throw new ShapeException("gather: the table must have rank >= 1, got " + table);
        }
        List<Dim> out = new ArrayList<>(in.get(1).shape().dims());
        out.addAll(table.shape().drop(1).dims());
        return List.of(new TensorType(table.dtype(), new Shape(out)));
    }

    @Override
    public List<Value> vjp(Builder b, Forward fwd, List<Value> cot) {
        Value g = cot.get(0);
        if (g == null || !fwd.inputType(0).dtype().isFloat()) {
            return java.util.Arrays.asList(null, null);
        }
        return java.util.Arrays.asList(b.apply1(new ScatterAdd(fwd.inputType(0).shape().dim(0).size()), fwd.input(1), g), null);
    }
}
