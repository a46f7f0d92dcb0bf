package dev.spool.ops;

/** Pointwise comparisons producing BOOL. */
public enum CompareFn {
    LT, LE, GT, GE, EQ, NE;

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
