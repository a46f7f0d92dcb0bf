package dev.spool.ops.internal;

import dev.spool.graph.ShapeException;
import dev.spool.graph.TensorType;
import dev.spool.graph.Value;
import dev.spool.graph.internal.DimUnifier;
import dev.spool.ops.Builder;

import java.util.List;

/**
 * The gradient of mean {@link CrossEntropy} with respect to its logits: {@code (softmax(logits) -
 * one_hot(targets)) * scale} for logits (..., C), int targets (...) and a scalar scale (the loss's
 * cotangent over the row count). One op instead of a softmax, a one-hot and two products, so a
 * backend computes it in one pass over the rows, as deep-learning libraries fuse
 * softmax-cross-entropy backward.
 *
 * <p>Rules by stage: shape and VJP in this record; folding none; lowering (to a cross-entropy
 * gradient) {@code dev.spool.compiler.lower.SoftmaxLowering#CROSS_ENTROPY_GRAD}; reference
 * semantics {@code dev.spool.backend.cpu.reference.SoftmaxReference#CROSS_ENTROPY_GRAD}; kernel
 * code none (the runtime's executor runs its instruction).
 */
public record CrossEntropyGrad() implements Primitive {
    @Override
    public OpCode code() {
        return OpCode.CROSS_ENTROPY_GRAD;
    }

    @Override
    public String name() {
        return "cross_entropy_grad";
    }

    @Override
    public List<TensorType> infer(List<TensorType> in, DimUnifier dims) {
        Rules.arity(name(), in, 3);
        TensorType logits = in.get(0);
        new CrossEntropy().infer(in.subList(0, 2), dims);
        TensorType scale = in.get(2);
        if (scale.rank() != 0 || scale.dtype() != logits.dtype()) {
            throw new ShapeException("cross_entropy_grad: the scale must be a " + logits.dtype() + " scalar, got " + scale);
        }
        return List.of(logits);
    }

    @Override
    public List<Value> vjp(Builder b, Forward fwd, List<Value> cotangents) {
        throw new UnsupportedOperationException("second derivatives of cross_entropy are not supported");
    }
}
