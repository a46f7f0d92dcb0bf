package dev.spool.ops.internal;

import dev.spool.graph.ShapeException;
import dev.spool.graph.TensorType;
import dev.spool.graph.Value;
import dev.spool.graph.internal.DimUnifier;
import dev.spool.ops.Builder;
import dev.spool.ops.CompareFn;
import dev.spool.ops.UnaryFn;

import java.util.List;
import java.util.Locale;

/**
 * {@code fn(x)} pointwise; float dtypes, and integers for the integer-safe functions.
 *
 * <p>Rules by stage: shape and VJP in this record; folding
 * {@code dev.spool.compiler.simplify.ElementwiseFolding#UNARY}; lowering (to a generated kernel)
 * {@code dev.spool.compiler.lower.ElementwiseLowering#KERNEL}; reference semantics
 * {@code dev.spool.backend.cpu.reference.ElementwiseReference#UNARY}; kernel code
 * {@code dev.spool.backend.cpu.codegen.ElementwiseTemplate#UNARY}.
 */
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

    @Override
    public List<Value> vjp(Builder b, Forward fwd, List<Value> cot) {
        Value g = cot.get(0);
        if (g == null) {
            return java.util.Arrays.asList((Value) null);
        }
        return List.of(switch (fn) {
            case NEG -> b.neg(g);
            case EXP -> b.mul(g, fwd.output(0));
            case LOG -> b.div(g, fwd.input(0));
            // d tanh = 1 - y^2, d sigmoid = y (1 - y): both from the output, so the input need not be kept.
            case TANH -> b.mul(g, b.sub(one(b, fwd), b.mul(fwd.output(0), fwd.output(0))));
            case SIGMOID -> b.mul(g, b.mul(fwd.output(0), b.sub(one(b, fwd), fwd.output(0))));
            case RELU -> b.where(b.compare(CompareFn.GT, fwd.output(0), zero(b, fwd)), g, zero(b, fwd));
            case SQRT -> b.div(g, b.mul(b.scalar(2, fwd.inputType(0).dtype()), fwd.output(0)));
            case ABS -> b.where(b.compare(CompareFn.LT, fwd.input(0), zero(b, fwd)), b.neg(g), g);
            case SQUARE -> b.mul(g, b.mul(b.scalar(2, fwd.inputType(0).dtype()), fwd.input(0)));
            case RECIPROCAL -> b.neg(b.mul(g, b.mul(fwd.output(0), fwd.output(0))));
        });
    }

    private static Value one(Builder b, Forward fwd) {
        return b.scalar(1, fwd.inputType(0).dtype());
    }

    private static Value zero(Builder b, Forward fwd) {
        return b.scalar(0, fwd.inputType(0).dtype());
    }
}
