package dev.spool.ops.internal;

import dev.spool.graph.Shape;
import dev.spool.graph.ShapeException;
import dev.spool.graph.TensorType;
import dev.spool.graph.Value;
import dev.spool.graph.internal.DimUnifier;
import dev.spool.ops.Builder;

import java.util.List;

/**
 * Mean cross-entropy of logits (..., C) against int class targets (...), as PyTorch's
 * {@code F.cross_entropy} with mean reduction: a scalar.
 *
 * <p>Rules by stage: shape and VJP in this record; folding none; lowering (to a cross-entropy)
 * {@code dev.spool.compiler.lower.SoftmaxLowering#CROSS_ENTROPY}; reference semantics
 * {@code dev.spool.backend.cpu.reference.SoftmaxReference#CROSS_ENTROPY}; kernel code none (the
 * runtime's executor runs its instruction).
 */
public record CrossEntropy() implements Primitive {
    @Override
    public OpCode code() {
        return OpCode.CROSS_ENTROPY;
    }

    @Override
    public String name() {
        return "cross_entropy";
    }

    @Override
    public List<TensorType> infer(List<TensorType> in, DimUnifier dims) {
        Rules.arity(name(), in, 2);
        TensorType logits = in.get(0);
        TensorType targets = in.get(1);
        Rules.floatDtype(name(), "logits", logits);
        Rules.integerDtype(name(), "targets", targets);
        if (logits.rank() != targets.rank() + 1) {
            throw new ShapeException("cross_entropy: logits " + logits + " must have one more axis (classes) than targets " + targets);
        }
        for (int i = 0; i < targets.rank(); i++) {
            if (!dims.tryUnify(logits.shape().dim(i), targets.shape().dim(i))) {
                throw new ShapeException("cross_entropy: logits " + logits + " and targets " + targets + " differ on axis " + i);
            }
        }
        return List.of(new TensorType(logits.dtype(), Shape.SCALAR));
    }

    @Override
    public List<Value> vjp(Builder b, Forward fwd, List<Value> cot) {
        Value g = cot.get(0);
        if (g == null) {
            return java.util.Arrays.asList(null, null);
        }
        TensorType logits = fwd.inputType(0);
        TensorType targets = fwd.inputType(1);
        // (softmax(logits) - one_hot(targets)) * g / N, with N counted at run time (it may be symbolic).
        Value count = b.sum(b.fill(1, logits.dtype(), targets.shape().dims().toArray()));
        Value grad = b.apply1(new CrossEntropyGrad(), fwd.input(0), fwd.input(1), b.div(g, count));
        return java.util.Arrays.asList(grad, null);
    }
}
