package dev.spool.ops.internal;

import dev.spool.graph.Dim;
import dev.spool.graph.ShapeException;
import dev.spool.graph.TensorType;
import dev.spool.graph.Value;
import dev.spool.graph.internal.DimUnifier;
import dev.spool.ops.Builder;

import java.util.List;
import java.util.function.UnaryOperator;

/**
 * Passes a masked scan's per-row {@code lengths} (B) through unchanged after checking that each is
 * in [0, steps], failing the run otherwise. A LENGTHS-masked scan checks its lengths itself; the
 * rewrites that turn such a scan into explicit masking (autodiff's augmented scans, unrolling) read
 * the lengths through this op so that bad lengths are still refused, not silently clamped.
 *
 * <pre>{@code Value checked = b.apply1(new CheckLengths(Dim.of("T"), "scan#3"), lengths);}</pre>
 *
 * <p>Rules by stage: shape and VJP in this record; folding none; lowering (to a lengths check)
 * {@code dev.spool.compiler.lower.LayoutLowering#CHECK_LENGTHS}; reference semantics
 * {@code dev.spool.backend.cpu.reference.LayoutReference#CHECK_LENGTHS}; kernel code none (the
 * runtime's executor runs its instruction).
 */
public record CheckLengths(Dim steps, String label) implements Primitive {
    @Override
    public OpCode code() {
        return OpCode.CHECK_LENGTHS;
    }

    @Override
    public String name() {
        return "check_lengths";
    }

    @Override
    public String attributes() {
        return "steps=" + steps + " " + label;
    }

    @Override
    public CheckLengths mapDims(UnaryOperator<Dim> f) {
        return new CheckLengths(f.apply(steps), label);
    }

    @Override
    public List<TensorType> infer(List<TensorType> in, DimUnifier dims) {
        Rules.arity(name(), in, 1);
        TensorType t = in.get(0);
        if (t.rank() != 1 || !t.dtype().isInteger()) {
            throw new ShapeException(name() + ": lengths must be an integer vector (B), got " + t);
        }
        return List.of(t);
    }

    @Override
    public List<Value> vjp(Builder b, Forward fwd, List<Value> cot) {
        return java.util.Arrays.asList((Value) null);
    }
}
