package dev.spool.ops.internal;

import dev.spool.graph.DType;
import dev.spool.graph.Dim;
import dev.spool.graph.TensorType;
import dev.spool.graph.Value;
import dev.spool.graph.internal.DimUnifier;
import dev.spool.ops.Builder;

import java.util.List;

/**
 * Int indices (i...) to (i..., depth) of dtype with a 1 at each index (out-of-range rows are all 0).
 *
 * <p>Rules by stage: shape and VJP in this record; folding none; lowering (to a one-hot)
 * {@code dev.spool.compiler.lower.GatherScatterLowering#ONE_HOT}; reference semantics
 * {@code dev.spool.backend.cpu.reference.GatherScatterReference#ONE_HOT}; kernel code none (the
 * runtime's executor runs its instruction).
 */
public record OneHot(int depth, DType dtype) implements Primitive {
    @Override
    public OpCode code() {
        return OpCode.ONE_HOT;
    }

    @Override
    public String name() {
        return "one_hot";
    }

    @Override
    public String attributes() {
        return "depth=" + depth + " " + dtype;
    }

    @Override
    public List<TensorType> infer(List<TensorType> in, DimUnifier dims) {
        Rules.arity(name(), in, 1);
        Rules.integerDtype(name(), "indices", in.get(0));
        return List.of(new TensorType(dtype, in.get(0).shape().append(Dim.of(depth))));
    }

    @Override
    public List<Value> vjp(Builder b, Forward fwd, List<Value> cot) {
        return java.util.Arrays.asList((Value) null);
    }
}
