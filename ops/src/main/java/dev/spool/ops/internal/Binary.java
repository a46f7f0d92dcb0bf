package dev.spool.ops.internal;

import dev.spool.graph.TensorType;
import dev.spool.graph.Value;
import dev.spool.graph.internal.DimUnifier;
import dev.spool.ops.BinaryFn;
import dev.spool.ops.Builder;
import dev.spool.ops.CompareFn;

import java.util.List;
import java.util.Locale;

/**
 * {@code fn(a, b)} pointwise with numpy broadcasting; both operands of one numeric dtype.
 *
 * <p>Rules by stage: shape and VJP in this record; folding
 * {@code dev.spool.compiler.simplify.ElementwiseFolding#BINARY}; lowering (to a generated kernel)
 * {@code dev.spool.compiler.lower.ElementwiseLowering#KERNEL}; reference semantics
 * {@code dev.spool.backend.cpu.reference.ElementwiseReference#BINARY}; kernel code
 * {@code dev.spool.backend.cpu.codegen.ElementwiseTemplate#BINARY}.
 */
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

    @Override
    public List<Value> vjp(Builder b, Forward fwd, List<Value> cot) {
        Value g = cot.get(0);
        TensorType ta = fwd.inputType(0);
        TensorType tb = fwd.inputType(1);
        if (g == null || !ta.dtype().isFloat()) {
            return java.util.Arrays.asList(null, null);
        }
        Value ga;
        Value gb;
        switch (fn) {
            case ADD -> {
                ga = g;
                gb = g;
            }
            case SUB -> {
                ga = g;
                gb = b.neg(g);
            }
            case MUL -> {
                ga = b.mul(g, fwd.input(1));
                gb = b.mul(g, fwd.input(0));
            }
            case DIV -> {
                ga = b.div(g, fwd.input(1));
                gb = b.neg(b.mul(ga, fwd.output(0)));
            }
            case MAX, MIN -> {
                // Ties send the gradient to the first operand.
                Value first = b.compare(fn == BinaryFn.MAX ? CompareFn.GE : CompareFn.LE, fwd.input(0), fwd.input(1));
                Value zero = b.scalar(0, ta.dtype());
                ga = b.where(first, g, zero);
                gb = b.where(first, zero, g);
            }
            case POW -> {
                Value one = b.scalar(1, ta.dtype());
                ga = b.mul(g, b.mul(fwd.input(1), b.binary(BinaryFn.POW, fwd.input(0), b.sub(fwd.input(1), one))));
                gb = b.mul(g, b.mul(fwd.output(0), b.log(fwd.input(0))));
            }
            default -> throw new IllegalStateException(fn.name());
        }
        return java.util.Arrays.asList(Grads.unbroadcast(b, ga, ta), Grads.unbroadcast(b, gb, tb));
    }
}
