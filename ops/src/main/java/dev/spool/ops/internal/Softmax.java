package dev.spool.ops.internal;

import dev.spool.graph.TensorType;
import dev.spool.graph.Value;
import dev.spool.graph.internal.DimUnifier;
import dev.spool.ops.Builder;

import java.util.List;

/**
 * Softmax (or log-softmax) along {@code axis}, computed stably (max subtracted first).
 *
 * <p>Rules by stage: shape and VJP in this record; folding none; lowering (to a softmax)
 * {@code dev.spool.compiler.lower.SoftmaxLowering#SOFTMAX}; reference semantics
 * {@code dev.spool.backend.cpu.reference.SoftmaxReference#SOFTMAX}; kernel code none (the
 * runtime's executor runs its instruction).
 */
public record Softmax(int axis, boolean log) implements Primitive {
    @Override
    public OpCode code() {
        return OpCode.SOFTMAX;
    }

    @Override
    public String name() {
        return log ? "log_softmax" : "softmax";
    }

    @Override
    public String attributes() {
        return "axis=" + axis;
    }

    @Override
    public List<TensorType> infer(List<TensorType> in, DimUnifier dims) {
        Rules.arity(name(), in, 1);
        Rules.floatDtype(name(), "the operand", in.get(0));
        Rules.axis(name(), axis, in.get(0).rank());
        return List.of(in.get(0));
    }

    @Override
    public List<Value> vjp(Builder b, Forward fwd, List<Value> cot) {
        Value g = cot.get(0);
        if (g == null) {
            return java.util.Arrays.asList((Value) null);
        }
        int a = Math.floorMod(axis, fwd.inputType(0).rank());
        Reduce sumKeep = new Reduce(ReduceFn.SUM, List.of(a), true);
        Value y = fwd.output(0);
        if (log) {
            // d log_softmax: g - softmax(x) * sum(g)
            return List.of(b.sub(g, b.mul(b.exp(y), b.apply1(sumKeep, g))));
        }
        // d softmax: y * (g - sum(g * y))
        return List.of(b.mul(y, b.sub(g, b.apply1(sumKeep, b.mul(g, y)))));
    }
}
