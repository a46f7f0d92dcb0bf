package dev.spool.ops.internal;

import dev.spool.graph.Dim;
import dev.spool.graph.Shape;
import dev.spool.graph.ShapeException;
import dev.spool.graph.TensorType;
import dev.spool.graph.Value;
import dev.spool.graph.internal.DimUnifier;
import dev.spool.ops.Builder;

import java.util.ArrayList;
import java.util.List;

/**
 * Same elements, new shape (row-major order kept). The target may contain symbols and products
 * of them ({@code (T*B, 4)} merges a (T, B, 4) tensor's leading axes); the rule splits products
 * into factors, cancels symbols common to both shapes and requires the remaining sizes to have
 * equal products.
 *
 * <p>Rules by stage: shape and VJP in this record; folding
 * {@code dev.spool.compiler.simplify.LayoutFolding#FILL_MOVE}; lowering (to a view)
 * {@code dev.spool.compiler.lower.LayoutLowering#RESHAPE}; reference semantics
 * {@code dev.spool.backend.cpu.reference.LayoutReference#RESHAPE}; kernel code none (the runtime's
 * executor runs its instruction).
 */
public record Reshape(Shape target) implements Primitive {
    @Override
    public OpCode code() {
        return OpCode.RESHAPE;
    }

    @Override
    public String name() {
        return "reshape";
    }

    @Override
    public String attributes() {
        return target.toString();
    }

    @Override
    public Reshape mapDims(java.util.function.UnaryOperator<dev.spool.graph.Dim> f) {
        return new Reshape(target.map(f));
    }

    @Override
    public List<TensorType> infer(List<TensorType> in, DimUnifier dims) {
        Rules.arity(name(), in, 1);
        TensorType x = in.get(0);
        List<Dim> from = factors(dims.resolve(x.shape()));
        List<Dim> to = factors(dims.resolve(target));
        if (from.contains(Dim.of(0)) && to.contains(Dim.of(0))) {
            // Both sides are empty whatever their symbols are: (0, B, 3) -> (0, 3) binding T = 0 in (T, B, 3) -> (T*B, 3).
            return List.of(new TensorType(x.dtype(), target));
        }
        for (Dim d : List.copyOf(to)) {
            if (d instanceof Dim.Sym && from.remove(d)) {
                to.remove(d);
            }
        }
        if (!new Shape(from).isFixed() || !new Shape(to).isFixed()
                || Shape.volume(new Shape(from).sizes()) != Shape.volume(new Shape(to).sizes())) {
            throw new ShapeException("reshape: cannot reshape " + x + " to " + target + " (element counts differ or cannot be proven equal)");
        }
        return List.of(new TensorType(x.dtype(), target));
    }

    /** The shape's dims with products split into their factors, e.g. (T*B, 4) -> [T, B, 4]. */
    private static List<Dim> factors(Shape s) {
        List<Dim> out = new ArrayList<>();
        s.dims().forEach(d -> out.addAll(d.factors()));
        return out;
    }

    @Override
    public List<Value> vjp(Builder b, Forward fwd, List<Value> cot) {
        Value g = cot.get(0);
        return java.util.Arrays.asList(g == null ? null : b.apply1(new Reshape(fwd.inputType(0).shape()), g));
    }
}
