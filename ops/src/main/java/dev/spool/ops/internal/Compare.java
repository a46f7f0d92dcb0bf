package dev.spool.ops.internal;

import dev.spool.graph.DType;
import dev.spool.graph.TensorType;
import dev.spool.graph.Value;
import dev.spool.graph.internal.DimUnifier;
import dev.spool.ops.Builder;
import dev.spool.ops.CompareFn;

import java.util.List;
import java.util.Locale;

/**
 * {@code a <op> b} pointwise with broadcasting, producing BOOL.
 *
 * <p>Rules by stage: shape and VJP in this record; folding
 * {@code dev.spool.compiler.simplify.ElementwiseFolding#COMPARE}; lowering (to a generated kernel)
 * {@code dev.spool.compiler.lower.ElementwiseLowering#KERNEL}; reference semantics
 * {@code dev.spool.backend.cpu.reference.ElementwiseReference#COMPARE}; kernel code
 * {@code dev.spool.backend.cpu.codegen.ElementwiseTemplate#COMPARE}.
 */
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
