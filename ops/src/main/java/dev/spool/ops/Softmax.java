package dev.spool.ops;

import dev.spool.graph.DimUnifier;
import dev.spool.graph.TensorType;

import java.util.List;

/** Softmax (or log-softmax) along {@code axis}, computed stably (max subtracted first). */
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
}
