package dev.spool.ops.internal;

import dev.spool.graph.DType;
import dev.spool.graph.TensorType;
import dev.spool.graph.Value;
import dev.spool.graph.internal.DimUnifier;
import dev.spool.ops.Builder;
import dev.spool.ops.CompareFn;

import java.util.List;
import java.util.Locale;

/** {@code a <op> b} pointwise with broadcasting, producing BOOL. */
public record Compare(CompareFn fn) implements Primitive {
    @Override
    public OpCode code() {
        return OpCode.COMPARE;
    }

    @Override
    public String name() {
        return fn.name().toLowerCase(Locale.ROOT);
    }

    @Override
    public List<TensorType> infer(List<TensorType> in, DimUnifier dims) {
        Rules.arity(name(), in, 2);
        Rules.sameNumericDtype(name(), in);
        return List.of(new TensorType(DType.BOOL, Broadcasting.shape(name(), Rules.shapes(in), dims)));
    }

    @Override
    public List<Value> vjp(Builder b, Forward fwd, List<Value> cot) {
        return java.util.Arrays.asList(null, null);
    }
}
