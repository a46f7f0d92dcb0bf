package dev.spool.ops.internal;

import dev.spool.graph.DType;
import dev.spool.graph.Shape;
import dev.spool.graph.TensorType;
import dev.spool.graph.Value;
import dev.spool.graph.internal.DimUnifier;
import dev.spool.ops.Builder;

import java.util.List;

/**
 * A tensor of {@code shape} whose entries are their index along {@code axis} (e.g. the step t).
 *
 * <p>Rules by stage: shape and VJP in this record; folding none; lowering (to an iota)
 * {@code dev.spool.compiler.lower.GeneratorLowering#IOTA}; reference semantics
 * {@code dev.spool.backend.cpu.reference.GeneratorReference#IOTA}; kernel code none (the runtime's
 * executor runs its instruction).
 */
public record Iota(DType dtype, Shape shape, int axis) implements Primitive {
    @Override
    public OpCode code() {
        return OpCode.IOTA;
    }

    @Override
    public String name() {
        return "iota";
    }

    @Override
    public String attributes() {
        return dtype + shape.toString() + " axis=" + axis;
    }

    @Override
    public Iota mapDims(java.util.function.UnaryOperator<dev.spool.graph.Dim> f) {
        return new Iota(dtype, shape.map(f), axis);
    }

    @Override
    public List<TensorType> infer(List<TensorType> in, DimUnifier dims) {
        Rules.arity(name(), in, 0);
        Rules.axis(name(), axis, shape.rank());
        return List.of(new TensorType(dtype, shape));
    }

    @Override
    public List<Value> vjp(Builder b, Forward fwd, List<Value> cot) {
        return List.of();
    }
}
