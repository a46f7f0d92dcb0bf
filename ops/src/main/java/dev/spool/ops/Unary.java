package dev.spool.ops;

import dev.spool.graph.DimUnifier;
import dev.spool.graph.ShapeException;
import dev.spool.graph.TensorType;

import java.util.List;
import java.util.Locale;

/** {@code fn(x)} pointwise; float dtypes, and integers for the integer-safe functions. */
public record Unary(UnaryFn fn) implements Primitive {
    @Override
    public OpCode code() {
        return OpCode.UNARY;
    }

    @Override
    public String name() {
        return fn.name().toLowerCase(Locale.ROOT);
    }

    @Override
    public List<TensorType> infer(List<TensorType> in, DimUnifier dims) {
        Rules.arity(name(), in, 1);
        TensorType x = in.get(0);
        if (!x.dtype().isFloat() && !(x.dtype().isInteger() && fn.integerSafe())) {
            throw new ShapeException(name() + ": needs a float operand (F32 or F64), got " + x + "; cast it first");
        }
        return List.of(x);
    }
}
