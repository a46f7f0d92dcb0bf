package dev.spool.ops;

import dev.spool.graph.DimUnifier;
import dev.spool.graph.TensorType;

import java.util.List;
import java.util.Locale;

/** {@code fn(a, b)} pointwise with numpy broadcasting; both operands of one numeric dtype. */
public record Binary(BinaryFn fn) implements Primitive {
    @Override
    public OpCode code() {
        return OpCode.BINARY;
    }

    @Override
    public String name() {
        return fn.name().toLowerCase(Locale.ROOT);
    }

    @Override
    public List<TensorType> infer(List<TensorType> in, DimUnifier dims) {
        Rules.arity(name(), in, 2);
        Rules.sameNumericDtype(name(), in);
        return List.of(new TensorType(in.get(0).dtype(), Broadcasting.shape(name(), Rules.shapes(in), dims)));
    }
}
