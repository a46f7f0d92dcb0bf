package dev.spool.ops.internal;

/** Op groups that passes consult as data ("is this fusible?") instead of instanceof ladders. */
public enum OpKind {
    /** Pointwise with numpy broadcasting: fusible into one loop. */
    ELEMENTWISE,
    /** Reduces one or more axes. */
    REDUCTION,
    /** Matrix products: lowered to GEMM. */
    CONTRACTION,
    /** Moves or selects data without arithmetic. */
    DATA_MOVEMENT,
    /** Produces a value from attributes alone. */
    GENERATOR
}
