package dev.spool.graph.internal;

import dev.spool.graph.Dim;
import dev.spool.graph.TensorType;

import java.util.List;

/**
 * A node without inputs that receives a value from outside: a graph input, a trainable parameter,
 * or one of a scan body's parameters (carry, per-step slice, invariant).
 */
public record Source(Kind kind, String label, TensorType type) implements Op {

    /** Where the value comes from. */
    public enum Kind { INPUT, PARAMETER, CARRY, SLICE, INVARIANT }

    @Override
    public String name() {
        return kind.name().toLowerCase(java.util.Locale.ROOT);
    }

    @Override
    public String attributes() {
        return "\"" + label + "\"";
    }

    @Override
    public Source mapDims(java.util.function.UnaryOperator<Dim> f) {
        return new Source(kind, label, type.mapDims(f));
    }

    @Override
    public List<TensorType> infer(List<TensorType> inputs, DimUnifier dims) {
        return List.of(type);
    }
}
