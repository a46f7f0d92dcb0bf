package dev.spool.ops.internal;

import dev.spool.graph.DType;
import dev.spool.graph.TensorType;
import dev.spool.graph.Value;
import dev.spool.graph.internal.DimUnifier;
import dev.spool.ops.Builder;

import java.util.List;

/**
 * Converts the element type; float to int truncates toward zero, anything to BOOL is {@code != 0}.
 *
 * <p>Rules by stage: shape and VJP in this record; folding
 * {@code dev.spool.compiler.simplify.ElementwiseFolding#CAST}; lowering (to a generated kernel)
 * {@code dev.spool.compiler.lower.ElementwiseLowering#KERNEL}; reference semantics
 * {@code dev.spool.backend.cpu.reference.ElementwiseReference#CAST}; kernel code
 * {@code dev.spool.backend.cpu.codegen.ElementwiseTemplate#CAST}.
 */
public record Cast(DType to) implements Primitive {
    @Override
    public OpCode code() {
        return OpCode.CAST;
    }

    @Override
    public String name() {
        return "cast";
    }

    @Override
    public String attributes() {
        return to.name();
    }

    @Override
    public List<TensorType> infer(List<TensorType> in, DimUnifier dims) {
        Rules.arity(name(), in, 1);
        return List.of(new TensorType(to, in.get(0).shape()));
    }

    @Override
    public List<Value> vjp(Builder b, Forward fwd, List<Value> cot) {
        Value g = cot.get(0);
        boolean differentiable = g != null && to.isFloat() && fwd.inputType(0).dtype().isFloat();
        return java.util.Arrays.asList(differentiable ? b.cast(g, fwd.inputType(0).dtype()) : null);
    }
}
