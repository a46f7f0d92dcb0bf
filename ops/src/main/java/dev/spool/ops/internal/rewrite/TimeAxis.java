package dev.spool.ops.internal.rewrite;

import dev.spool.graph.Dim;
import dev.spool.graph.Shape;
import dev.spool.graph.Tensor;
import dev.spool.graph.TensorType;
import dev.spool.graph.Value;
import dev.spool.graph.internal.ScanOp;
import dev.spool.ops.Builder;
import dev.spool.ops.CompareFn;
import dev.spool.ops.internal.CheckLengths;
import dev.spool.ops.internal.Iota;
import dev.spool.ops.internal.Reshape;

import java.util.ArrayList;
import java.util.List;

/**
 * Graph-op helpers for rewrites that take a scan's time axis apart (checkpoint chunking,
 * unrolling, the backward scan): chunked views of time-major sequences, and which batch rows a
 * masked scan's steps update, as {@code ScanOp}'s Javadoc defines it (step t is active for row b
 * when {@code t < lengths[b]}, or where the mask is true).
 */
public final class TimeAxis {
    private TimeAxis() {
    }

    /** (chunks·k, s...) viewed as (chunks, k, s...); a reshape, so no data moves. */
    public static Value split(Builder b, Value x, int chunks, int k) {
        Shape s = b.typeOf(x).shape().drop(1).prepend(Dim.of(k)).prepend(Dim.of(chunks));
        return b.apply1(new Reshape(s), x);
    }

    /** (T, B) BOOL: whether step t is active for row b (the mask itself, or {@code iota(T, B) < lengths}). */
    public static Value activeSteps(Builder b, ScanOp scan, Value maskOperand) {
        if (scan.masking() == ScanOp.Masking.MASK) {
            return maskOperand;
        }
        TensorType lt = b.typeOf(maskOperand);
        Value steps = b.apply1(new Iota(lt.dtype(), Shape.of(scan.length(), lt.shape().dim(0)), 0));
        return b.compare(CompareFn.LT, steps, checkedLengths(b, scan, maskOperand));
    }

    /**
     * The lengths operand of a LENGTHS-masked scan read through {@link CheckLengths}: a rewrite that
     * replaces the scan's own masking by explicit selects must still refuse lengths outside [0, T].
     */
    public static Value checkedLengths(Builder b, ScanOp scan, Value lengths) {
        return b.apply1(new CheckLengths(scan.length(), "lengths of a masked scan"), lengths);
    }

    /** (B) BOOL for the one step t: {@code t < lengths}, or row t of the mask. */
    public static Value activeAt(Builder b, ScanOp scan, Value maskOperand, int t) {
        if (scan.masking() == ScanOp.Masking.MASK) {
            return b.index(maskOperand, 0, t);
        }
        Value step = b.constant(Tensor.scalar(t, b.typeOf(maskOperand).dtype()));
        return b.compare(CompareFn.LT, step, maskOperand);
    }

    /**
     * A step's active rows (B) as (B, 1, ...) of v's rank, so that {@code where} selects whole
     * batch rows of v (a masked scan's carries and outputs have the batch dim first).
     */
    public static Value rowsLike(Builder b, Value active, Value v) {
        TensorType t = b.typeOf(v);
        if (t.rank() == 1) {
            return active;
        }
        List<Object> dims = new ArrayList<>();
        dims.add(t.shape().dim(0));
        for (int i = 1; i < t.rank(); i++) {
            dims.add(1);
        }
        return b.apply1(new Reshape(Shape.of(dims.toArray())), active);
    }
}
