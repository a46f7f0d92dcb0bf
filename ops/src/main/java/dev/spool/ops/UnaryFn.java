package dev.spool.ops;

/**
 * Pointwise functions of one operand, with their reference semantics in double precision, for
 * {@link Builder#unary}; each has its own method too ({@code neg}, {@code exp}, {@code tanh}, ...).
 *
 * <pre>{@code Value y = b.unary(UnaryFn.TANH, x);   // same as b.tanh(x)}</pre>
 */
public enum UnaryFn {
    /** {@code -x}: {@code b.neg(x)}. */
    NEG,
    /** {@code e^x}: {@code b.exp(x)}. */
    EXP,
    /** Natural logarithm: {@code b.log(x)}. */
    LOG,
    /** Hyperbolic tangent: {@code b.tanh(x)}. */
    TANH,
    /** {@code 1 / (1 + e^-x)}: {@code b.sigmoid(x)}. */
    SIGMOID,
    /** {@code max(x, 0)}: {@code b.relu(x)}. */
    RELU,
    /** Square root: {@code b.sqrt(x)}. */
    SQRT,
    /** Absolute value: {@code b.abs(x)}. */
    ABS,
    /** {@code x * x}: {@code b.square(x)}. */
    SQUARE,
    /** {@code 1 / x}: {@code b.reciprocal(x)}. */
    RECIPROCAL;

    /** Whether the function is defined for integer tensors (computed exactly in longs): {@code UnaryFn.ABS.integerSafe() == true}, {@code EXP}'s is false. */
    public boolean integerSafe() {
        return this == NEG || this == RELU || this == ABS || this == SQUARE;
    }

    /** The reference semantics in double precision: {@code UnaryFn.SIGMOID.apply(0) == 0.5}. */
    public double apply(double x) {
        return switch (this) {
            case NEG -> -x;
            case EXP -> Math.exp(x);
            case LOG -> Math.log(x);
            case TANH -> Math.tanh(x);
            // Both branches avoid exp overflow for large |x|.
            case SIGMOID -> x >= 0 ? 1 / (1 + Math.exp(-x)) : Math.exp(x) / (1 + Math.exp(x));
            case RELU -> x > 0 ? x : 0;
            case SQRT -> Math.sqrt(x);
            case ABS -> Math.abs(x);
            case SQUARE -> x * x;
            case RECIPROCAL -> 1 / x;
        };
    }

    /**
     * The exact integer semantics of an {@link #integerSafe()} function: {@code UnaryFn.SQUARE.applyLong(-3) == 9}.
     *
     * @throws IllegalStateException for a function not defined on integers
     */
    public long applyLong(long x) {
        return switch (this) {
            case NEG -> -x;
            case RELU -> Math.max(x, 0);
            case ABS -> Math.abs(x);
            case SQUARE -> x * x;
            default -> throw new IllegalStateException(this + " is not defined on integers");
        };
    }
}
