package dev.spool.compiler.simplify;

import dev.spool.graph.Value;
import dev.spool.ops.internal.Primitive;
/**
 * A rule on a scan's sequence operand: when the stacked sequence is {@code perStep} applied to a
 * smaller outer value, the scan can read that value instead and apply {@code perStep} to each
 * slice in its body ({@code op(x)[t] = op(x[t])}). The scan keeps its results; its slice param
 * changes type.
 */
public record SequenceRule(String name, Match match) {

    /** The outer value to slice instead, and the per-step op that recovers the original slice. */
    public record Sunk(Value sequence, Primitive perStep) {
    }

    /** Returns how to sink {@code sequence}, or {@code null} when the rule does not match. */
    @FunctionalInterface
    public interface Match {
        Sunk apply(Rewriter r, Value sequence);
    }
}
