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
 * Permutes axes: output axis i is input axis {@code perm[i]}.
 *
 * <p>Rules by stage: shape and VJP in this record; folding
 * {@code dev.spool.compiler.simplify.LayoutFolding#FILL_MOVE}; lowering (to a view)
 * {@code dev.spool.compiler.lower.LayoutLowering#TRANSPOSE}; reference semantics
 * {@code dev.spool.backend.cpu.reference.LayoutReference#TRANSPOSE}; kernel code none (the
 * runtime's executor runs its instruction).
 */
public record Transpose(List<Integer> perm) implements Primitive {
    public Transpose {
        perm = List.copyOf(perm);
    }

    @Override
    public OpCode code() {
        return OpCode.TRANSPOSE;
    }

    @Override
    public String name() {
        return "transpose";
    }

    @Override
    public String attributes() {
        return perm.toString();
    }

    @Override
    public List<TensorType> infer(List<TensorType> in, DimUnifier dims) {
        Rules.arity(name(), in, 1);
        TensorType x = in.get(0);
        boolean[] seen = new boolean[x.rank()];
        if (perm.size() != x.rank()) {
            throw new ShapeException("transpose: permutation " + perm + " has " + perm.size() + " axes but the operand " + x + " has " + x.rank());
        }
        List<Dim> out = new ArrayList<>();
        for (int p : perm) {
            if (p < 0 || p >= x.rank() || seen[p]) {
                throw new ShapeException("transpose: " + perm + " is not a permutation of the axes of " + x);
            }
            seen[p] = true;
            out.add(x.shape().dim(p));
        }
        return List.of(new TensorType(x.dtype(), new Shape(out)));
    }

    @Override
    public List<Value> vjp(Builder b, Forward fwd, List<Value> cot) {
        Value g = cot.get(0);
        if (g == null) {
            return java.util.Arrays.asList((Value) null);
        }
        Integer[] inverse = new Integer[perm.size()];
        for (int i = 0; i < perm.size(); i++) {
            inverse[perm.get(i)] = i;
        }
        return List.of(b.transpose(g, inverse));
    }
}
