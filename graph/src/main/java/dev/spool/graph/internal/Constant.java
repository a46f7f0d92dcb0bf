package dev.spool.graph.internal;

import dev.spool.graph.Shape;
import dev.spool.graph.Tensor;
import dev.spool.graph.TensorType;

import java.util.List;

/** A constant tensor embedded in the graph (small values: scalars, masks, test data). */
public record Constant(Tensor value) implements Op {

    @Override
    public String name() {
        return "constant";
    }

    @Override
    public String attributes() {
        return value.size() <= 4 ? value.toString() : value.dtype() + java.util.Arrays.toString(value.shape());
    }

    @Override
    public List<TensorType> infer(List<TensorType> inputs, DimUnifier dims) {
        return List.of(new TensorType(value.dtype(), Shape.of(value.shape())));
    }
}
