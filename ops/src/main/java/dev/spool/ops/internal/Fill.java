package dev.spool.ops.internal;

import dev.spool.graph.DType;
import dev.spool.graph.Shape;
import dev.spool.graph.TensorType;
import dev.spool.graph.Value;
import dev.spool.graph.internal.DimUnifier;
import dev.spool.ops.Builder;

import java.util.List;

/**
 * A tensor of {@code shape} (symbols bound at run time) filled with {@code value}.
 *
 * <p>Rules by stage: shape and VJP in this record; folding none; lowering (to a fill)
 * {@code dev.spool.compiler.lower.GeneratorLowering#FILL}; reference semantics
 * {@code dev.spool.backend.cpu.reference.GeneratorReference#FILL}; kernel code none (the runtime's
 * executor runs its instruction).
 */
public record Fill(double value, DType dtype, Shape shape) implements Primitive {
    @Override
    public OpCode code() {
        return OpCode.FILL;
    }

    @Override
    public String name() {
        return "fill";
    }

    @Override
    public String attributes() {
        return value + " " + dtype + shape;
    }

    @Override
    public Fill mapDims(java.util.function.UnaryOperator<dev.spool.graph.Dim> f) {
        return new Fill(value, dtype, shape.map(f));
    }

    @Override
    public List<TensorType> infer(List<TensorType> in, DimUnifier dims) {
        Rules.arity(name(), in, 0);
        return List.of(new TensorType(dtype, shape));
    }

    @Override
    public List<Value> vjp(Builder b, Forward fwd, List<Value> cot) {
        return List.of();
    }
}
