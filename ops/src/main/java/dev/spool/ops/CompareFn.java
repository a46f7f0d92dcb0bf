package dev.spool.ops;

/**
 * Pointwise comparisons producing BOOL, for {@link Builder#compare}; each has its own method too
 * ({@code less}, {@code lessEqual}, {@code greater}, {@code greaterEqual}, {@code equal}, {@code notEqual}).
 *
 * <pre>{@code Value mask = b.compare(CompareFn.LT, t, lengths);   // BOOL, same as b.less(t, lengths)}</pre>
 */
public enum CompareFn {
    /** {@code a < b}: {@code b.less(x, y)}. */
    LT,
    /** {@code a <= b}: {@code b.lessEqual(x, y)}. */
    LE,
    /** {@code a > b}: {@code b.greater(x, y)}. */
    GT,
    /** {@code a >= b}: {@code b.greaterEqual(x, y)}. */
    GE,
    /** {@code a == b}: {@code b.equal(x, y)}. */
    EQ,
    /** {@code a != b}: {@code b.notEqual(x, y)}. */
    NE;

    /** The comparison on doubles: {@code CompareFn.LT.apply(1, 2) == true}. */
    public boolean apply(double a, double b) {
        return switch (this) {
            case LT -> a < b;
            case LE -> a <= b;
            case GT -> a > b;
            case GE -> a >= b;
            case EQ -> a == b;
            case NE -> a != b;
        };
    }

    /**
     * The operator in C-family source ({@code <}, {@code <=}, …), the same in Java and CUDA C: what
     * the code generators of both backends emit.
     *
     * <pre>{@code String expr = "(" + x + " " + CompareFn.LE.symbol() + " " + y + ")";   // (x <= y)}</pre>
     */
    public String symbol() {
        return switch (this) {
            case LT -> "<";
            case LE -> "<=";
            case GT -> ">";
            case GE -> ">=";
            case EQ -> "==";
            case NE -> "!=";
        };
    }
}
