package dev.spool.ops.internal;

import dev.spool.graph.Dim;
import dev.spool.graph.Shape;
import dev.spool.graph.ShapeException;
import dev.spool.graph.TensorType;
import dev.spool.graph.Value;
import dev.spool.graph.internal.DimUnifier;
import dev.spool.ops.Builder;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Sums rows of {@code updates} (i..., d...) into a zero table (rows, d...) at int {@code indices}
 * (i...): the VJP of {@link Gather}.
 *
 * <p>Rules by stage: shape and VJP in this record; folding none; lowering (to a scatter-add)
 * {@code dev.spool.compiler.lower.GatherScatterLowering#SCATTER_ADD}; reference semantics
 * {@code dev.spool.backend.cpu.reference.GatherScatterReference#SCATTER_ADD}; kernel code none
 * (the runtime's executor runs its instruction).
 */
public record ScatterAdd(int rows) implements Primitive {
    @Override
    public OpCode code() {
        return OpCode.SCATTER_ADD;
    }

    @Override
    public String name() {
        return "scatter_add";
    }

    @Override
    public String attributes() {
        return "rows=" + rows;
    }

    @Override
    public List<TensorType> infer(List<TensorType> in, DimUnifier dims) {
        Rules.arity(name(), in, 2);
        TensorType idx = in.get(0);
        TensorType upd = in.get(1);
        Rules.integerDtype(name(), "indices", idx);
        if (upd.rank() < idx.rank()) {
            throw new ShapeException("scatter_add: updates " + upd + " must start with the indices' shape " + idx.shape());
        }
        for (int i = 0; i < idx.rank(); i++) {
            if (!dims.tryUnify(idx.shape().dim(i), upd.shape().dim(i))) {
                throw new ShapeException("scatter_add: updates " + upd + " must start with the indices' shape " + idx.shape());
            }
        }
        List<Dim> out = new ArrayList<>();
        out.add(Dim.of(rows));
        out.addAll(upd.shape().drop(idx.rank()).dims());
        return List.of(new TensorType(upd.dtype(), new Shape(out)));
    }

    @Override
    public List<Value> vjp(Builder b, Forward fwd, List<Value> cot) {
        return Arrays.asList(null, b.gather(cot.get(0), fwd.input(0)));
    }
}
