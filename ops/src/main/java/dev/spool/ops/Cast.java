package dev.spool.ops;

import dev.spool.graph.DType;
import dev.spool.graph.DimUnifier;
import dev.spool.graph.TensorType;

import java.util.List;

/** Converts the element type; float to int truncates toward zero, anything to BOOL is {@code != 0}. */
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
}
