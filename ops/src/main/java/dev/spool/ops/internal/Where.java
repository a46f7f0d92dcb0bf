package dev.spool.ops.internal;

import dev.spool.graph.DType;
import dev.spool.graph.ShapeException;
import dev.spool.graph.TensorType;
import dev.spool.graph.Value;
import dev.spool.graph.internal.DimUnifier;
import dev.spool.ops.Builder;

import java.util.List;

/**
 * {@code where(cond, a, b)}: a where cond is true, else b; all three broadcast together.
 *
 * <p>Rules by stage: shape and VJP in this record; folding
 * {@code dev.spool.compiler.simplify.ElementwiseFolding#WHERE}; lowering (to a generated kernel)
 * {@code dev.spool.compiler.lower.ElementwiseLowering#KERNEL}; reference semantics
 * {@code dev.spool.backend.cpu.reference.ElementwiseReference#WHERE}; kernel code
 * {@code dev.spool.backend.cpu.codegen.ElementwiseTemplate#WHERE}.
 */
public record Where() implements Primitive {
    @Override
    public OpCode code() {
        return OpCode.WHERE;
    }

    @Override
    public String name() {
        return "where";
    }

    @Override
    public List<TensorType> infer(List<TensorType> in, DimUnifier dims) {
        Rules.arity(name(), in, 3);
        if (in.get(0).dtype() != DType.BOOL) {
            throw new ShapeException("where: the condition must be BOOL, got " + in.get(0));
        }
        if (in.get(1).dtype() != in.get(2).dtype()) {
            throw new ShapeException("where: branches differ in dtype: " + in.get(1) + " vs " + in.get(2));
        }
        return List.of(new TensorType(in.get(1).dtype(), Broadcasting.shape(name(), Rules.shapes(in), dims)));
    }

    @Override
    public List<Value> vjp(Builder b, Forward fwd, List<Value> cot) {
        Value g = cot.get(0);
        if (g == null || !fwd.outputType(0).dtype().isFloat()) {
            return java.util.Arrays.asList(null, null, null);
        }
        Value zero = b.scalar(0, fwd.outputType(0).dtype());
        Value c = fwd.input(0);
        return java.util.Arrays.asList(null, Grads.unbroadcast(b, b.where(c, g, zero), fwd.inputType(1)),
                Grads.unbroadcast(b, b.where(c, zero, g), fwd.inputType(2)));
    }
}
